import { readFileSync } from 'node:fs';
import { defineFamilyPlugin, generatedHeader, renderTemplate, type PluginFactory } from '@hf-core/core';
import { ENCODER_TYPES } from './specs.ts';
import { synthesizeEncoder } from './synthesize.ts';

export const PLUGIN_NAME = 'hf-core:encoder';
export const TEMPLATE_VERSION = 1;

const template = readFileSync(new URL('../templates/test.eta', import.meta.url), 'utf8');

/** Encoder-only family: BERT-like types, tested at session level and through transformers.js. */
const encoderPlugin: PluginFactory = () =>
  defineFamilyPlugin({
    name: PLUGIN_NAME,
    family: 'encoder-only',
    modelTypes: ENCODER_TYPES,
    templateVersion: TEMPLATE_VERSION,
    synthesize: synthesizeEncoder,
    render: ({ classification: c, prepared, modelDirFromTest }) =>
      renderTemplate(template, {
        header: generatedHeader({ template: `encoder-only@${TEMPLATE_VERSION}`, version: TEMPLATE_VERSION, ref: c.ref }),
        ref: c.ref,
        modelType: c.modelType,
        family: c.family,
        modelDir: modelDirFromTest,
        facts: prepared.facts ?? {},
      }),
  });

export default encoderPlugin;
export { ENCODER_SPECS, ENCODER_TYPES } from './specs.ts';
export { buildEncoderGraph, synthesizeEncoder } from './synthesize.ts';
