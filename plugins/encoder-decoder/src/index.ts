import { defineFamilyPlugin, type PluginFactory } from '@hf-core/core';
import { SEQ2SEQ_TYPES, SEQ2SEQ_UNCOVERED } from './specs.ts';
import { synthesizeSeq2Seq } from './synthesize.ts';

export const PLUGIN_NAME = 'hf-core:encoder-decoder';
export const TEMPLATE_VERSION = 1;

/** Encoder-decoder family: T5- and BART-like seq2seq types, tested at session level and through transformers.js. */
const encoderDecoderPlugin: PluginFactory = () =>
  defineFamilyPlugin({
    name: PLUGIN_NAME,
    family: 'encoder-decoder',
    modelTypes: SEQ2SEQ_TYPES,
    uncovered: SEQ2SEQ_UNCOVERED,
    templateVersion: TEMPLATE_VERSION,
    synthesize: synthesizeSeq2Seq,
    template: new URL('../templates/test.eta', import.meta.url),
  });

export default encoderDecoderPlugin;
export { SEQ2SEQ_SPECS, SEQ2SEQ_TYPES, SEQ2SEQ_UNCOVERED } from './specs.ts';
export { archOf, factsFor, synthesizeSeq2Seq } from './synthesize.ts';
