/**
 * What a checkpoint folder says about itself besides its graphs, read tolerantly: config.json
 * (which may be broken, or a hybrid without model_type), ONNX Runtime GenAI's genai_config.json
 * (model type, file names, input/output name maps), and the tokenizer's vocabulary size. A
 * problem with any of them is a sentence for the report, never a reason to refuse the folder.
 */
import { join } from 'node:path';
import { isRefused, readTextInside, resolveInside } from '@hf-core/core';

export type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * A JSON object file of the folder, or the sentence that says why it cannot be used. A file that
 * leaves the folder is `refused` (never opened): the plan refuses the folder for it.
 */
export function readJsonObject(dir: string, name: string): { value?: Json; problem?: string; refused?: string } {
  const p = join(dir, name);
  const read = readTextInside(dir, name);
  if (read.refused) return { problem: read.refused, refused: read.refused };
  if (read.problem) return { problem: read.problem };
  if (read.text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(read.text);
  } catch (err) {
    return { problem: `${p} is not valid JSON (${(err as Error).message})` };
  }
  if (!isObject(value))
    return { problem: `${p} holds ${Array.isArray(value) ? 'an array' : typeof value}, not an object` };
  return { value };
}

/** One component of a genai_config.json `model` block (decoder, embedding, vision, speech...). */
export interface GenaiComponent {
  name: string;
  filename: string;
  /** Logical name -> graph name (`past_key_names: past_key_values.%d.key`). */
  inputs: Record<string, string>;
  outputs: Record<string, string>;
}

/** The parts of ONNX Runtime GenAI's genai_config.json hf-core uses. */
export interface GenaiConfig {
  type?: string;
  vocabSize?: number;
  contextLength?: number;
  layers?: number;
  bosTokenId?: number;
  eosTokenId?: number;
  /** The decoder component (the file generation runs on). */
  decoder?: GenaiComponent;
  /** Every component that names a file, the decoder included. */
  components: GenaiComponent[];
}

const names = (v: unknown): Record<string, string> =>
  isObject(v)
    ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'))
    : {};

/**
 * Reads genai_config.json; no config when the folder has none. `refused`: the file itself or a
 * file name in it that leaves the folder (never opened).
 */
export function readGenaiConfig(dir: string): { config?: GenaiConfig; problem?: string; refused: string[] } {
  const { value, problem, refused } = readJsonObject(dir, 'genai_config.json');
  if (!value) return { ...(problem ? { problem } : {}), refused: refused ? [refused] : [] };
  const model = value.model;
  if (!isObject(model)) return { problem: `${join(dir, 'genai_config.json')} has no "model" object`, refused: [] };
  const config = genaiFromModelBlock(model);
  const escapes = config.components.flatMap((c) => {
    const field =
      c.name === 'decoder' && typeof model.decoder === 'string' ? 'model.decoder' : `model.${c.name}.filename`;
    const r = resolveInside(dir, c.filename, { what: `genai_config.json: ${field} "${c.filename}"` });
    return isRefused(r) ? [r.problem] : [];
  });
  return { config, refused: escapes };
}

/**
 * A genai `model` block, as in genai_config.json (and in the hybrid config.json of ORT's GPT-2
 * converter, where `decoder` is a file name and `past_names` sit beside it).
 */
export function genaiFromModelBlock(model: Json): GenaiConfig {
  const components: GenaiComponent[] = [];
  for (const [name, v] of Object.entries(model)) {
    if (isObject(v) && str(v.filename))
      components.push({ name, filename: v.filename as string, inputs: names(v.inputs), outputs: names(v.outputs) });
  }
  if (str(model.decoder))
    components.push({
      name: 'decoder',
      filename: model.decoder as string,
      inputs: str(model.past_names) ? { past_names: model.past_names as string } : {},
      outputs: str(model.present_names) ? { present_names: model.present_names as string } : {},
    });
  const decoder = components.find((c) => c.name === 'decoder');
  const d = isObject(model.decoder) ? model.decoder : {};
  const eos = Array.isArray(model.eos_token_id) ? model.eos_token_id[0] : model.eos_token_id;
  return {
    ...(str(model.type) ? { type: model.type as string } : {}),
    ...(num(model.vocab_size) !== undefined ? { vocabSize: num(model.vocab_size) } : {}),
    ...(num(model.context_length) !== undefined ? { contextLength: num(model.context_length) } : {}),
    ...(num(d.num_hidden_layers ?? model.n_layer) !== undefined
      ? { layers: num(d.num_hidden_layers ?? model.n_layer) }
      : {}),
    ...(num(model.bos_token_id) !== undefined ? { bosTokenId: num(model.bos_token_id) } : {}),
    ...(num(eos) !== undefined ? { eosTokenId: num(eos) } : {}),
    ...(decoder ? { decoder } : {}),
    components,
  };
}

/**
 * Cache name pairs (`past_key_values.%d.key` -> `present.%d.key`) a genai component declares,
 * matched by their logical names (`past_key_names` with `present_key_names`, `past_names` with
 * `present_names`, `past_conv_names` with `present_conv_names`).
 */
export function genaiCachePatterns(c: GenaiComponent): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [key, past] of Object.entries(c.inputs)) {
    const m = /^past_(.*)names$/.exec(key);
    const present = m ? c.outputs[`present_${m[1]}names`] : undefined;
    if (present && past.includes('%d')) pairs.push([past, present]);
  }
  return pairs;
}

/** The model type a folder states: config.json's model_type, else genai_config.json's model.type. */
export function statedModelType(config: Json | undefined, genai: GenaiConfig | undefined): string | undefined {
  return str(config?.model_type) ?? genai?.type;
}

/**
 * The highest token id tokenizer.json can produce plus one (its model vocabulary and added
 * tokens), or undefined when there is no readable tokenizer.json. Large files are read once.
 */
export function tokenizerIdSpace(dir: string): { ids: number; file: string } | undefined {
  const read = readTextInside(dir, 'tokenizer.json', { maxBytes: 64 * 1024 * 1024 });
  if (read.text === undefined) return undefined;
  let tok: unknown;
  try {
    tok = JSON.parse(read.text);
  } catch {
    return undefined; // transformers.js reports an unreadable tokenizer itself
  }
  if (!isObject(tok)) return undefined;
  let max = -1;
  const model = isObject(tok.model) ? tok.model : {};
  const vocab = model.vocab;
  if (isObject(vocab)) for (const id of Object.values(vocab)) if (typeof id === 'number' && id > max) max = id;
  if (Array.isArray(vocab)) max = Math.max(max, vocab.length - 1); // Unigram: [piece, score] pairs
  if (Array.isArray(tok.added_tokens))
    for (const t of tok.added_tokens) if (isObject(t) && typeof t.id === 'number' && t.id > max) max = t.id;
  return max >= 0 ? { ids: max + 1, file: 'tokenizer.json' } : undefined;
}

/** A config value, looked up in the top level and then in text/vision/audio sub-configs. */
export function configNum(config: Json | undefined, keys: string[]): number | undefined {
  if (!config) return undefined;
  const scopes = [
    config,
    ...['text_config', 'decoder', 'vision_config', 'audio_config']
      .map((k) => config[k] as Record<string, unknown> | undefined)
      .filter(Boolean),
  ];
  for (const s of scopes) for (const k of keys) if (num(s![k]) !== undefined) return num(s![k]);
  return undefined;
}
