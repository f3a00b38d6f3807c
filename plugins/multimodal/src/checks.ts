/** What generated multimodal tests import: `@hf-core/plugin-multimodal/checks`. */
export { checkProcessor, imageInputs, rawImages, type ImageFacts } from './images.ts';
export {
  checkAutoModelDual,
  checkTextPadding,
  checkZeroShot,
  dualFeeds,
  expectedDualShapes,
  type DualFacts,
} from './checks-dual.ts';
export {
  AUDIO_ENCODER_FILE,
  checkEmbedsKvCache,
  checkGenerate,
  encoderFile,
  checkVisionBatch,
  checkVlmShapes,
  decoderFeeds,
  idsFeeds,
  mropePositions,
  rawGreedy,
  textPositions,
  visionFeeds,
  VLM_FILES,
  vlmSessions,
  type VlmFacts,
} from './checks-vlm.ts';
export {
  checkImageToText,
  checkV2sKvCache,
  checkV2sShapes,
  rawCaption,
  seededIds,
  V2S_FILES,
  v2sDecoderFeeds,
  v2sSessions,
  type V2sFacts,
} from './checks-v2s.ts';
export {
  checkBoxesNormalized,
  checkOwlImageBatch,
  checkZeroShotDetection,
  expectedOwlShapes,
  owlFeeds,
  type OwlFacts,
} from './checks-owl.ts';
export {
  checkJinaAutoModel,
  checkJinaImageFeatures,
  expectedJinaShapes,
  jinaFeeds,
  type JinaFacts,
} from './checks-jina.ts';
export { checkZeroShotAudio, clapFeeds, expectedClapShapes, type ClapFacts } from './checks-clap.ts';
export { checkClipSegMasks, clipSegFeeds, type ClipSegFacts } from './checks-clipseg.ts';
export {
  checkFlorenceGenerate,
  checkFlorenceKvCache,
  checkFlorenceShapes,
  encoderFeeds,
  FLORENCE_FILES,
  florenceDecoderFeeds,
  florenceSessions,
  type FlorenceFacts,
} from './checks-florence.ts';
export { checkGroundedDetection, gdinoFeeds, type GdinoFacts } from './checks-gdino.ts';
export {
  checkGreedyCaption,
  checkPrefixKvCache,
  greedyCaption,
  rawPrefixCaption,
  type CaptionFacts,
} from './checks-captioning.ts';
export {
  checkPhi3vGenerate,
  checkPhi3vKvCache,
  checkPhi3vMerge,
  checkPhi3vProcessor,
  checkPhi3vShapes,
  checkPhi3vVisionBatch,
  hdTokens,
  phi3vIds,
  phi3vModelFeeds,
  phi3vSessions,
  phi3vVisionFeeds,
  PHI3V_FILES,
  rawGreedyPhi3v,
  textEmbeds,
  type Phi3vFacts,
} from './checks-phi3v.ts';
export {
  asVlm,
  checkLfmGenerate,
  checkLfmProcessor,
  checkLfmShapes,
  checkLfmVisionBatch,
  lfmVisionFeeds,
  type LfmFacts,
} from './checks-lfm.ts';
export {
  checkJanusGenerate,
  checkJanusKvCache,
  checkJanusMerge,
  checkJanusShapes,
  JANUS_FILES,
  janusIds,
  janusPrepareFeeds,
  janusSessions,
  rawGreedyJanus,
  type JanusFacts,
} from './checks-janus.ts';
export {
  checkGemma3nGenerate,
  checkGemma3nKvCache,
  checkGemma3nPerLayer,
  checkGemma3nProcessor,
  checkGemma3nShapes,
  gemma3nAudioFeeds,
  gemma3nDecoderFeeds,
  gemma3nIds,
  gemma3nSessions,
  gemma3nVisionFeeds,
  GEMMA3N_FILES,
  rawGreedyGemma3n,
  type Gemma3nFacts,
} from './checks-gemma3n.ts';
export {
  checkEGemmaEmbed,
  checkEGemmaProcessor,
  checkEGemmaShapes,
  checkEGemmaVisionBatch,
  EGEMMA_FILES,
  egemmaSessions,
  egemmaTextFeeds,
  egemmaVisionFeeds,
  type EGemmaFacts,
} from './checks-egemma.ts';
export {
  checkEncoderStreaming,
  checkVoxtralRtGenerate,
  checkVoxtralRtShapes,
  EncoderStream,
  melFeeds,
  rawVoxtralRt,
  VOXTRAL_RT_FILES,
  voxtralRtSessions,
  type VoxtralRtFacts,
} from './checks-voxtral-rt.ts';
export {
  checkGemma4Generate,
  checkGemma4Positions,
  checkGemma4Processor,
  checkGemma4Shapes,
  checkGemma4VisionBatch,
  gemma4AudioFeeds,
  gemma4AudioTokens,
  gemma4Sessions,
  gemma4VisionFeeds,
  GEMMA4_FILES,
  type Gemma4Facts,
} from './checks-gemma4.ts';
