/**
 * Classification from the catalog: a model type by name (with aliases), and a config.json by
 * every signal it has, strongest first: `model_type`, the class names of `architectures` and
 * `auto_map`, an ONNX Runtime GenAI `model` block, nested sub-configs (towers), the words of
 * its keys, the head of its class names, its `auto_map` keys, then single structural keys.
 * The answer says which signal decided (`decidedBy`) and why.
 */
import { getEntry, partOf, suggestTypes } from './catalog.ts';
import { byShape } from './shape.ts';
import { classNames, entryOfClass, genaiBlock, headOf, str, type Config } from './signals.ts';
import type { CatalogEntry, ClassificationBase, ClassifySignal, Confidence } from './types.ts';

export { headOf };

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
  /** A catalog type the class names: `a gemma3_text class` exactly, or `like the mistral classes` by stem. */
  const byClass = (x: { n: string; hit?: { entry: CatalogEntry } }, how: string) => {
    const from = architectures.includes(x.n) ? 'architectures' : 'auto_map';
    return fromEntry(x.hit!.entry, ref, 'medium', `${typeSays}; ${from} names "${x.n}", ${how}`, from, headTask);
  };
  if (named) return byClass(named, `a ${named.hit!.entry.modelType} class`);
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
  if (stem && (!shape || shape.confidence === 'low' || shape.family === stem.hit!.entry.family))
    return byClass(stem, `like the ${stem.hit!.entry.modelType} classes`);
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
