import { readFileSync } from 'node:fs';
import { defineFamilyPlugin, generatedHeader, renderTemplate, type PluginFactory } from '@hf-core/core';
import { DECODER_TYPES, DECODER_UNCOVERED } from './specs.ts';
import { synthesizeDecoder } from './synthesize.ts';

export const PLUGIN_NAME = 'hf-core:decoder';
export const TEMPLATE_VERSION = 1;

const template = readFileSync(new URL('../templates/test.eta', import.meta.url), 'utf8');

/** Decoder-only family: causal LMs with a KV (or hybrid) cache, tested at session level and through transformers.js generation. */
const decoderPlugin: PluginFactory = () =>
  defineFamilyPlugin({
    name: PLUGIN_NAME,
    family: 'decoder-only',
    modelTypes: DECODER_TYPES,
    uncovered: DECODER_UNCOVERED,
    templateVersion: TEMPLATE_VERSION,
    synthesize: synthesizeDecoder,
    render: ({ classification: c, prepared, modelDirFromTest }) =>
      renderTemplate(template, {
        header: generatedHeader({ template: `decoder-only@${TEMPLATE_VERSION}`, version: TEMPLATE_VERSION, ref: c.ref }),
        ref: c.ref,
        modelType: c.modelType,
        family: c.family,
        modelDir: modelDirFromTest,
        facts: prepared.facts ?? {},
      }),
  });

export default decoderPlugin;
export { DECODER_SPECS, DECODER_TYPES, DECODER_UNCOVERED } from './specs.ts';
export { synthesizeDecoder, NO_CACHE_REASON } from './synthesize.ts';
export { buildDecoderGraph, type GraphFaults } from './graph.ts';
export { decoderFactsFromFolder, expectedCacheNames } from './folder.ts';
export { missingConfigKeys, REQUIRED_CONFIG_KEYS } from './required-keys.ts';
