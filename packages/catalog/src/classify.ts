/**
 * Classification from the catalog: by model type (with aliases), and by config.json:
 * `model_type`, then `architectures`, then the config's structure for types the catalog
 * has never seen.
 */
import { entryForClass, getEntry, suggestTypes } from './catalog.ts';
import { structuralFamily, type StructureAnswer } from './structure.ts';
import type { CatalogEntry, ClassificationBase, Confidence, Family } from './types.ts';

type Config = Record<string, unknown>;

/** Model class heads, longest match first: the task each serves and the family it implies. */
const HEADS: readonly [suffix: string, task: string, family?: Family][] = [
  ['ForConditionalGeneration', ''],
  ['ForCausalLM', 'text-generation', 'decoder-only'],
  ['LMHeadModel', 'text-generation', 'decoder-only'],
  ['ForMaskedLM', 'fill-mask', 'encoder-only'],
  ['ForSequenceClassification', 'text-classification'],
  ['ForTokenClassification', 'token-classification'],
  ['ForQuestionAnswering', 'question-answering'],
  ['ForMultipleChoice', 'multiple-choice', 'encoder-only'],
  ['ForImageClassification', 'image-classification', 'vision'],
  ['ForObjectDetection', 'object-detection', 'vision'],
  ['ForSemanticSegmentation', 'image-segmentation', 'vision'],
  ['ForUniversalSegmentation', 'image-segmentation', 'vision'],
  ['ForDepthEstimation', 'depth-estimation', 'vision'],
  ['ForMaskGeneration', 'mask-generation', 'vision'],
  ['ForVideoClassification', 'video-classification', 'vision'],
  ['ForCTC', 'automatic-speech-recognition', 'speech'],
  ['ForSpeechSeq2Seq', 'automatic-speech-recognition', 'speech'],
  ['ForAudioClassification', 'audio-classification', 'speech'],
  ['ForAudioFrameClassification', 'audio-frame-classification', 'speech'],
  ['ForXVector', 'audio-xvector', 'speech'],
  ['ForTextToSpeech', 'text-to-audio', 'speech'],
  ['ForTextToWaveform', 'text-to-audio', 'speech'],
  ['ForVision2Seq', 'image-to-text', 'multimodal'],
  ['ForImageTextToText', 'image-text-to-text', 'multimodal'],
  ['ForVisualQuestionAnswering', 'visual-question-answering', 'multimodal'],
  ['ForZeroShotImageClassification', 'zero-shot-image-classification', 'multimodal'],
  ['ForPrediction', 'time-series-forecasting', 'other'],
];

export function headOf(className: string): { suffix: string; task: string; family?: Family } | undefined {
  const h = HEADS.find(([suffix]) => className.endsWith(suffix));
  return h && { suffix: h[0], task: h[1], family: h[2] };
}

const DEFAULT_TASKS: Record<Family, string[]> = {
  'encoder-only': ['feature-extraction'],
  'decoder-only': ['text-generation'],
  'encoder-decoder': ['text2text-generation'],
  vision: ['image-feature-extraction'],
  speech: ['automatic-speech-recognition'],
  multimodal: ['image-text-to-text'],
  other: [],
};

function fromEntry(
  e: CatalogEntry,
  ref: string,
  confidence: Confidence,
  reason: string,
  headTask?: string,
): ClassificationBase {
  const tasks =
    headTask && e.tasks.includes(headTask) ? [headTask, ...e.tasks.filter((t) => t !== headTask)] : [...e.tasks];
  const note = e.familyNote ? ` (${e.family}, not ${e.proposedFamily}: ${e.familyNote})` : '';
  return {
    ref,
    modelType: e.modelType,
    family: e.family,
    tasks,
    runtimeSupport: e.runtimeSupport,
    confidence,
    reason: reason + note,
  };
}

function unknown(ref: string, modelType: string | null, reason: string): ClassificationBase {
  return { ref, modelType, family: null, tasks: [], runtimeSupport: 'unsupported', confidence: 'low', reason };
}

function nearest(input: string): string {
  const near = suggestTypes(input, 3);
  return near.length ? `nearest known types: ${near.join(', ')}` : 'no known type is close';
}

/**
 * Classifies a model type name: exact, then aliases and other spellings; unknown names get
 * suggestions. `synced` are entries `catalog sync` found new upstream (not yet in the catalog).
 */
export function classifyModelType(
  modelType: string,
  ref: string = modelType,
  synced: readonly CatalogEntry[] = [],
): ClassificationBase {
  const e = getEntry(modelType);
  const s = e ? undefined : synced.find((x) => x.modelType === modelType);
  if (s)
    return fromEntry(
      s,
      ref,
      'medium',
      `model type "${modelType}" is new in transformers (found by \`hf-core catalog sync\`; family by ${s.familyRule ?? 'its mapping tables'})`,
    );
  if (!e) {
    return unknown(
      ref,
      null,
      `unknown model type "${modelType}"; ${nearest(modelType)}. \`hf-core catalog list\` shows every type.`,
    );
  }
  const how =
    e.modelType === modelType
      ? `model type "${modelType}" is in the catalog`
      : `"${modelType}" is another name for model type "${e.modelType}"`;
  return fromEntry(e, ref, 'high', how);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/**
 * Classifies a parsed config.json: by `model_type`, then by `architectures` (the class name
 * without its head, matched to config and model class names), then by structure.
 */
export function classifyConfig(config: Config, ref: string): ClassificationBase {
  const modelType = str(config.model_type);
  const architectures = Array.isArray(config.architectures)
    ? config.architectures.filter((a): a is string => typeof a === 'string')
    : [];
  const head = architectures.map(headOf).find((h) => h !== undefined);
  const headTask = head?.task || undefined;

  if (modelType) {
    const e = getEntry(modelType);
    if (e) {
      const how =
        e.modelType === modelType
          ? `config.model_type is "${modelType}"`
          : `config.model_type "${modelType}" is another name for "${e.modelType}"`;
      return fromEntry(e, ref, 'high', how, headTask);
    }
  }
  const typeSays = modelType ? `config.model_type "${modelType}" is not in the catalog` : 'config has no model_type';

  for (const arch of architectures) {
    const e = entryForClass(arch);
    if (e)
      return fromEntry(
        e,
        ref,
        'medium',
        `${typeSays}; architectures names "${arch}", a ${e.modelType} class`,
        headTask,
      );
  }

  const s: StructureAnswer | undefined = structuralFamily(config, head);
  if (s) {
    const tasks = headTask
      ? [headTask, ...s.tasks.filter((t) => t !== headTask)]
      : s.tasks.length
        ? s.tasks
        : DEFAULT_TASKS[s.family];
    return {
      ref,
      modelType: modelType ?? null,
      family: s.family,
      tasks,
      runtimeSupport: 'unsupported',
      confidence: s.confidence,
      reason: `${typeSays}; ${s.reason}`,
    };
  }
  const archSays = architectures.length
    ? `architectures ${architectures.map((a) => `"${a}"`).join(', ')} match no known class`
    : 'no architectures';
  const hint = modelType ? `; ${nearest(modelType)}` : '';
  return unknown(
    ref,
    modelType ?? null,
    `${typeSays}, ${archSays}, and its keys fit no structure rule${hint}. Add "model_type" to the config, or load the family plugin that knows it.`,
  );
}
