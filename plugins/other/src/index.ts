import { defineFamilyPlugin, type PluginFactory } from '@hf-core/core';
import { OTHER_TYPES, synthesizeOther } from './synthesize.ts';

export const PLUGIN_NAME = 'hf-core:other';
export const TEMPLATE_VERSION = 1;

/** The "other" family: time-series forecasters (PatchTST, PatchTSMixer) and Decision Transformer. */
const otherPlugin: PluginFactory = () =>
  defineFamilyPlugin({
    name: PLUGIN_NAME,
    family: 'other',
    modelTypes: OTHER_TYPES,
    templateVersion: TEMPLATE_VERSION,
    synthesize: synthesizeOther,
    template: new URL('../templates/test.eta', import.meta.url),
  });

export default otherPlugin;
export { buildDecisionTransformer, buildPatchForecaster } from './graphs.ts';
export { OTHER_TYPES, synthesizeOther } from './synthesize.ts';
