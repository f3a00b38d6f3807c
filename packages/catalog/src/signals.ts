/**
 * What a config.json says about its model, signal by signal: the class names its
 * `architectures` and `auto_map` give (exactly, or by their head: `ForCausalLM`), the
 * `auto_map` keys (`AutoModelForImageSegmentation`), an ONNX Runtime GenAI `model` block, the
 * sub-configs it nests (towers), and the words its keys are made of (`num_mel_bins`,
 * `image_token_id`). classify.ts weighs them.
 */
import { entriesOfClass, entryForClass, getEntry, listEntries } from './catalog.ts';
import type { BuiltinFamily, CatalogEntry } from './types.ts';

export type Config = Record<string, unknown>;
export const isObj = (v: unknown): v is Config => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/** Model class heads written by hand: the task each serves and, where it implies one, the family. */
const HEADS: readonly [suffix: string, task: string, family?: BuiltinFamily][] = [
  ['ForConditionalGeneration', ''],
  ['ForCausalLM', 'text-generation', 'decoder-only'],
  // XLM and Flaubert name their masked-LM head `WithLMHeadModel`; GPT-2 and CTRL name a decoder's `LMHeadModel`.
  ['WithLMHeadModel', 'fill-mask', 'encoder-only'],
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
  ['ForInstanceSegmentation', 'image-segmentation', 'vision'],
  ['ForImageSegmentation', 'image-segmentation', 'vision'],
  ['ForDepthEstimation', 'depth-estimation', 'vision'],
  ['ForMaskGeneration', 'mask-generation', 'vision'],
  ['ForVideoClassification', 'video-classification', 'vision'],
  ['ForKeypointDetection', 'keypoint-detection', 'vision'],
  ['ForKeypointMatching', 'keypoint-matching', 'vision'],
  ['ForCTC', 'automatic-speech-recognition', 'speech'],
  ['ForSpeechSeq2Seq', 'automatic-speech-recognition', 'speech'],
  ['ForRNNT', 'automatic-speech-recognition', 'speech'],
  ['ForTDT', 'automatic-speech-recognition', 'speech'],
  ['ForAudioClassification', 'audio-classification', 'speech'],
  ['ForAudioFrameClassification', 'audio-frame-classification', 'speech'],
  ['ForXVector', 'audio-xvector', 'speech'],
  ['ForTextToSpeech', 'text-to-audio', 'speech'],
  ['ForTextToWaveform', 'text-to-audio', 'speech'],
  ['ForVision2Seq', 'image-to-text', 'multimodal'],
  ['ForImageTextToText', 'image-text-to-text', 'multimodal'],
  ['ForVisualQuestionAnswering', 'visual-question-answering', 'multimodal'],
  ['ForZeroShotImageClassification', 'zero-shot-image-classification', 'multimodal'],
  ['ForRetrieval', 'visual-document-retrieval', 'multimodal'],
  ['ForPrediction', 'time-series-forecasting', 'other'],
];

export interface Head {
  suffix: string;
  task: string;
  family?: BuiltinFamily;
  /** A decoder head (`ForCausalLM`) that vision-language models reuse: a tower outweighs it. */
  weak?: boolean;
  /** From the catalog's own classes rather than the table above. */
  learned?: boolean;
}

let learned: Map<string, BuiltinFamily> | undefined;
/** `For...` suffixes of the catalog's model classes that (four times in five or more) mean one family. */
function learnedHeads(): Map<string, BuiltinFamily> {
  if (learned) return learned;
  const votes = new Map<string, Map<BuiltinFamily, number>>();
  for (const e of listEntries())
    for (const c of e.classNames ?? []) {
      const suffix = /For[A-Z]\w*$/.exec(c)?.[0];
      if (!suffix) continue;
      const v = votes.get(suffix) ?? new Map<BuiltinFamily, number>();
      v.set(e.family as BuiltinFamily, (v.get(e.family as BuiltinFamily) ?? 0) + 1);
      votes.set(suffix, v);
    }
  learned = new Map();
  for (const [suffix, v] of votes) {
    const total = [...v.values()].reduce((a, b) => a + b, 0);
    const [family, n] = [...v].sort((a, b) => b[1] - a[1])[0];
    if (n / total >= 0.8) learned.set(suffix, family);
  }
  return learned;
}

export function headOf(className: string): Head | undefined {
  const h = HEADS.find(([suffix]) => className.endsWith(suffix));
  if (h?.[2]) return { suffix: h[0], task: h[1], family: h[2], weak: h[2] === 'decoder-only' };
  const suffix = /For[A-Z]\w*$/.exec(className)?.[0];
  const family = suffix ? learnedHeads().get(suffix) : undefined;
  if (suffix && family) return { suffix, task: '', family, learned: true };
  return h && { suffix: h[0], task: h[1] };
}

/** `AutoModelForX` keys of auto_map -> family, strongest first; the decoder one is weak (VLMs use it too). */
const AUTO_KEYS: readonly [RegExp, BuiltinFamily][] = [
  [/^AutoModelFor(Vision2Seq|ImageTextToText|ZeroShotImageClassification|VisualQuestionAnswering)$/, 'multimodal'],
  [
    /^AutoModelFor(SpeechSeq2Seq|CTC|AudioClassification|AudioFrameClassification|TextToWaveform|TextToSpectrogram)$/,
    'speech',
  ],
  [
    /^AutoModelFor(ImageClassification|ImageSegmentation|SemanticSegmentation|ObjectDetection|DepthEstimation|MaskGeneration|UniversalSegmentation|KeypointDetection)$/,
    'vision',
  ],
  [/^AutoModelForMaskedLM$/, 'encoder-only'],
  [/^AutoModelForCausalLM$/, 'decoder-only'],
  [/^AutoModelForSeq2SeqLM$/, 'encoder-decoder'],
];

export function autoMapFamily(autoMap: Config | undefined): { key: string; family: BuiltinFamily } | undefined {
  if (!autoMap) return undefined;
  const keys = Object.keys(autoMap);
  for (const [re, family] of AUTO_KEYS) {
    const key = keys.find((k) => re.test(k));
    if (key) return { key, family };
  }
  return undefined;
}

/** Class names the config names: architectures, then auto_map values (`modeling_x.XForCausalLM`). */
export function classNames(c: Config): { architectures: string[]; autoMap: string[] } {
  const architectures = Array.isArray(c.architectures) ? c.architectures.filter((a): a is string => !!str(a)) : [];
  const autoMap = isObj(c.auto_map)
    ? Object.values(c.auto_map)
        .flatMap((v) => (Array.isArray(v) ? v : [v]))
        .filter((v): v is string => !!str(v))
        .map((v) => v.slice(v.lastIndexOf('.') + 1))
    : [];
  return { architectures, autoMap };
}

/** The catalog type a class name belongs to: exactly (transformers' tables first), else by its stem. */
export function entryOfClass(name: string): { entry: CatalogEntry; exact: boolean } | undefined {
  // A class two types list (Llama4ForCausalLM: llama4 and llama4_text) belongs to the one its head fits.
  const exact = entriesOfClass(name);
  const family = headOf(name)?.family;
  const fit = exact.find((e) => e.family === family) ?? exact[0];
  if (fit) return { entry: fit, exact: true };
  const byStem = entryForClass(name);
  return byStem && { entry: byStem, exact: false };
}

/** An ONNX Runtime GenAI `model` block: its type and the sessions it names. */
export interface GenaiBlock {
  type?: string;
  entry?: CatalogEntry;
  sessions: string[];
  /** The sessions' input names (`audio_features`, `pixel_values`), whose words say the modality. */
  inputs: string[];
}

export function genaiBlock(c: Config): GenaiBlock | undefined {
  const m = c.model;
  if (!isObj(m)) return undefined;
  const sessions = ['decoder', 'encoder', 'vision', 'speech', 'audio', 'embedding'].filter((k) => isObj(m[k]));
  const type = str(m.type);
  if (!sessions.length && !type) return undefined;
  const inputs = sessions.flatMap((k) => {
    const i = (m[k] as Config).inputs;
    return isObj(i) ? Object.keys(i) : [];
  });
  return { type, entry: type ? getEntry(type) : undefined, sessions, inputs };
}
