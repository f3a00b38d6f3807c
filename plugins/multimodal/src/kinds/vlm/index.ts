import type { SynthesizeOptions } from '@hf-core/core';
import { kindTemplate, type MultimodalKind } from '../../kind.ts';
import { AUDIO_SPECS, synthesizeAudio } from './audio.ts';
import type { VlmFacts } from './checks.ts';
import { QWEN_SPECS, synthesizeQwen } from './qwen.ts';
import { VLM_SPECS } from './specs.ts';
import { synthesizeVlm } from './synthesize.ts';

/** Which synthesizer writes each type: LLaVA-style, Qwen-VL-style (M-RoPE), or audio-text-to-text. */
const SYNTHESIZERS = [
  { specs: VLM_SPECS, synthesize: synthesizeVlm },
  { specs: QWEN_SPECS, synthesize: synthesizeQwen },
  { specs: AUDIO_SPECS, synthesize: synthesizeAudio },
];

/**
 * Image- and audio-text-to-text through transformers.js's merged-session layout (embed_tokens,
 * an encoder, decoder_model_merged): LLaVA and its kin, Qwen-VL and its kin, Ultravox and its kin.
 */
const vlm: MultimodalKind<VlmFacts> = {
  name: 'vlm',
  modelTypes: SYNTHESIZERS.flatMap((s) => Object.keys(s.specs)),
  synthesize(modelType: string, dir: string, opts: SynthesizeOptions) {
    const s = SYNTHESIZERS.find((x) => modelType in x.specs);
    if (!s) throw new Error(`multimodal plugin: the vlm kind has no spec for "${modelType}"`);
    return s.synthesize(modelType, dir, opts);
  },
  template: kindTemplate(import.meta.url),
};

export default vlm;
