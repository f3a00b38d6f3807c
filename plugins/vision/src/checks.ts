/**
 * What generated vision tests import (`@hf-core/plugin-vision/checks`): session-level feeds and
 * shapes, the processor-shape check, and one check per pipeline the family's types run.
 */
export {
  assertVisionShapes,
  expectedShapes,
  NUM_QUERIES,
  testImages,
  visionFeeds,
  type VisionFacts,
} from './session.ts';
export {
  checkProcessorShapes,
  configImageSize,
  dynamicSizeProblem,
  expectedPixel,
  fixedPixelSize,
} from './processor.ts';
export {
  checkBackgroundRemoval,
  checkDepthEstimation,
  checkImageClassification,
  checkImageFeatureExtraction,
  checkImageSegmentation,
  checkImageToImage,
  checkObjectDetection,
} from './pipelines.ts';
export { checkAutoModel, checkMaskGeneration } from './automodel.ts';
