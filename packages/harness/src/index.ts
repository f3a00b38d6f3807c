export { harness, Harness, type ModelSpec } from './harness.ts';
export { CheckFailure, SkipCheck } from './errors.ts';
export {
  assertClose,
  assertFinite,
  assertOutputShapes,
  checkBatchEquivalence,
  checkDeterminism,
  checkPaddingInvariance,
  expectThat,
  type Outputs,
} from './checks.ts';
export {
  SeededFeeds,
  maxAbsDiff,
  shapeOf,
  sliceAxis,
  sliceRows,
  tensor,
  toNumbers,
  halfToFloat,
} from './tensors.ts';
export {
  latencyStats,
  measureOptions,
  peakRssMb,
  percentile,
  timedSection,
  timeRuns,
  type MeasureOptions,
} from './measure.ts';
export { Recorder } from './recorder.ts';
export { generateGreedy, generationEosIds, offlineTransformers, processorPart } from './transformers.ts';
export { checkParityWithCpu } from './parity.ts';
export {
  checkerboardImage,
  decodePng,
  encodePng,
  gradientImage,
  noiseImage,
  readRawImage,
  toChwFloats,
  writePng,
  writeTestImages,
  writeUndecodableImage,
  type Channels,
  type TestImage,
} from './images.ts';
export { chirp, decodeWav, encodeWav, noise, readWavAt, silence, tone, writeWav, type DecodedAudio } from './audio.ts';
export * from './generation.ts';
export * from './near-ties.ts';
export {
  cacheLayout,
  checkOutputsAgainstMetadata,
  feedsFromMetadata,
  floatToHalf,
  type CacheLayout,
  type FeedFacts,
  type FeedShape,
} from './metadata-feeds.ts';
export { textFeeds, type TextFeedsOptions } from './text-feeds.ts';
export { fromTfTensor, generatedTensor, generationMetrics, idRows, type TfTensorLike } from './tf-tensors.ts';
export {
  checkReferenceParity,
  readReference,
  referencePathRefusals,
  REFERENCE_FILE,
  REFERENCE_FORMAT,
  REFERENCE_TOLERANCE,
  type ReferenceCase,
  type ReferenceFile,
  type ReferenceTarget,
  type ReferenceTensor,
} from './reference.ts';
