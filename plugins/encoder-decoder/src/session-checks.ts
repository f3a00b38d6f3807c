import type { EngineSession, Feeds, TensorData } from '@hf-core/core';
import {
  CheckFailure,
  emptyCache,
  expectThat,
  GreedyTrace,
  maxAbsDiff,
  pastNameOf,
  SeededFeeds,
  tensor,
  textFeeds,
  toNumbers,
  type Harness,
  timedSection,
} from '@hf-core/harness';

/** What the decoder's cache looks like, read from config.json the way transformers.js reads it. */
export interface Seq2SeqGeometry {
  decoderLayers: number;
  heads: number;
  headDim: number;
  dModel: number;
  decoderStartTokenId: number;
  eosTokenIds: number[];
  padTokenId: number;
  vocabSize: number;
}

const T5_LIKE = new Set(['t5', 'mt5', 'longt5']);

/**
 * The cache geometry from config.json: T5-like types read num_decoder_layers / num_heads / d_kv,
 * BART-like ones decoder_layers / decoder_attention_heads / d_model (transformers.js
 * configs.js getNormalizedConfig). Missing keys fail with their names.
 */
export function seq2seqGeometry(config: Record<string, unknown>, where: string): Seq2SeqGeometry {
  const type = String(config.model_type ?? '');
  const need = T5_LIKE.has(type)
    ? ['num_decoder_layers', 'num_heads', 'd_kv', 'd_model']
    : ['decoder_layers', 'decoder_attention_heads', 'd_model'];
  need.push('decoder_start_token_id', 'eos_token_id', 'vocab_size');
  const missing = need.filter(
    (k) => typeof config[k] !== 'number' && !(k === 'eos_token_id' && Array.isArray(config[k])),
  );
  if (config.is_encoder_decoder !== true) missing.push('is_encoder_decoder (must be true)');
  if (missing.length) {
    throw new CheckFailure(
      `config.json of ${where} (model_type "${type}") lacks ${missing.join(', ')}: transformers.js sizes the encoder-decoder KV cache and starts generation from these keys; add them to config.json`,
      { missing },
    );
  }
  const n = (k: string) => config[k] as number;
  const heads = T5_LIKE.has(type) ? n('num_heads') : n('decoder_attention_heads');
  const eos = config.eos_token_id;
  return {
    decoderLayers: T5_LIKE.has(type) ? n('num_decoder_layers') : n('decoder_layers'),
    heads,
    headDim: T5_LIKE.has(type) ? n('d_kv') : n('d_model') / heads,
    dModel: n('d_model'),
    decoderStartTokenId: n('decoder_start_token_id'),
    eosTokenIds: Array.isArray(eos) ? (eos as number[]) : [eos as number],
    padTokenId: typeof config.pad_token_id === 'number' ? n('pad_token_id') : 0,
    vocabSize: n('vocab_size'),
  };
}

export const cacheInputNames = (g: Seq2SeqGeometry) =>
  Array.from({ length: g.decoderLayers }, (_, i) =>
    ['decoder.key', 'decoder.value', 'encoder.key', 'encoder.value'].map((s) => `past_key_values.${i}.${s}`),
  ).flat();

/** The merged decoder declares what transformers.js feeds and reads; missing names fail with their names. */
export function validateMergedDecoder(
  dec: EngineSession,
  g: Seq2SeqGeometry,
  file = 'onnx/decoder_model_merged.onnx',
): { inputs: number; outputs: number } {
  const inputs = ['input_ids', 'encoder_hidden_states', ...cacheInputNames(g)];
  const outputs = ['logits', ...cacheInputNames(g).map((n) => n.replace('past_key_values', 'present'))];
  const missingIn = inputs.filter((n) => !dec.inputNames.includes(n));
  const missingOut = outputs.filter((n) => !dec.outputNames.includes(n));
  if (missingIn.length || missingOut.length) {
    const parts = [
      missingIn.length && `inputs ${missingIn.join(', ')}`,
      missingOut.length && `outputs ${missingOut.join(', ')}`,
    ]
      .filter(Boolean)
      .join(' and ');
    throw new CheckFailure(
      `${file} lacks ${parts}: transformers.js runs the seq2seq decoder with a KV cache (past_key_values.{i}.decoder/encoder.key/value in, present.* out); export it as a merged decoder with past (optimum: text2text-generation-with-past)`,
      { missingIn, missingOut },
    );
  }
  return { inputs: dec.inputNames.length, outputs: dec.outputNames.length };
}

/** Encoder feeds: `rows` rows of seeded token ids (above the special ids), `lengths[r]` real tokens then padding. */
export function encoderFeeds(
  g: Seq2SeqGeometry,
  opts: { rows: number; seq: number; lengths?: number[]; seed?: number },
): Feeds {
  const t = textFeeds({ ...opts, vocabSize: g.vocabSize, padId: g.padTokenId, minId: 8 });
  return { input_ids: t.input_ids, attention_mask: t.attention_mask };
}

/** Decoder token ids: the decoder start token then seeded ids, `rows` x `len`. */
export function decoderIds(g: Seq2SeqGeometry, rows: number, len: number, seed = 9): number[][] {
  const rng = new SeededFeeds(seed);
  return Array.from({ length: rows }, () => [
    g.decoderStartTokenId,
    ...Array.from({ length: len - 1 }, () => rng.int(Math.min(8, g.vocabSize - 1), g.vocabSize)),
  ]);
}

const empty = (rows: number, g: Seq2SeqGeometry): TensorData => ({
  type: 'float32',
  dims: [rows, g.heads, 0, g.headDim],
  data: new Float32Array(0),
});

/**
 * One decoder call: `ids` (rows x len) over the encoder output; with `past` (a previous call's
 * outputs) it continues from the cache, otherwise it starts with empty caches, as transformers.js does.
 */
/**
 * Decoder feeds for `ids` (rows x len) over the encoder output; with `past` (a previous call's
 * outputs) they continue from the cache, otherwise they carry empty caches, as transformers.js
 * feeds the first step.
 */
export function decoderFeeds(
  dec: EngineSession,
  g: Seq2SeqGeometry,
  ids: number[][],
  enc: { hidden: TensorData; mask: TensorData },
  past?: Record<string, TensorData>,
): Feeds {
  const rows = ids.length;
  const feeds: Feeds = {
    input_ids: tensor('int64', ids.flat(), [rows, ids[0]!.length]),
    encoder_hidden_states: enc.hidden,
  };
  if (dec.inputNames.includes('encoder_attention_mask')) feeds.encoder_attention_mask = enc.mask;
  const names = cacheInputNames(g).filter((n) => dec.inputNames.includes(n));
  if (past) {
    for (const [out, t] of Object.entries(past)) if (names.includes(pastNameOf(out))) feeds[pastNameOf(out)] = t;
  } else if (dec.inputs) {
    Object.assign(feeds, emptyCache(dec, rows, names)); // from the input metadata, as transformers.js builds it (fp16 caches too)
  } else {
    for (const n of names) feeds[n] = empty(rows, g);
  }
  if (dec.inputNames.includes('use_cache_branch')) feeds.use_cache_branch = tensor('bool', [past ? 1 : 0], [1]);
  return feeds;
}

/** One decoder call (see decoderFeeds). */
export function decoderStep(
  dec: EngineSession,
  g: Seq2SeqGeometry,
  ids: number[][],
  enc: { hidden: TensorData; mask: TensorData },
  past?: Record<string, TensorData>,
): Promise<Record<string, TensorData>> {
  return dec.run(decoderFeeds(dec, g, ids, enc, past));
}

export async function encode(
  encSession: EngineSession,
  feeds: Feeds,
): Promise<{ hidden: TensorData; mask: TensorData }> {
  const out = await encSession.run(feeds);
  const hidden = out.last_hidden_state;
  expectThat(hidden, `the encoder returned no last_hidden_state (got ${Object.keys(out).join(', ')})`);
  return { hidden, mask: feeds.attention_mask! };
}

/** Logits of position `t` of row 0 as a [vocab] tensor. */
function positionLogits(logits: TensorData, t: number): TensorData {
  const v = logits.dims[2]!;
  return { type: 'float32', dims: [v], data: Float32Array.from(toNumbers(logits).slice(t * v, (t + 1) * v)) };
}

/**
 * KV-cache consistency: the decoder's logits computed one token at a time through the cache
 * equal a single forward over the whole decoder sequence, at every position, within `tol`.
 */
export async function checkKvCache(
  encSession: EngineSession,
  dec: EngineSession,
  g: Seq2SeqGeometry,
  opts: { steps?: number; tol?: number } = {},
): Promise<Record<string, unknown>> {
  const steps = opts.steps ?? 5;
  const tol = opts.tol ?? 1e-4;
  const enc = await encode(encSession, encoderFeeds(g, { rows: 1, seq: 7, seed: 21 }));
  const ids = decoderIds(g, 1, steps)[0]!;
  const full = (await decoderStep(dec, g, [ids], enc)).logits!;
  let past: Record<string, TensorData> | undefined;
  const perStep: number[] = [];
  for (let t = 0; t < steps; t++) {
    past = await decoderStep(dec, g, [[ids[t]!]], enc, past);
    const d = maxAbsDiff(positionLogits(past.logits!, 0), positionLogits(full, t));
    perStep.push(d);
    if (!(d <= tol)) {
      throw new CheckFailure(
        `KV cache: logits of step ${t} computed through the cache differ from the full forward over ${steps} decoder tokens by ${d.toExponential(3)} (tolerance ${tol}); present.*.decoder.* must hold past + new keys/values`,
        { perStep, tolerance: tol },
      );
    }
  }
  const cached = past!['present.0.decoder.key'];
  expectThat(
    cached && cached.dims[2] === steps,
    `present.0.decoder.key has ${cached?.dims[2]} positions after ${steps} steps, expected ${steps}`,
  );
  return { maxAbsDiff: Math.max(...perStep), steps, tolerance: tol };
}

/**
 * Cross-attention ignores encoder padding: decoder logits over an encoder input of n tokens equal
 * those over the same tokens padded (mask 0) to n + 3.
 */
export async function checkCrossAttentionPadding(
  encSession: EngineSession,
  dec: EngineSession,
  g: Seq2SeqGeometry,
  tol = 1e-4,
): Promise<{ maxAbsDiff: number }> {
  const short = await encode(encSession, encoderFeeds(g, { rows: 1, seq: 5, seed: 7 }));
  const padded = await encode(encSession, encoderFeeds(g, { rows: 1, seq: 8, lengths: [5], seed: 7 }));
  const ids = decoderIds(g, 1, 3);
  const a = (await decoderStep(dec, g, ids, short)).logits!;
  const b = (await decoderStep(dec, g, ids, padded)).logits!;
  const d = maxAbsDiff(a, b);
  if (!(d <= tol))
    throw new CheckFailure(
      `cross-attention padding: decoder logits change by ${d.toExponential(3)} when the encoder input is padded (tolerance ${tol}); encoder_attention_mask must mask padded positions`,
    );
  return { maxAbsDiff: d };
}

/** Logits of the last position of `row` of a [rows, len, vocab] tensor, as a [vocab] tensor. */
const lastLogits = (logits: TensorData, row: number): TensorData => {
  const [, len, v] = logits.dims as [number, number, number];
  const start = (row * len + len - 1) * v;
  return { type: 'float32', dims: [v], data: Float32Array.from(toNumbers(logits).slice(start, start + v)) };
};

/**
 * Greedy decoding straight on the sessions. With `cache` it steps through the KV cache and
 * records prefill / per-token times; without, it re-runs the whole sequence every step (the
 * reference that cached generation must match). `suppress` ids are never chosen (EOS when a
 * fixed number of tokens is wanted). `traces` hold each row's picks after the start token with
 * their near ties (greedyMismatch).
 */
export async function greedyDecode(
  encSession: EngineSession,
  dec: EngineSession,
  g: Seq2SeqGeometry,
  feeds: Feeds,
  n: number,
  opts: { cache: boolean; suppress?: number[] },
): Promise<{ tokens: number[][]; traces: GreedyTrace[]; prefillMs: number; decodeMs: number[] }> {
  // One timed section: no other model of the run is timed meanwhile.
  return timedSection(async () => {
    const rows = feeds.input_ids!.dims[0]!;
    const t0 = performance.now();
    const enc = await encode(encSession, feeds);
    const seqs = Array.from({ length: rows }, () => [g.decoderStartTokenId]);
    const traces = seqs.map(() => new GreedyTrace());
    let past: Record<string, TensorData> | undefined;
    let prefillMs = 0;
    const decodeMs: number[] = [];
    for (let step = 0; step < n; step++) {
      const s0 = performance.now();
      const out = opts.cache
        ? await decoderStep(dec, g, past ? seqs.map((s) => [s.at(-1)!]) : seqs, enc, past)
        : await decoderStep(dec, g, seqs, enc);
      if (opts.cache) past = out;
      seqs.forEach((s, r) => s.push(traces[r]!.pick(lastLogits(out.logits!, r), opts.suppress)));
      if (step === 0) prefillMs = performance.now() - t0;
      else decodeMs.push(performance.now() - s0);
    }
    return { tokens: seqs, traces, prefillMs, decodeMs };
  });
}

/**
 * prefill_ms, decode_ms_per_token and tokens_per_s of cached greedy decoding of `n` tokens: the
 * median over `repeats` runs after a warm-up, so one slow run on a busy machine does not set them.
 */
export async function measureGeneration(
  h: Harness,
  encSession: EngineSession,
  dec: EngineSession,
  g: Seq2SeqGeometry,
  n = 8,
  repeats = 5,
): Promise<Record<string, unknown>> {
  const feeds = encoderFeeds(g, { rows: 1, seq: 16, seed: 3 });
  await greedyDecode(encSession, dec, g, feeds, 2, { cache: true }); // warm-up
  const prefill: number[] = [];
  const perToken: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const { prefillMs, decodeMs } = await greedyDecode(encSession, dec, g, feeds, n, {
      cache: true,
      suppress: g.eosTokenIds,
    });
    prefill.push(prefillMs);
    perToken.push(decodeMs.reduce((a, b) => a + b, 0) / Math.max(1, decodeMs.length));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const r = (x: number) => Math.round(x * 1000) / 1000;
  const [p, d] = [median(prefill), median(perToken)];
  h.metric('prefill_ms', r(p));
  h.metric('decode_ms_per_token', r(d));
  h.metric('tokens_per_s', r(1000 / d));
  return { prefill_ms: r(p), decode_ms_per_token: r(d), tokens: n, repeats };
}

/** Encoder + decoder outputs for shape checks: [2, 8] encoder ids, [2, 3] decoder ids. */
export async function seq2seqOutputs(
  encSession: EngineSession,
  dec: EngineSession,
  g: Seq2SeqGeometry,
  seed = 1,
): Promise<{ encoder: Record<string, TensorData>; decoder: Record<string, TensorData> }> {
  const feeds = encoderFeeds(g, { rows: 2, seq: 8, lengths: [8, 6], seed });
  const encoder = await encSession.run(feeds);
  const decoder = await decoderStep(dec, g, decoderIds(g, 2, 3, seed), {
    hidden: encoder.last_hidden_state!,
    mask: feeds.attention_mask!,
  });
  return { encoder, decoder };
}

export function expectedShapes(g: Seq2SeqGeometry): {
  encoder: Record<string, number[]>;
  decoder: Record<string, number[]>;
} {
  const decoder: Record<string, number[]> = { logits: [2, 3, g.vocabSize] };
  for (let i = 0; i < g.decoderLayers; i++) {
    for (const kv of ['key', 'value']) {
      decoder[`present.${i}.decoder.${kv}`] = [2, g.heads, 3, g.headDim];
      decoder[`present.${i}.encoder.${kv}`] = [2, g.heads, 8, g.headDim];
    }
  }
  return { encoder: { last_hidden_state: [2, 8, g.dModel] }, decoder };
}
