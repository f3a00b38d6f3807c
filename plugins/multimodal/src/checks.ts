/** What generated multimodal tests import: `@hf-core/plugin-multimodal/checks`. */
export { checkProcessor, imageInputs, rawImages, type ImageFacts } from './images.ts';
export { checkAutoModelDual, checkTextPadding, checkZeroShot, dualFeeds, expectedDualShapes, type DualFacts } from './checks-dual.ts';
export { checkEmbedsKvCache, checkGenerate, checkVlmShapes, decoderFeeds, idsFeeds, rawGreedy, VLM_FILES, vlmSessions, type VlmFacts } from './checks-vlm.ts';
