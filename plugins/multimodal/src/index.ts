import { readFileSync } from 'node:fs';
import {
  defineFamilyPlugin,
  familyTemplateData,
  generatedHeader,
  renderTemplate,
  type PluginFactory,
} from '@hf-core/core';
import type { FactsOf } from './kind.ts';
import captioning from './kinds/captioning/index.ts';
import clap from './kinds/clap/index.ts';
import clipseg from './kinds/clipseg/index.ts';
import dual from './kinds/dual/index.ts';
import egemma from './kinds/egemma/index.ts';
import florence from './kinds/florence/index.ts';
import gdino from './kinds/gdino/index.ts';
import gemma3n from './kinds/gemma3n/index.ts';
import gemma4 from './kinds/gemma4/index.ts';
import janus from './kinds/janus/index.ts';
import jina from './kinds/jina/index.ts';
import lfm from './kinds/lfm/index.ts';
import owl from './kinds/owl/index.ts';
import phi3v from './kinds/phi3v/index.ts';
import v2s from './kinds/v2s/index.ts';
import vlm from './kinds/vlm/index.ts';
import voxtralRt from './kinds/voxtral-rt/index.ts';
import { UNCOVERED } from './uncovered.ts';

export const PLUGIN_NAME = 'hf-core:multimodal';
export const TEMPLATE_VERSION = 1;

/** Every kind this plugin tests: a new kind is a folder under kinds/ and one entry here. */
export const KINDS = [
  dual,
  vlm,
  v2s,
  jina,
  clap,
  clipseg,
  florence,
  gdino,
  lfm,
  egemma,
  phi3v,
  gemma3n,
  gemma4,
  captioning,
  janus,
  voxtralRt,
  owl,
] as const;

type Kind = (typeof KINDS)[number];
/** What any multimodal synthesizer writes: the union of the kinds' facts types. */
export type MultimodalFacts = FactsOf<Kind>;

const KIND_OF_TYPE = new Map<string, Kind>(KINDS.flatMap((k) => k.modelTypes.map((t) => [t, k] as const)));
const TEMPLATES = new Map<Kind, string>(KINDS.map((k) => [k, readFileSync(k.template, 'utf8')]));

export const MULTIMODAL_TYPES = [...KIND_OF_TYPE.keys()];

function kindOf(modelType: string | null): Kind {
  const kind = modelType ? KIND_OF_TYPE.get(modelType) : undefined;
  if (!kind)
    throw new Error(
      `multimodal plugin cannot test "${modelType}": it covers ${MULTIMODAL_TYPES.join(', ')}. Load the plugin that synthesizes it, or pass a model folder.`,
    );
  return kind;
}

/** Multimodal family: dual encoders, image- and audio-text-to-text, image-to-text, detection and more, one kind each. */
const multimodalPlugin: PluginFactory = () =>
  defineFamilyPlugin<MultimodalFacts>({
    name: PLUGIN_NAME,
    family: 'multimodal',
    modelTypes: MULTIMODAL_TYPES,
    uncovered: UNCOVERED,
    templateVersion: TEMPLATE_VERSION,
    synthesize: (modelType, dir, opts) => kindOf(modelType).synthesize(modelType, dir, opts),
    render: (ctx) => {
      const kind = kindOf(ctx.classification.modelType);
      const template = `multimodal-${kind.name}@${TEMPLATE_VERSION}`;
      return renderTemplate(TEMPLATES.get(kind)!, {
        ...familyTemplateData({ family: 'multimodal', templateVersion: TEMPLATE_VERSION }, ctx),
        header: generatedHeader({ template, version: TEMPLATE_VERSION, ref: ctx.classification.ref }),
      });
    },
  });

export default multimodalPlugin;
export { UNCOVERED } from './uncovered.ts';
export { kindTemplate, type FactsOf, type MultimodalKind } from './kind.ts';
