import { readFileSync } from 'node:fs';
import {
  defineFamilyPlugin,
  generatedHeader,
  renderTemplate,
  type PluginFactory,
  type PreparedModel,
  type SynthesizeOptions,
} from '@hf-core/core';
import { DUAL_SPECS, synthesizeDual } from './dual.ts';
import { synthesizeVlm } from './vlm.ts';
import { synthesizeV2s } from './v2s.ts';
import { OWL_SPECS, synthesizeOwl } from './owl.ts';
import { QWEN_SPECS, synthesizeQwen } from './qwen.ts';
import { synthesizeJina } from './jina.ts';
import { AUDIO_SPECS, synthesizeAudio } from './audio.ts';
import { synthesizeClap } from './clap.ts';
import { synthesizeClipSeg } from './clipseg.ts';
import { synthesizeFlorence } from './florence.ts';
import { synthesizeGdino } from './gdino.ts';
import { VLM_SPECS } from './vlm-specs.ts';
import { UNCOVERED } from './uncovered.ts';
import { LFM_TYPES, synthesizeLfmVl } from './lfm-vl.ts';
import { synthesizeEGemma } from './egemma.ts';
import { synthesizePhi3v } from './phi3v.ts';
import { synthesizeGemma3n } from './gemma3n.ts';
import { synthesizeGemma4 } from './gemma4.ts';
import { CAPTIONING_TYPES, synthesizeCaptioning } from './captioning.ts';
import { synthesizeJanus } from './janus.ts';
import { synthesizeVoxtralRt } from './voxtral-rt.ts';

export const PLUGIN_NAME = 'hf-core:multimodal';
export const TEMPLATE_VERSION = 1;

type Kind =
  | 'dual'
  | 'vlm'
  | 'v2s'
  | 'owl'
  | 'jina'
  | 'clap'
  | 'clipseg'
  | 'florence'
  | 'gdino'
  | 'captioning'
  | 'phi3v'
  | 'lfm'
  | 'janus'
  | 'gemma3n'
  | 'egemma'
  | 'voxtral_rt'
  | 'gemma4';
const TEMPLATES: Record<Kind, string> = {
  dual: readFileSync(new URL('../templates/dual.eta', import.meta.url), 'utf8'),
  vlm: readFileSync(new URL('../templates/vlm.eta', import.meta.url), 'utf8'),
  v2s: readFileSync(new URL('../templates/v2s.eta', import.meta.url), 'utf8'),
  owl: readFileSync(new URL('../templates/owl.eta', import.meta.url), 'utf8'),
  jina: readFileSync(new URL('../templates/jina.eta', import.meta.url), 'utf8'),
  clap: readFileSync(new URL('../templates/clap.eta', import.meta.url), 'utf8'),
  clipseg: readFileSync(new URL('../templates/clipseg.eta', import.meta.url), 'utf8'),
  florence: readFileSync(new URL('../templates/florence.eta', import.meta.url), 'utf8'),
  gdino: readFileSync(new URL('../templates/gdino.eta', import.meta.url), 'utf8'),
  lfm: readFileSync(new URL('../templates/lfm.eta', import.meta.url), 'utf8'),
  egemma: readFileSync(new URL('../templates/egemma.eta', import.meta.url), 'utf8'),
  phi3v: readFileSync(new URL('../templates/phi3v.eta', import.meta.url), 'utf8'),
  gemma3n: readFileSync(new URL('../templates/gemma3n.eta', import.meta.url), 'utf8'),
  gemma4: readFileSync(new URL('../templates/gemma4.eta', import.meta.url), 'utf8'),
  captioning: readFileSync(new URL('../templates/captioning.eta', import.meta.url), 'utf8'),
  janus: readFileSync(new URL('../templates/janus.eta', import.meta.url), 'utf8'),
  voxtral_rt: readFileSync(new URL('../templates/voxtral-rt.eta', import.meta.url), 'utf8'),
};

const SYNTHESIZERS: Record<
  string,
  { kind: Kind; synthesize: (t: string, dir: string, o: SynthesizeOptions) => Promise<PreparedModel> }
> = {
  ...Object.fromEntries(Object.keys(DUAL_SPECS).map((t) => [t, { kind: 'dual' as const, synthesize: synthesizeDual }])),
  ...Object.fromEntries(Object.keys(VLM_SPECS).map((t) => [t, { kind: 'vlm' as const, synthesize: synthesizeVlm }])),
  ...Object.fromEntries(Object.keys(QWEN_SPECS).map((t) => [t, { kind: 'vlm' as const, synthesize: synthesizeQwen }])),
  'vision-encoder-decoder': { kind: 'v2s', synthesize: synthesizeV2s },
  jina_clip: { kind: 'jina', synthesize: synthesizeJina },
  clap: { kind: 'clap', synthesize: synthesizeClap },
  clipseg: { kind: 'clipseg', synthesize: synthesizeClipSeg },
  florence2: { kind: 'florence', synthesize: synthesizeFlorence },
  'grounding-dino': { kind: 'gdino', synthesize: synthesizeGdino },
  ...Object.fromEntries(LFM_TYPES.map((t) => [t, { kind: 'lfm' as const, synthesize: synthesizeLfmVl }])),
  embedding_gemma2: { kind: 'egemma', synthesize: synthesizeEGemma },
  phi3_v: { kind: 'phi3v', synthesize: synthesizePhi3v },
  gemma3n: { kind: 'gemma3n', synthesize: synthesizeGemma3n },
  gemma4: { kind: 'gemma4', synthesize: synthesizeGemma4 },
  ...Object.fromEntries(
    CAPTIONING_TYPES.map((t) => [t, { kind: 'captioning' as const, synthesize: synthesizeCaptioning }]),
  ),
  multi_modality: { kind: 'janus', synthesize: synthesizeJanus },
  voxtral_realtime: { kind: 'voxtral_rt', synthesize: synthesizeVoxtralRt },
  ...Object.fromEntries(
    Object.keys(AUDIO_SPECS).map((t) => [t, { kind: 'vlm' as const, synthesize: synthesizeAudio }]),
  ),
  ...Object.fromEntries(Object.keys(OWL_SPECS).map((t) => [t, { kind: 'owl' as const, synthesize: synthesizeOwl }])),
};

export const MULTIMODAL_TYPES = Object.keys(SYNTHESIZERS);

/** Multimodal family: dual encoders (zero-shot image classification), image-text-to-text, image-to-text. */
const multimodalPlugin: PluginFactory = () =>
  defineFamilyPlugin({
    name: PLUGIN_NAME,
    family: 'multimodal',
    modelTypes: MULTIMODAL_TYPES,
    uncovered: UNCOVERED,
    templateVersion: TEMPLATE_VERSION,
    synthesize: (modelType, dir, opts) => {
      const s = SYNTHESIZERS[modelType];
      if (!s)
        throw new Error(`multimodal plugin cannot synthesize "${modelType}"; it covers ${MULTIMODAL_TYPES.join(', ')}`);
      return s.synthesize(modelType, dir, opts);
    },
    render: ({ classification: c, prepared, modelDirFromTest }) => {
      const facts = (prepared.facts ?? {}) as { kind?: Kind };
      const template = facts.kind && TEMPLATES[facts.kind];
      if (!template)
        throw new Error(
          `multimodal plugin: model "${c.ref}" has no test template for kind "${String(facts.kind)}" (hf-core.prepared.json facts.kind)`,
        );
      return renderTemplate(template, {
        header: generatedHeader({
          template: `multimodal-${facts.kind}@${TEMPLATE_VERSION}`,
          version: TEMPLATE_VERSION,
          ref: c.ref,
        }),
        ref: c.ref,
        modelType: c.modelType,
        family: c.family,
        modelDir: modelDirFromTest,
        facts,
      });
    },
  });

export default multimodalPlugin;
export { DUAL_SPECS, buildDualGraph, synthesizeDual } from './dual.ts';
export { UNCOVERED } from './uncovered.ts';
export { buildEmbedTokens, buildVisionEncoder, synthesizeVlm } from './vlm.ts';
export { VLM_SPECS } from './vlm-specs.ts';
export { synthesizeV2s } from './v2s.ts';
export { OWL_SPECS, buildOwlGraph, synthesizeOwl } from './owl.ts';
export { QWEN_SPECS, buildQwenVision, synthesizeQwen } from './qwen.ts';
export { buildJinaGraph, synthesizeJina } from './jina.ts';
export { AUDIO_SPECS, buildAudioEncoder, synthesizeAudio } from './audio.ts';
export { buildClapGraph, synthesizeClap } from './clap.ts';
export { buildClipSegGraph, synthesizeClipSeg } from './clipseg.ts';
export { synthesizeFlorence } from './florence.ts';
export { buildGdinoGraph, synthesizeGdino } from './gdino.ts';
