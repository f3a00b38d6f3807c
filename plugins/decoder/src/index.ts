import { defineFamilyPlugin, type PluginFactory } from '@hf-core/core';
import { DECODER_TYPES, DECODER_UNCOVERED } from './specs.ts';
import { synthesizeDecoder } from './synthesize.ts';

export const PLUGIN_NAME = 'hf-core:decoder';
export const TEMPLATE_VERSION = 1;

/** Decoder-only family: causal LMs with a KV (or hybrid) cache, tested at session level and through transformers.js generation. */
const decoderPlugin: PluginFactory = () =>
  defineFamilyPlugin({
    name: PLUGIN_NAME,
    family: 'decoder-only',
    modelTypes: DECODER_TYPES,
    uncovered: DECODER_UNCOVERED,
    templateVersion: TEMPLATE_VERSION,
    synthesize: synthesizeDecoder,
    template: new URL('../templates/test.eta', import.meta.url),
  });

export default decoderPlugin;
export { DECODER_SPECS, DECODER_TYPES, DECODER_UNCOVERED } from './specs.ts';
export { synthesizeDecoder, NO_CACHE_REASON } from './synthesize.ts';
export { buildDecoderGraph, type GraphFaults } from './graph.ts';
export { decoderFactsFromFolder, expectedCacheNames } from './folder.ts';
export { missingConfigKeys, REQUIRED_CONFIG_KEYS } from './required-keys.ts';
