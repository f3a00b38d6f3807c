/**
 * Generation at session level, on the raw ONNX sessions of a checkpoint: a decoder over the
 * cache its graph declares (per-layer, stacked `past_{i}`, hybrid conv states; input_ids or
 * inputs_embeds from a split embedding file), and an encoder-decoder without a merged decoder
 * (the encoder once, then the decoder step by step without a cache). Each step's feeds come from
 * the graph's metadata and the folder's config together: the mask covers past + new tokens,
 * positions continue from the past, ids take the graph's integer type, and a graph that decodes
 * one token at a time over a past gets one.
 */
import type { EngineSession, Feeds, TensorData, ValueInfo } from '@hf-core/core';
import {
  argmax,
  cacheLayout,
  CheckFailure,
  expectThat,
  feedsFromMetadata,
  logitsAt,
  maxAbsDiff,
  SkipCheck,
  tensor,
  toNumbers,
  type Harness,
  timedSection,
} from '@hf-core/harness';
import { inputsOf, outputsOf, type CheckpointPlan, type PlannedFile } from './plan.ts';

/** Token ids as the graph takes them (int32 in onnxruntime's GPT-2 converter, else int64). */
const idTensor = (type: string, rows: number[][]) =>
  tensor(type === 'int32' ? 'int32' : 'int64', rows.flat(), [rows.length, rows[0]!.length]);

/** The same dims, all zeros (an empty cache, or a conv state before the first token). */
function zerosLike(t: TensorData): TensorData {
  const n = t.dims.reduce((a, b) => a * b, 1);
  const data =
    t.type === 'float16'
      ? new Uint16Array(n)
      : t.type === 'float64'
        ? new Float64Array(n)
        : t.type === 'int64'
          ? new BigInt64Array(n)
          : new Float32Array(n);
  return { type: t.type, dims: [...t.dims], data } as TensorData;
}

interface Decoder {
  file: PlannedFile;
  session: EngineSession;
  inputs: readonly ValueInfo[];
  pastToPresent: Record<string, string>;
  idType: string;
  embed?: { file: PlannedFile; session: EngineSession };
}

/** inputs_embeds of `ids` from the split embedding file; its other inputs (image features) get no rows. */
async function embed(plan: CheckpointPlan, d: Decoder, ids: number[][]): Promise<TensorData> {
  const e = d.embed!;
  const inputs = inputsOf(e.session, e.file);
  const feeds = feedsFromMetadata(
    inputs,
    { batch: ids.length, seq: ids[0]!.length, past: 0 },
    plan.feed,
    e.file.path,
  ).feeds;
  for (const i of inputs) {
    if (i.name === 'input_ids') feeds[i.name] = idTensor(i.type, ids);
    else if (typeof i.dims[0] === 'string' && !/batch/i.test(i.dims[0]))
      feeds[i.name] = zerosLike({ ...feeds[i.name]!, dims: [0, ...feeds[i.name]!.dims.slice(1)] });
  }
  const out = await e.session.run(feeds);
  const embeds = out[plan.generation!.embed!.output];
  if (!embeds) throw new CheckFailure(`${e.file.path} returned no "${plan.generation!.embed!.output}"`);
  return embeds;
}

/** One decoder step: `ids` new tokens over `past` cached ones (`cache` undefined: the first step). */
async function step(
  plan: CheckpointPlan,
  d: Decoder,
  ids: number[][],
  past: number,
  cache: Feeds | undefined,
): Promise<{ logits: TensorData; cache: Feeds }> {
  const shape = { batch: ids.length, seq: ids[0]!.length, past, seed: 17 };
  const feeds = feedsFromMetadata(d.inputs, shape, plan.feed, d.file.path).feeds;
  if (d.embed) feeds.inputs_embeds = await embed(plan, d, ids);
  else feeds.input_ids = idTensor(d.idType, ids);
  for (const name of Object.keys(d.pastToPresent)) feeds[name] = cache?.[name] ?? zerosLike(feeds[name]!);
  const out = await d.session.run(feeds);
  if (!out.logits)
    throw new CheckFailure(`${d.file.path} returned no "logits" (it returned ${Object.keys(out).join(', ')})`);
  const next: Feeds = {};
  for (const [p, present] of Object.entries(d.pastToPresent)) {
    if (!out[present]) throw new CheckFailure(`${d.file.path} returned no "${present}" to feed back as "${p}"`);
    next[p] = out[present]!;
  }
  return { logits: out.logits, cache: next };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** How far cached logits may stray from cache-free ones, relative to the logits' scale. */
const cacheTolerance = (plan: CheckpointPlan) =>
  plan.precision === 'fp32' ? 1e-3 : Math.max(2e-2, plan.tolerance ?? 0);

/**
 * Greedy generation over the cache: prefill a prompt with an empty cache, then one token per
 * step (or the plan's step size) with the returned presents. A cache-free forward over the same
 * sequence must give the same logits at every generated position (relative to their scale,
 * within 1e-3 for fp32), hence the same tokens. Records prefill_ms, decode_ms_per_token and
 * tokens_per_s.
 */
export async function checkSessionGeneration(h: Harness, plan: CheckpointPlan, steps = 4) {
  const g = plan.generation;
  if (!g) throw new SkipCheck('no decoder file takes input_ids and a KV cache and returns logits');
  const file = plan.files.find((x) => x.path === g.path)!;
  const session = await h.session(file.path);
  const inputs = inputsOf(session, file);
  const layout = cacheLayout(inputs, outputsOf(session, file), plan.cachePatterns);
  if (layout.kind === 'none') throw new SkipCheck(`${file.path} declares no KV cache`);
  const embedFile = g.embed ? plan.files.find((x) => x.path === g.embed!.path) : undefined;
  const idsInput = (embedFile ? embedFile.header.inputs : inputs).find((i) => i.name === 'input_ids');
  const d: Decoder = {
    file,
    session,
    inputs,
    pastToPresent: layout.pastToPresent,
    idType: idsInput?.type ?? 'int64',
    ...(embedFile ? { embed: { file: embedFile, session: await h.session(embedFile.path) } } : {}),
  };
  const prompt = feedsFromMetadata(
    embedFile ? embedFile.header.inputs : inputs,
    { batch: 1, seq: 5, past: 0, seed: 17 },
    plan.feed,
  ).feeds.input_ids;
  const sequence = prompt ? toNumbers(prompt) : [5, 6, 7, 8, 9];
  // One timed section: no other model of the run is timed meanwhile.
  const { prefillMs, decodeMs, stepLogits, generated } = await timedSection(async () => {
    let t0 = performance.now();
    let out = await step(plan, d, [sequence], 0, undefined);
    const prefillMs = performance.now() - t0;
    const stepLogits = [logitsAt(out.logits, 0, out.logits.dims[1]! - 1)];
    const generated = [argmax(stepLogits[0]!)];
    let decodeMs = 0;
    for (let s = 1; s < steps; s++) {
      const past = sequence.length + generated.length - 1;
      t0 = performance.now();
      out = await step(plan, d, [[generated.at(-1)!]], past, out.cache);
      decodeMs += performance.now() - t0;
      stepLogits.push(logitsAt(out.logits, 0, out.logits.dims[1]! - 1));
      generated.push(argmax(stepLogits.at(-1)!));
    }
    return { prefillMs, decodeMs, stepLogits, generated };
  });
  // The same sequence in one cache-free forward: the logits at each generated position.
  const full = [...sequence, ...generated.slice(0, -1)];
  const ref = await step(plan, d, [full], 0, undefined);
  const scale = toNumbers(ref.logits).reduce((m, x) => Math.max(m, Math.abs(x)), 1);
  const diffs = stepLogits.map((l, i) => maxAbsDiff(l, logitsAt(ref.logits, 0, sequence.length - 1 + i)) / scale);
  const uncached = diffs.map((_, i) => argmax(logitsAt(ref.logits, 0, sequence.length - 1 + i)));
  const worst = Math.max(...diffs);
  const tol = cacheTolerance(plan);
  expectThat(
    worst <= tol,
    `${file.path}: logits generated over the KV cache differ from a cache-free forward over the same sequence by ${worst.toExponential(3)} of their scale at step ${diffs.indexOf(worst)} (tolerance ${tol}); the cache does not carry the past (tokens with the cache ${generated.join(', ')}, without ${uncached.join(', ')})`,
    { cached: generated, uncached, relativeDiff: diffs, tolerance: tol },
  );
  const perToken = steps > 1 ? decodeMs / (steps - 1) : 0;
  h.metric('prefill_ms', round(prefillMs));
  h.metric('decode_ms_per_token', round(perToken));
  h.metric('tokens_per_s', round(perToken > 0 ? 1000 / perToken : 0));
  return {
    layout: layout.kind,
    layers: layout.layers,
    ...(layout.states.length ? { states: layout.states } : {}),
    ...(g.embed ? { embeddingFile: g.embed.path } : {}),
    stepTokens: plan.stepTokens,
    prompt: sequence,
    generated,
    tokensEqual: uncached.join() === generated.join(),
    maxRelativeLogitDiff: worst,
  };
}

/**
 * An encoder-decoder at session level: the encoder once on feeds from its metadata, then the
 * decoder step by step without a cache (the whole decoded sequence each step), greedy from the
 * decoder start token. Each step's logits are finite and its token lies in the vocabulary.
 */
export async function checkSeq2SeqSessionGeneration(h: Harness, plan: CheckpointPlan, steps = 4) {
  const s2s = plan.seq2seq;
  if (!s2s) throw new SkipCheck('not an encoder + decoder export');
  const encFile = plan.files.find((f) => f.path === s2s.encoder)!;
  const decFile = plan.files.find((f) => f.path === s2s.decoder)!;
  const enc = await h.session(encFile.path);
  const dec = await h.session(decFile.path);
  const encFeeds = feedsFromMetadata(inputsOf(enc, encFile), { batch: 1, seq: 6, past: 0, seed: 23 }, plan.feed).feeds;
  const encOut = await enc.run(encFeeds);
  const hidden = encOut.last_hidden_state ?? Object.values(encOut)[0]!;
  const decInputs = inputsOf(dec, decFile);
  const start = typeof plan.config?.decoder_start_token_id === 'number' ? plan.config.decoder_start_token_id : 0;
  const tokens = [start];
  for (let s = 0; s < steps; s++) {
    const feeds = feedsFromMetadata(
      decInputs,
      { batch: 1, seq: tokens.length, past: 0, encoderSeq: hidden.dims[1]!, seed: 29 },
      plan.feed,
      decFile.path,
    ).feeds;
    const idsInput = decInputs.find((i) => i.name === 'input_ids' || i.name === 'decoder_input_ids');
    if (!idsInput)
      throw new CheckFailure(`${decFile.path} takes no input_ids (its inputs: ${decInputs.map((i) => i.name)})`);
    feeds[idsInput.name] = idTensor(idsInput.type, [tokens]);
    if (feeds.encoder_hidden_states) feeds.encoder_hidden_states = hidden;
    if (feeds.encoder_attention_mask)
      feeds.encoder_attention_mask = tensor('int64', new Array(hidden.dims[1]!).fill(1), [1, hidden.dims[1]!]);
    const out = await dec.run(feeds);
    if (!out.logits) throw new CheckFailure(`${decFile.path} returned no "logits"`);
    const last = logitsAt(out.logits, 0, out.logits.dims[1]! - 1);
    expectThat(toNumbers(last).every(Number.isFinite), `${decFile.path}: step ${s} returned non-finite logits`);
    tokens.push(argmax(last));
  }
  const vocab = plan.feed.vocabSize ?? Number.MAX_SAFE_INTEGER;
  expectThat(
    tokens.every((t) => t >= 0 && t < vocab),
    `decoded ids ${tokens.join(', ')} are not all in the vocabulary [0, ${vocab})`,
  );
  return { encoder: encFile.path, decoder: decFile.path, cache: false, tokens };
}
