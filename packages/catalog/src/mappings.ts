/**
 * What the Hugging Face auto-mapping tables (`MODEL_FOR_CAUSAL_LM`, ...) mean: the pipeline
 * task each one serves, and the family each one defines. Used by the catalog build script and
 * by `catalog sync`, so a freshly parsed `modeling_auto.py` is judged by the same rule as the
 * committed catalog.
 */
import type { BuiltinFamily, Family } from './types.ts';

/**
 * The family rule, in the order it is applied (first match wins). Mapping names are written
 * without the `_MAPPING_NAMES` suffix. transformers.js-only tables are included where they
 * define a family too.
 */
export const FAMILY_RULE: readonly (readonly [BuiltinFamily, readonly string[]])[] = [
  [
    'multimodal',
    [
      'MODEL_FOR_IMAGE_TEXT_TO_TEXT',
      'MODEL_FOR_VISION_2_SEQ',
      'MODEL_FOR_MULTIMODAL_LM',
      'MODEL_FOR_ZERO_SHOT_IMAGE_CLASSIFICATION',
      'MODEL_FOR_ZERO_SHOT_OBJECT_DETECTION',
      'MODEL_FOR_VISUAL_QUESTION_ANSWERING',
      'MODEL_FOR_DOCUMENT_QUESTION_ANSWERING',
      'MODEL_FOR_RETRIEVAL',
      'MODEL_FOR_AUDIO_TEXT_TO_TEXT',
      'MODEL_FOR_MULTIMODALITY',
    ],
  ],
  [
    'speech',
    [
      'MODEL_FOR_CTC',
      'MODEL_FOR_SPEECH_SEQ_2_SEQ',
      'MODEL_FOR_AUDIO_CLASSIFICATION',
      'MODEL_FOR_AUDIO_FRAME_CLASSIFICATION',
      'MODEL_FOR_AUDIO_XVECTOR',
      'MODEL_FOR_TEXT_TO_SPECTROGRAM',
      'MODEL_FOR_TEXT_TO_WAVEFORM',
      'MODEL_FOR_AUDIO_TOKENIZATION',
      'MODEL_FOR_RNNT',
      'MODEL_FOR_TDT',
    ],
  ],
  ['encoder-decoder', ['MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM']],
  [
    'encoder-only',
    [
      'MODEL_FOR_MASKED_LM',
      'MODEL_FOR_MULTIPLE_CHOICE',
      'MODEL_FOR_NEXT_SENTENCE_PREDICTION',
      'MODEL_FOR_TEXT_ENCODING',
    ],
  ],
  [
    'vision',
    [
      'MODEL_FOR_IMAGE_CLASSIFICATION',
      'MODEL_FOR_IMAGE',
      'MODEL_FOR_OBJECT_DETECTION',
      'MODEL_FOR_SEMANTIC_SEGMENTATION',
      'MODEL_FOR_UNIVERSAL_SEGMENTATION',
      'MODEL_FOR_INSTANCE_SEGMENTATION',
      'MODEL_FOR_IMAGE_SEGMENTATION',
      'MODEL_FOR_DEPTH_ESTIMATION',
      'MODEL_FOR_BACKBONE',
      'MODEL_FOR_KEYPOINT_DETECTION',
      'MODEL_FOR_KEYPOINT_MATCHING',
      'MODEL_FOR_MASK_GENERATION',
      'MODEL_FOR_IMAGE_TO_IMAGE',
      'MODEL_FOR_VIDEO_CLASSIFICATION',
      'MODEL_FOR_MASKED_IMAGE_MODELING',
      'MODEL_FOR_CAUSAL_IMAGE_MODELING',
      'MODEL_FOR_IMAGE_FEATURE_EXTRACTION',
      'MODEL_FOR_POSE_ESTIMATION',
      'MODEL_FOR_NORMAL_ESTIMATION',
      'MODEL_FOR_IMAGE_MATTING',
      'MODEL_FOR_TEXT_RECOGNITION',
      'MODEL_FOR_TABLE_RECOGNITION',
      'MODEL_FOR_POINTMAP_ESTIMATION',
    ],
  ],
  ['decoder-only', ['MODEL_FOR_CAUSAL_LM']],
  [
    'other',
    ['MODEL_FOR_TIME_SERIES_PREDICTION', 'MODEL_FOR_TIME_SERIES_CLASSIFICATION', 'MODEL_FOR_TIME_SERIES_REGRESSION'],
  ],
];

/** Mapping table -> pipeline task. Tables with no pipeline of their own are absent. */
export const MAPPING_TASK: Readonly<Record<string, string>> = {
  MODEL_FOR_IMAGE_TEXT_TO_TEXT: 'image-text-to-text',
  MODEL_FOR_VISION_2_SEQ: 'image-to-text',
  MODEL_FOR_MULTIMODAL_LM: 'any-to-any',
  MODEL_FOR_MULTIMODALITY: 'any-to-any',
  MODEL_FOR_AUDIO_TEXT_TO_TEXT: 'audio-text-to-text',
  MODEL_FOR_ZERO_SHOT_IMAGE_CLASSIFICATION: 'zero-shot-image-classification',
  MODEL_FOR_ZERO_SHOT_OBJECT_DETECTION: 'zero-shot-object-detection',
  MODEL_FOR_VISUAL_QUESTION_ANSWERING: 'visual-question-answering',
  MODEL_FOR_DOCUMENT_QUESTION_ANSWERING: 'document-question-answering',
  MODEL_FOR_RETRIEVAL: 'visual-document-retrieval',
  MODEL_FOR_CTC: 'automatic-speech-recognition',
  MODEL_FOR_SPEECH_SEQ_2_SEQ: 'automatic-speech-recognition',
  MODEL_FOR_AUDIO_CLASSIFICATION: 'audio-classification',
  MODEL_FOR_AUDIO_FRAME_CLASSIFICATION: 'audio-frame-classification',
  MODEL_FOR_AUDIO_XVECTOR: 'audio-xvector',
  MODEL_FOR_TEXT_TO_SPECTROGRAM: 'text-to-audio',
  MODEL_FOR_TEXT_TO_WAVEFORM: 'text-to-audio',
  MODEL_FOR_AUDIO_TOKENIZATION: 'audio-tokenization',
  MODEL_FOR_RNNT: 'automatic-speech-recognition',
  MODEL_FOR_TDT: 'automatic-speech-recognition',
  MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM: 'text2text-generation',
  MODEL_FOR_MASKED_LM: 'fill-mask',
  MODEL_FOR_MULTIPLE_CHOICE: 'multiple-choice',
  MODEL_FOR_NEXT_SENTENCE_PREDICTION: 'next-sentence-prediction',
  MODEL_FOR_TEXT_ENCODING: 'feature-extraction',
  MODEL_FOR_SEQUENCE_CLASSIFICATION: 'text-classification',
  MODEL_FOR_TOKEN_CLASSIFICATION: 'token-classification',
  MODEL_FOR_QUESTION_ANSWERING: 'question-answering',
  MODEL_FOR_TABLE_QUESTION_ANSWERING: 'table-question-answering',
  MODEL_FOR_IMAGE_CLASSIFICATION: 'image-classification',
  MODEL_FOR_IMAGE: 'image-feature-extraction',
  MODEL_FOR_IMAGE_FEATURE_EXTRACTION: 'image-feature-extraction',
  MODEL_FOR_OBJECT_DETECTION: 'object-detection',
  MODEL_FOR_SEMANTIC_SEGMENTATION: 'image-segmentation',
  MODEL_FOR_UNIVERSAL_SEGMENTATION: 'image-segmentation',
  MODEL_FOR_INSTANCE_SEGMENTATION: 'image-segmentation',
  MODEL_FOR_IMAGE_SEGMENTATION: 'image-segmentation',
  MODEL_FOR_DEPTH_ESTIMATION: 'depth-estimation',
  MODEL_FOR_KEYPOINT_DETECTION: 'keypoint-detection',
  MODEL_FOR_KEYPOINT_MATCHING: 'keypoint-matching',
  MODEL_FOR_MASK_GENERATION: 'mask-generation',
  MODEL_FOR_IMAGE_TO_IMAGE: 'image-to-image',
  MODEL_FOR_VIDEO_CLASSIFICATION: 'video-classification',
  MODEL_FOR_POSE_ESTIMATION: 'pose-estimation',
  MODEL_FOR_NORMAL_ESTIMATION: 'normal-estimation',
  MODEL_FOR_IMAGE_MATTING: 'image-matting',
  MODEL_FOR_TEXT_RECOGNITION: 'image-to-text',
  MODEL_FOR_TABLE_RECOGNITION: 'image-to-text',
  MODEL_FOR_POINTMAP_ESTIMATION: 'depth-estimation',
  MODEL_FOR_CAUSAL_LM: 'text-generation',
  MODEL_FOR_TIME_SERIES_PREDICTION: 'time-series-forecasting',
  MODEL_FOR_TIME_SERIES_CLASSIFICATION: 'time-series-classification',
  MODEL_FOR_TIME_SERIES_REGRESSION: 'time-series-regression',
};

/**
 * `MODEL_FOR_CAUSAL_LM_MAPPING_NAMES`, `MODEL_FOR_AUDIO_TOKENIZATION_NAMES` and
 * `MODEL_MAPPING_NAMES_DECODER_ONLY` -> the table name (`MODEL_FOR_CAUSAL_LM`, ...).
 */
export function mappingName(pythonOrJsName: string): string {
  return pythonOrJsName
    .replace(/_MAPPING_NAMES(_\w+)?$/, '')
    .replace(/_NAMES$/, '')
    .replace(/_MAPPING$/, '');
}

/** The family the first family-defining table gives, or undefined when none of them lists the type. */
export function familyFromMappings(mappings: Iterable<string>): BuiltinFamily | undefined {
  const set = new Set(mappings);
  for (const [family, tables] of FAMILY_RULE) {
    if (tables.some((t) => set.has(t))) return family;
  }
  return undefined;
}

/**
 * Pipeline tasks of a type: its own family's first, then heads that define no family
 * (classification, QA), then other families' (in rule order), then plain feature extraction
 * for the bare `MODEL` table.
 */
export function tasksFromMappings(mappings: Iterable<string>, family: Family): string[] {
  const set = new Set(mappings);
  const out: string[] = [];
  const add = (t: string | undefined) => {
    if (t && !out.includes(t)) out.push(t);
  };
  const own = FAMILY_RULE.find(([f]) => f === family)?.[1] ?? [];
  for (const table of own) if (set.has(table)) add(MAPPING_TASK[table]);
  const defining = new Set(FAMILY_RULE.flatMap(([, tables]) => tables));
  for (const t of set) if (!defining.has(t)) add(MAPPING_TASK[t]);
  for (const [, tables] of FAMILY_RULE) for (const t of tables) if (set.has(t)) add(MAPPING_TASK[t]);
  if (set.has('MODEL')) add(family === 'vision' ? 'image-feature-extraction' : 'feature-extraction');
  return out;
}
