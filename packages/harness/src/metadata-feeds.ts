/**
 * Feeds for any ONNX session from its declared inputs alone (names, element types, fixed and
 * symbolic dims), so an exported model runs with no tokenizer or processor: token ids within the
 * vocabulary, masks, positions, empty or short KV caches in whichever layout the graph declares,
 * pixels, audio features, and unknown inputs by their type and dims.
 */
import type { Feeds, TensorData, ValueInfo } from '@hf-core/core';
import { CheckFailure } from './errors.ts';
import { SeededFeeds, shapeOf } from './tensors.ts';

/** What the model's config.json or graph says about sizes; every field is optional. */
export interface FeedFacts {
  vocabSize?: number;
  imageSize?: number;
  numChannels?: number;
  melBins?: number;
  /** Audio samples for input_values (default 1600: 0.1 s at 16 kHz). */
  samples?: number;
  /** Frames of input_features when the graph leaves them symbolic (default 3000, Whisper's 30 s). */
  frames?: number;
}

export interface FeedShape {
  batch: number;
  /** New tokens this step. */
  seq: number;
  /** Cached positions already in past_key_values (0: an empty cache). */
  past: number;
  /** Encoder length for cross-attention inputs (default `seq`). */
  encoderSeq?: number;
  seed?: number;
}

export type CacheLayout =
  | { kind: 'none' }
  /**
   * `per-layer`: `past_key_values.{i}.key/.value` [b, heads, past, d] answered by `present.{i}.*`;
   * `stacked`: `past_{i}` [2, b, heads, past, d] answered by `present_{i}`. `states` are the
   * fixed-size cache inputs (e.g. `past_conv.{i}` of a hybrid conv + attention model), which
   * start at zeros rather than empty.
   */
  | { kind: 'per-layer' | 'stacked'; layers: number; pastToPresent: Record<string, string>; states: string[] };

const INT_TYPES = new Set(['int64', 'int32', 'int8', 'uint8']);
const FLOAT_TYPES = new Set(['float32', 'float16', 'float64']);
const PER_LAYER = /^past_key_values\.(\d+)\.(key|value|encoder\.key|encoder\.value|decoder\.key|decoder\.value)$/;
const STACKED = /^past_(\d+)$/;
const STATE = /^past_conv\.\d+$/;

/**
 * Cache input -> output name templates (`%d` is the layer) hf-core knows without being told:
 * per-layer keys/values (decoder-only and seq2seq), stacked `past_{i}`, and hybrid conv states.
 * A genai_config.json can name others.
 */
export const CACHE_NAME_PATTERNS: readonly (readonly [string, string])[] = [
  ...['key', 'value', 'encoder.key', 'encoder.value', 'decoder.key', 'decoder.value'].map(
    (k) => [`past_key_values.%d.${k}`, `present.%d.${k}`] as const,
  ),
  ['past_%d', 'present_%d'],
  ['past_conv.%d', 'present_conv.%d'],
];

const patternRegex = (p: string) =>
  new RegExp(
    `^${p
      .split('%d')
      .map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('(\\d+)')}$`,
  );

/**
 * The cache layout the graph declares, and which output answers each past input. `patterns`
 * adds name templates a config declares (genai_config.json's `past_key_names`, `past_names`...).
 */
export function cacheLayout(
  inputs: readonly ValueInfo[],
  outputs: readonly ValueInfo[],
  patterns: readonly (readonly [string, string])[] = [],
): CacheLayout {
  const outNames = new Set(outputs.map((o) => o.name));
  const compiled = [...patterns, ...CACHE_NAME_PATTERNS].map(([past, present]) => ({
    re: patternRegex(past),
    present,
    stacked: /^past_%d$/.test(past),
  }));
  const map: Record<string, string> = {};
  const states: string[] = [];
  let kind: 'per-layer' | 'stacked' | undefined;
  const layers = new Set<string>();
  for (const i of inputs) {
    for (const p of compiled) {
      const m = p.re.exec(i.name);
      if (!m) continue;
      kind = p.stacked ? (kind ?? 'stacked') : 'per-layer';
      layers.add(m[1]!);
      const out = p.present.replace('%d', m[1]!);
      if (outNames.has(out)) map[i.name] = out;
      if (i.dims.length && i.dims.every((d) => typeof d === 'number' || /batch/i.test(d))) states.push(i.name);
      break;
    }
  }
  return kind ? { kind, layers: layers.size, pastToPresent: map, states } : { kind: 'none' };
}

/** Float to IEEE half bits (round to nearest), for float16 inputs. */
export function floatToHalf(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  const mant = x & 0x7fffff;
  if (exp >= 31) return sign | 0x7c00 | (((x >>> 23) & 0xff) === 0xff && mant ? 0x200 : 0);
  if (exp <= 0) return exp < -10 ? sign : sign | ((mant | 0x800000) >> (14 - exp));
  return sign | (exp << 10) | (mant >> 13);
}

function fill(type: string, values: number[], dims: number[], where: string): TensorData {
  switch (type) {
    case 'int64':
      return { type, dims, data: BigInt64Array.from(values, (v) => BigInt(Math.trunc(v))) };
    case 'int32':
      return { type, dims, data: Int32Array.from(values) };
    case 'int8':
      return { type, dims, data: Int8Array.from(values) };
    case 'uint8':
    case 'bool':
      return { type, dims, data: Uint8Array.from(values) };
    case 'float32':
      return { type, dims, data: Float32Array.from(values) };
    case 'float64':
      return { type, dims, data: Float64Array.from(values) };
    case 'float16':
      return { type, dims, data: Uint16Array.from(values, floatToHalf) };
    default:
      throw new CheckFailure(
        `${where} has element type "${type}", which hf-core cannot make a feed for (it makes float32, float16, float64, int64, int32, int8, uint8 and bool)`,
        { type },
      );
  }
}

/** Sizes of a symbolic dim (`batch_size`, `past_sequence_length + 1`) and the symbols used, by name. */
class DimResolver {
  readonly symbols: Record<string, number> = {};
  constructor(
    private readonly s: Required<Omit<FeedShape, 'seed'>>,
    private readonly facts: FeedFacts,
    private readonly hasCache: boolean,
  ) {}

  private byName(dim: string, input: string): number | undefined {
    const d = dim.toLowerCase();
    if (/batch/.test(d)) return this.s.batch;
    if (/total|all_seq|attention_mask/.test(d)) return this.s.past + this.s.seq;
    if (/past/.test(d)) return this.s.past;
    if (/encoder/.test(d)) return this.s.encoderSeq;
    if (/height|width|image_size/.test(d)) return this.facts.imageSize ?? 224;
    if (/channel/.test(d)) return this.facts.numChannels ?? 3;
    if (/mel|feature_size/.test(d)) return this.facts.melBins ?? 80;
    if (/frame/.test(d)) return this.facts.frames ?? 3000;
    if (/sample|audio|wav/.test(d)) return this.facts.samples ?? 1600;
    if (/seq|length|token/.test(d)) return /mask/.test(input) && this.hasCache ? this.s.past + this.s.seq : this.s.seq;
    return undefined;
  }

  /** The size of dim `axis` of input `input`, declared as `dim`. */
  size(dim: number | string, axis: number, input: ValueInfo): number {
    if (typeof dim === 'number' && dim >= 0) return dim;
    const name = typeof dim === 'string' ? dim.trim() : '';
    if (name && name in this.symbols) return this.symbols[name]!;
    // Audio lengths: exports call them `sequence_length`, but a conv front end needs real lengths
    // (not recorded as the symbol's size: outputs of that name are downsampled).
    if (input.name === 'input_values' && axis === 1) return this.facts.samples ?? 1600;
    if (input.name === 'input_features' && axis === 2) return this.facts.frames ?? 3000;
    let v: number | undefined;
    if (name.includes('+')) {
      const parts = name.split('+').map((p) => p.trim());
      // Each term is a size on its own (`sequence_length` is the new tokens even inside a mask's sum).
      const sizes = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : (this.symbols[p] ?? this.byName(p, ''))));
      if (sizes.every((x) => x !== undefined)) v = sizes.reduce((a, b) => a! + b!, 0);
    } else if (name) v = this.byName(name, input.name);
    v ??= this.byPosition(axis, input);
    if (name) this.symbols[name] = v;
    return v;
  }

  private byPosition(axis: number, input: ValueInfo): number {
    const n = input.name;
    if (STACKED.test(n)) return [2, this.s.batch, 1, this.s.past, 1][axis] ?? 1;
    if (PER_LAYER.test(n))
      return axis === 0 ? this.s.batch : axis === 2 ? (/encoder/.test(n) ? this.s.encoderSeq : this.s.past) : 1;
    if (axis === 0) return this.s.batch;
    if (/mask/.test(n)) return this.hasCache ? this.s.past + this.s.seq : this.s.seq;
    if (/pixel/.test(n)) return axis === 1 ? (this.facts.numChannels ?? 3) : (this.facts.imageSize ?? 224);
    if (n === 'input_features') return axis === 1 ? (this.facts.melBins ?? 80) : (this.facts.frames ?? 3000);
    if (n === 'input_values') return this.facts.samples ?? 1600;
    if (/encoder_hidden_states/.test(n) && axis === 1) return this.s.encoderSeq;
    return this.s.seq;
  }
}

function values(
  input: ValueInfo,
  dims: number[],
  s: Required<Omit<FeedShape, 'seed'>>,
  facts: FeedFacts,
  rng: SeededFeeds,
  where: string,
): number[] {
  const n = dims.reduce((a, b) => a * b, 1);
  const name = input.name;
  const isInt = INT_TYPES.has(input.type);
  if (/(^|_)input_ids$/.test(name) && isInt) {
    const vocab = facts.vocabSize ?? 2;
    const lo = Math.min(4, vocab - 1);
    return Array.from({ length: n }, () => rng.int(lo, vocab));
  }
  if (/attention_mask$/.test(name)) return new Array(n).fill(1);
  if (name === 'position_ids' || name === 'cache_position') {
    const seqLen = dims[dims.length - 1]!;
    return Array.from({ length: n }, (_, i) => s.past + (i % seqLen));
  }
  if (name === 'token_type_ids') return new Array(n).fill(0);
  if (name === 'use_cache_branch') return new Array(n).fill(s.past > 0 ? 1 : 0);
  if (input.type === 'bool') return new Array(n).fill(1);
  if (FLOAT_TYPES.has(input.type)) {
    // Cached keys/values at half scale, like post-norm activations; everything else in [-1, 1).
    const scale = /^past/.test(name) ? 0.5 : 1;
    return Array.from({ length: n }, () => rng.float() * scale);
  }
  if (isInt) return new Array(n).fill(0);
  throw new CheckFailure(
    `${where} has element type "${input.type}", which hf-core cannot make a feed for (it makes float32, float16, float64, int64, int32, int8, uint8 and bool)`,
    { type: input.type },
  );
}

/**
 * Feeds for every declared input of a session. `symbols` records the size each symbolic dim was
 * given, so outputs can be checked against the same names. `file` names the ONNX file in errors.
 */
export function feedsFromMetadata(
  inputs: readonly ValueInfo[],
  shape: FeedShape,
  facts: FeedFacts = {},
  file = 'the model',
): { feeds: Feeds; symbols: Record<string, number> } {
  const s = { batch: shape.batch, seq: shape.seq, past: shape.past, encoderSeq: shape.encoderSeq ?? shape.seq };
  const hasCache = inputs.some((i) => PER_LAYER.test(i.name) || STACKED.test(i.name) || STATE.test(i.name));
  const dims = new DimResolver(s, facts, hasCache);
  const rng = new SeededFeeds(shape.seed ?? 1);
  const feeds: Feeds = {};
  for (const input of inputs) {
    const where = `input "${input.name}" of ${file}`;
    const d = input.dims.map((dim, axis) => dims.size(dim, axis, input));
    feeds[input.name] = fill(input.type, values(input, d, s, facts, rng, where), d, where);
  }
  return { feeds, symbols: dims.symbols };
}

/**
 * Every declared output is present, with its declared rank, its fixed dims, and each symbolic
 * dim the feeds gave a size equal to that size. Returns the shapes seen.
 */
export function checkOutputsAgainstMetadata(
  outputs: Record<string, TensorData>,
  declared: readonly ValueInfo[],
  symbols: Record<string, number>,
  file = 'the model',
): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const o of declared) {
    const t = outputs[o.name];
    if (!t)
      throw new CheckFailure(
        `${file}: declared output "${o.name}" is missing; the session returned ${Object.keys(outputs).join(', ') || 'nothing'}`,
      );
    shapes[o.name] = [...t.dims];
    if (!o.dims.length && !t.dims.length) continue;
    if (o.dims.length && t.dims.length !== o.dims.length) {
      throw new CheckFailure(
        `${file}: output "${o.name}" has shape ${shapeOf(t)}, but the graph declares rank ${o.dims.length} ([${o.dims.join(', ')}])`,
      );
    }
    o.dims.forEach((dim, axis) => {
      const want =
        typeof dim === 'number' && dim >= 0 ? dim : typeof dim === 'string' ? symbols[dim.trim()] : undefined;
      if (want !== undefined && t.dims[axis] !== want) {
        throw new CheckFailure(
          `${file}: output "${o.name}" has shape ${shapeOf(t)}; axis ${axis} is declared "${dim}", which the feeds set to ${want}`,
          { got: [...t.dims], declared: o.dims },
        );
      }
    });
  }
  return shapes;
}
