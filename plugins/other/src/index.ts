import { readFileSync } from 'node:fs';
import { defineFamilyPlugin, generatedHeader, renderTemplate, type PluginFactory } from '@hf-core/core';
import { OTHER_TYPES, synthesizeOther } from './synthesize.ts';

export const PLUGIN_NAME = 'hf-core:other';
export const TEMPLATE_VERSION = 1;

const template = readFileSync(new URL('../templates/test.eta', import.meta.url), 'utf8');

/** The "other" family: time-series forecasters (PatchTST, PatchTSMixer) and Decision Transformer. */
const otherPlugin: PluginFactory = () =>
  defineFamilyPlugin({
    name: PLUGIN_NAME,
    family: 'other',
    modelTypes: OTHER_TYPES,
    templateVersion: TEMPLATE_VERSION,
    synthesize: synthesizeOther,
    render: ({ classification: c, prepared, modelDirFromTest }) =>
      renderTemplate(template, {
        header: generatedHeader({ template: `other@${TEMPLATE_VERSION}`, version: TEMPLATE_VERSION, ref: c.ref }),
        ref: c.ref,
        modelType: c.modelType,
        family: c.family,
        modelDir: modelDirFromTest,
        facts: prepared.facts ?? {},
      }),
  });

export default otherPlugin;
export { buildDecisionTransformer, buildPatchForecaster } from './graphs.ts';
export { OTHER_TYPES, synthesizeOther } from './synthesize.ts';
