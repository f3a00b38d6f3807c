/**
 * Classification from the catalog: a model type by name (with aliases), and a config.json by
 * every signal it has, strongest first: `model_type`, the class names of `architectures` and
 * `auto_map`, an ONNX Runtime GenAI `model` block, nested sub-configs (towers), the words of
 * its keys, the head of its class names, its `auto_map` keys, then single structural keys.
 * The answer says which signal decided (`decidedBy`) and why.
 */
import { getEntry, partOf, suggestTypes } from './catalog.ts';
import { autoMapFamily, classNames, entryOfClass, genaiBlock, headOf, str, type Config, type Head } from './signals.ts';
import {
  isTimeSeries,
  keyWords,
  partFamily,
  STRONG_VISION_KEY,
  structuralFamily,
  topLevelLm,
  towersOf,
} from './structure.ts';
import type { BuiltinFamily, CatalogEntry, ClassificationBase, ClassifySignal, Confidence } from './types.ts';

export { headOf };

const DEFAULT_TASK: Record<BuiltinFamily, string> = {
  'encoder-only': 'feature-extraction',
  'decoder-only': 'text-generation',
  'encoder-decoder': 'text2text-generation',
  vision: 'image-feature-extraction',
  speech: 'automatic-speech-recognition',
  multimodal: 'image-text-to-text',
  other: 'feature-extraction',
};

function fromEntry(
  e: CatalogEntry,
  ref: string,
  confidence: Confidence,
  reason: string,
  decidedBy: ClassifySignal,
  headTask?: string,
): ClassificationBase {
  const tasks =
    headTask && e.tasks.includes(headTask) ? [headTask, ...e.tasks.filter((t) => t !== headTask)] : [...e.tasks];
  const note = e.familyNote ? ` (${e.family}, not ${e.proposedFamily}: ${e.familyNote})` : '';
  const part = e.parent ? `; a sub-config: ${partOf(e)}` : '';
  return {
    ref,
    modelType: e.modelType,
    family: e.family,
    tasks,
    runtimeSupport: e.runtimeSupport,
    confidence,
    reason: reason + part + note,
    decidedBy,
    ...(e.parent && e.role ? { subConfigOf: { modelType: e.parent, role: e.role } } : {}),
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
      'synced',
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
  return fromEntry(e, ref, 'high', how, 'model_type');
}

interface Verdict {
  family: BuiltinFamily;
  decidedBy: ClassifySignal;
  confidence: Confidence;
  reason: string;
  task: string;
}

/** The family when no signal names a catalog type: towers, key words, heads, auto_map keys, structure. */
function byShape(c: Config, head: Head | undefined): Verdict | undefined {
  const v = (
    family: BuiltinFamily,
    decidedBy: ClassifySignal,
    confidence: Confidence,
    reason: string,
    task = DEFAULT_TASK[family],
  ): Verdict => ({
    family,
    decidedBy,
    confidence,
    reason,
    task,
  });
  const genai = genaiBlock(c);
  if (genai && !genai.entry && genai.sessions.length) {
    const s = genai.sessions;
    const why = `its ONNX Runtime GenAI model block has ${s.join(' + ')} sessions`;
    if (s.includes('decoder') && (s.includes('vision') || s.includes('speech') || s.includes('audio')))
      return v('multimodal', 'genai-model', 'medium', why);
    if (s.includes('encoder') && s.includes('decoder'))
      return keyWords(Object.fromEntries(genai.inputs.map((k) => [k, 1]))).audio.length
        ? v('speech', 'genai-model', 'medium', `${why}; the encoder reads audio (${genai.inputs.join(', ')})`)
        : v('encoder-decoder', 'genai-model', 'low', why);
    if (s.includes('decoder')) return v('decoder-only', 'genai-model', 'medium', why);
  }
  if (isTimeSeries(c))
    return v(
      'other',
      'structure',
      'low',
      'time-series keys (prediction_length with a context or input size)',
      'time-series-forecasting',
    );
  const t = towersOf(c);
  const words = keyWords(c);
  const lm = topLevelLm(c);
  const towers = [...t.text, ...t.vision, ...t.audio].join(' + ');
  if (t.vision.length && t.audio.length)
    return v('multimodal', 'nested-configs', 'medium', `it has ${towers}`, 'any-to-any');
  if (t.encoder && t.decoder) {
    const enc = partFamily(t.encoder);
    const pair = 'it has encoder and decoder sub-configs';
    if (enc === 'vision')
      return v(
        'multimodal',
        'nested-configs',
        'medium',
        `${pair}; a vision encoder with a text decoder`,
        'image-to-text',
      );
    if (enc === 'speech') return v('speech', 'nested-configs', 'medium', `${pair}; an audio encoder`);
    return v('encoder-decoder', 'nested-configs', 'medium', pair);
  }
  if (t.vision.length && (t.text.length || lm || c.vocab_size !== undefined))
    return v(
      'multimodal',
      'nested-configs',
      'medium',
      `it has ${towers}${t.text.length ? '' : ' and a language model of its own (vocab_size)'}`,
    );
  if (t.audio.length && t.text.length)
    return v('multimodal', 'nested-configs', 'medium', `it has ${towers}`, 'audio-text-to-text');
  const imageWords = words.vision.filter((k) => STRONG_VISION_KEY.test(k.toLowerCase()));
  if (words.audio.length && (t.text.length || imageWords.length))
    return v(
      'multimodal',
      t.text.length ? 'nested-configs' : 'structure',
      'low',
      `audio keys (${words.audio.slice(0, 3).join(', ')}) with ${t.text.length ? towers : `image keys (${imageWords.slice(0, 3).join(', ')})`}`,
      'audio-text-to-text',
    );
  if (head?.family && !head.weak)
    return v(
      head.family,
      'architectures',
      head.learned ? 'low' : 'medium',
      `architectures ends in ${head.suffix}, a ${head.family} head${head.learned ? " (as the catalog's classes with that head are)" : ''}`,
      head.task || DEFAULT_TASK[head.family],
    );
  if (t.audio.length || words.audio.length)
    return v(
      'speech',
      t.audio.length ? 'nested-configs' : 'structure',
      'low',
      t.audio.length ? `it has ${towers}` : `audio keys (${words.audio.slice(0, 4).join(', ')})`,
    );
  if (t.vision.length) return v('vision', 'nested-configs', 'low', `it has ${towers} and no language model`);
  if (words.vision.length && (lm || c.vocab_size !== undefined))
    return v(
      'multimodal',
      'structure',
      'low',
      `image keys (${words.vision.slice(0, 4).join(', ')}) with a language model (vocab_size)`,
    );
  const auto = autoMapFamily(c.auto_map as Config | undefined);
  if (auto && auto.family !== 'decoder-only') return v(auto.family, 'auto_map', 'medium', `auto_map names ${auto.key}`);
  if (head?.family)
    return v(
      head.family,
      'architectures',
      'low',
      `architectures ends in ${head.suffix}, a ${head.family} head`,
      head.task,
    );
  if (auto) return v(auto.family, 'auto_map', 'medium', `auto_map names ${auto.key}`);
  if (words.vision.length && !c.vocab_size)
    return v('vision', 'structure', 'low', `image keys (${words.vision.slice(0, 4).join(', ')}) and no vocab_size`);
  const s = structuralFamily(c);
  return s && v(s.family, 'structure', 'low', s.reason, s.tasks[0]);
}

/**
 * Classifies a parsed config.json by every signal it has and says which decided. `synced`
 * are types `catalog sync` found new (not yet in the catalog).
 */
export function classifyConfig(config: Config, ref: string, synced: readonly CatalogEntry[] = []): ClassificationBase {
  const modelType = str(config.model_type);
  const { architectures, autoMap } = classNames(config);
  const head =
    [...architectures, ...autoMap].map(headOf).find((h) => h?.family) ?? architectures.map(headOf).find(Boolean);
  const headTask = head?.task || undefined;
  const named = [...architectures, ...autoMap].map((n) => ({ n, hit: entryOfClass(n) })).find((x) => x.hit?.exact);

  const byType = modelType ? (getEntry(modelType) ?? synced.find((s) => s.modelType === modelType)) : undefined;
  if (byType) {
    // A class that transformers lists under another type of another family, and a config whose
    // towers agree with that class, outweigh a model_type an exporter rewrote (ministral3 on a Mistral3 VLM).
    const shape = named && named.hit!.entry.family !== byType.family ? byShape(config, undefined) : undefined;
    if (named && shape?.family === named.hit!.entry.family && shape.decidedBy === 'nested-configs')
      return fromEntry(
        named.hit!.entry,
        ref,
        'medium',
        `architectures names "${named.n}", a ${named.hit!.entry.modelType} class, and ${shape.reason}; config.model_type "${modelType}" (${byType.family}) is outweighed`,
        'architectures',
        headTask,
      );
    const synced_ = !getEntry(modelType!);
    const how = synced_
      ? `config.model_type "${modelType}" is new in transformers (found by \`hf-core catalog sync\`)`
      : byType.modelType === modelType
        ? `config.model_type is "${modelType}"`
        : `config.model_type "${modelType}" is another name for "${byType.modelType}"`;
    return fromEntry(byType, ref, synced_ ? 'medium' : 'high', how, synced_ ? 'synced' : 'model_type', headTask);
  }
  const typeSays = modelType ? `config.model_type "${modelType}" is not in the catalog` : 'config has no model_type';
  if (named) {
    const { entry } = named.hit!;
    const from = architectures.includes(named.n) ? 'architectures' : 'auto_map';
    return fromEntry(
      entry,
      ref,
      'medium',
      `${typeSays}; ${from} names "${named.n}", a ${entry.modelType} class`,
      from,
      headTask,
    );
  }
  const genai = genaiBlock(config);
  if (genai?.entry)
    return fromEntry(
      genai.entry,
      ref,
      'medium',
      `${typeSays}; its ONNX Runtime GenAI model block says type "${genai.type}"`,
      'genai-model',
    );
  const shape = byShape(config, head);
  // Stems (`LlavaLlamaForCausalLM` -> nothing, `MistralForCausalLM` -> mistral) only where the shape says little.
  const stem = [...architectures, ...autoMap].map((n) => ({ n, hit: entryOfClass(n) })).find((x) => x.hit);
  if (stem && (!shape || shape.confidence === 'low' || shape.family === stem.hit!.entry.family)) {
    const { entry } = stem.hit!;
    const from = architectures.includes(stem.n) ? 'architectures' : 'auto_map';
    return fromEntry(
      entry,
      ref,
      'medium',
      `${typeSays}; ${from} names "${stem.n}", like the ${entry.modelType} classes`,
      from,
      headTask,
    );
  }
  if (shape)
    return {
      ref,
      modelType: modelType ?? null,
      family: shape.family,
      tasks: [
        headTask && headTask !== shape.task ? headTask : shape.task,
        ...(headTask && headTask !== shape.task ? [shape.task] : []),
      ],
      runtimeSupport: 'unsupported',
      confidence: shape.confidence,
      reason: `${typeSays}; ${shape.reason}`,
      decidedBy: shape.decidedBy,
    };
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
