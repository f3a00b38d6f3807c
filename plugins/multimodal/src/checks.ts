/** What generated multimodal tests import: `@hf-core/plugin-multimodal/checks`. */
export { checkProcessor, imageInputs, rawImages, type ImageFacts } from './images.ts';
export { checkAutoModelDual, checkTextPadding, checkZeroShot, dualFeeds, expectedDualShapes, type DualFacts } from './checks-dual.ts';
