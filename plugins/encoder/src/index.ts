import { defineFamilyPlugin, type PluginFactory } from '@hf-core/core';
import { ENCODER_TYPES } from './specs.ts';
import { synthesizeEncoder } from './synthesize.ts';

export const PLUGIN_NAME = 'hf-core:encoder';
export const TEMPLATE_VERSION = 1;

/** Encoder-only family: BERT-like types, tested at session level and through transformers.js. */
const encoderPlugin: PluginFactory = () =>
  defineFamilyPlugin({
    name: PLUGIN_NAME,
    family: 'encoder-only',
    modelTypes: ENCODER_TYPES,
    templateVersion: TEMPLATE_VERSION,
    synthesize: synthesizeEncoder,
    template: new URL('../templates/test.eta', import.meta.url),
  });

export default encoderPlugin;
export { ENCODER_SPECS, ENCODER_TYPES } from './specs.ts';
export { synthesizeEncoder } from './synthesize.ts';
