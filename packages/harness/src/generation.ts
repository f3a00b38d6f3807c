import type { EngineSession, Feeds, TensorData } from '@hf-core/core';
import { CheckFailure } from './errors.ts';
import { expectThat } from './checks.ts';
import { GreedyTrace, greedyMismatch, NEAR_TIE } from './near-ties.ts';
import { maxAbsDiff, tensor, toNumbers } from './tensors.ts';
import { generationMetrics } from './tf-tensors.ts';
import { timedSection } from './measure.ts';

/**
 * Generation helpers over a raw decoder session with a cache, laid out as transformers.js feeds
 * it: `past_key_values.*` / `past_conv.*` / `past_ssm.*` / `past_recurrent.*` inputs, the
 * matching `present*` outputs, an attention mask over past + new tokens, position ids from the
 * mask. Metrics follow optimum-benchmark: prefill_ms, decode_ms_per_token, tokens_per_s.
 */

/** Name of the cache input an output feeds on the next step (transformers.js getPastKeyValues). */
export function pastNameOf(output: string): string {
  return output
    .replace('present_ssm', 'past_ssm')
    .replace('present_conv', 'past_conv')
    .replace('present_recurrent', 'past_recurrent')
    .replace('present_compressor', 'past_compressor')
    .replace('present_indexer', 'past_indexer')
    .replace('present', 'past_key_values');
}

const CACHE_INPUT = /^(past_key_values\.|past_conv\.|past_ssm\.|past_recurrent\.|past_compressor\.|past_indexer\.)/;

/** The session's cache inputs (by the names transformers.js uses). */
export function cacheInputs(session: EngineSession): string[] {
  return session.inputNames.filter((n) => CACHE_INPUT.test(n));
}

/**
 * Zero-length (or zero-filled fixed-size) cache tensors from the session's input metadata, as
 * transformers.js builds them: `batch_size` resolves to `batch`, other symbolic dims to 0.
 */
export function emptyCache(session: EngineSession, batch: number, names = cacheInputs(session)): Feeds {
  const feeds: Feeds = {};
  for (const name of names) {
    const meta = session.inputs?.find((i) => i.name === name);
    if (!meta)
      throw new CheckFailure(
        `the session has no input "${name}" (its inputs: ${session.inputNames.join(', ')}); a decoder with a cache must declare every cache input transformers.js feeds`,
      );
    const dims = meta.dims.map((d) => (typeof d === 'number' ? d : d === 'batch_size' ? batch : 0));
    const size = dims.reduce((a, b) => a * b, 1);
    feeds[name] =
      meta.type === 'float16'
        ? { type: 'float16', dims, data: new Uint16Array(size) }
        : { type: 'float32', dims, data: new Float32Array(size) };
  }
  return feeds;
}

/** Position ids as transformers.js makes them: cumsum(mask) - 1, padding at 1, the last `n` columns. */
export function positionIdsFromMask(mask: number[][], n: number, startIndex = 0): TensorData {
  const rows = mask.map((row) => {
    let sum = startIndex;
    const pos = row.map((m) => (m ? sum++ : 1));
    return pos.slice(row.length - n);
  });
  return tensor('int64', rows.flat(), [rows.length, n]);
}

export interface StepOptions {
  /** Extra feeds per step (e.g. token_type_ids), given the new ids [b][s] and whether a past exists. */
  extraFeeds?: (ids: number[][], hasPast: boolean) => Feeds;
  positionStart?: number;
}

/** One decoder step: new `ids` [b][s] over `mask` [b][past+s], with `cache` (empty when undefined). */
export async function decoderStep(
  session: EngineSession,
  ids: number[][],
  mask: number[][],
  cache: Feeds | undefined,
  opts: StepOptions = {},
): Promise<{ logits: TensorData; cache: Feeds }> {
  const b = ids.length;
  const s = ids[0]!.length;
  const feeds: Feeds = {
    input_ids: tensor('int64', ids.flat(), [b, s]),
    attention_mask: tensor('int64', mask.flat(), [b, mask[0]!.length]),
  };
  if (session.inputNames.includes('position_ids'))
    feeds.position_ids = positionIdsFromMask(mask, s, opts.positionStart);
  Object.assign(feeds, opts.extraFeeds?.(ids, !!cache) ?? {}, cache ?? emptyCache(session, b));
  const out = await session.run(feeds);
  if (!out.logits) throw new CheckFailure(`the decoder returned no "logits" (outputs: ${Object.keys(out).join(', ')})`);
  const next: Feeds = {};
  for (const [name, t] of Object.entries(out)) if (name.startsWith('present')) next[pastNameOf(name)] = t;
  return { logits: out.logits, cache: next };
}

/** Logits of position `pos` of row `row` of a [b, s, vocab] tensor. */
export function logitsAt(logits: TensorData, row: number, pos: number): TensorData {
  const [, s, v] = logits.dims as [number, number, number];
  const all = toNumbers(logits);
  const start = (row * s + pos) * v;
  return tensor('float32', all.slice(start, start + v), [v]);
}

/** Index of the largest value (the first on ties), ignoring `suppress` ids (e.g. EOS while min_new_tokens applies). */
export const argmax = (t: TensorData, suppress: readonly number[] = []) => {
  let best = -1;
  toNumbers(t).forEach((x, i, a) => {
    if (!suppress.includes(i) && (best < 0 || x > a[best]!)) best = i;
  });
  return best;
};

/**
 * The ids `generate` added after the prompt: its output row must start with the prompt ids, and
 * every new id must lie in the vocabulary. `label` names the call in the failure message.
 */
export function newIdsAfterPrompt(row: number[], prompt: number[], vocabSize: number, label = 'generate'): number[] {
  expectThat(row.slice(0, prompt.length).join() === prompt.join(), `${label} did not return the prompt ids first`);
  const fresh = row.slice(prompt.length);
  expectThat(
    fresh.every((t) => Number.isInteger(t) && t >= 0 && t < vocabSize),
    `generated ids ${fresh} are not all in the vocabulary [0, ${vocabSize})`,
  );
  return fresh;
}

/**
 * KV-cache consistency: the logits of every position after `prefill`, computed step by step
 * feeding each step's present outputs back as the past, equal one forward over the whole
 * sequence within `tol`. A cache that drops or misplaces the past fails here.
 */
export async function checkKvCacheConsistency(
  session: EngineSession,
  ids: number[],
  opts: StepOptions & { prefill?: number; tol?: number } = {},
): Promise<{ maxAbsDiff: number; steps: number }> {
  const tol = opts.tol ?? 1e-4;
  const prefill = opts.prefill ?? Math.max(1, Math.floor(ids.length / 2));
  if (!cacheInputs(session).length)
    throw new CheckFailure(
      `the decoder has no cache inputs (past_key_values.*); its inputs are ${session.inputNames.join(', ')}`,
    );
  const full = await decoderStep(session, [ids], [ids.map(() => 1)], undefined, opts);
  let step = await decoderStep(session, [ids.slice(0, prefill)], [ids.slice(0, prefill).map(() => 1)], undefined, opts);
  let worst = 0;
  for (let t = prefill - 1; t < ids.length; t++) {
    const got = logitsAt(step.logits, 0, step.logits.dims[1]! - 1);
    const diff = maxAbsDiff(got, logitsAt(full.logits, 0, t));
    worst = Math.max(worst, Number.isNaN(diff) ? Infinity : diff);
    if (!(diff <= tol)) {
      throw new CheckFailure(
        `KV cache: logits at position ${t} computed step by step with the cache differ from one forward over the whole sequence by ${diff.toExponential(3)} (tolerance ${tol}); the present outputs do not carry the past (present must be past concatenated with the new tokens)`,
        { position: t, maxAbsDiff: diff, tolerance: tol },
      );
    }
    assertCacheLength(step.cache, t + 1);
    if (t + 1 < ids.length)
      step = await decoderStep(session, [[ids[t + 1]!]], [ids.slice(0, t + 2).map(() => 1)], step.cache, opts);
  }
  return { maxAbsDiff: worst, steps: ids.length - prefill };
}

/** Every attention cache output holds all `tokens` positions so far (dim -2), as transformers.js assumes. */
export function assertCacheLength(cache: Feeds, tokens: number): void {
  for (const [name, t] of Object.entries(cache)) {
    if (!name.startsWith('past_key_values.') || /(conv|shift)_state$/.test(name)) continue;
    if (t.dims.at(-2) !== tokens) {
      const present = name.replace('past_key_values', 'present');
      throw new CheckFailure(
        `KV cache: after ${tokens} tokens "${present}" has shape [${t.dims.join(', ')}], i.e. ${t.dims.at(-2)} cached positions where ${tokens} were expected; present must be the past concatenated with the new tokens`,
        { output: present, dims: [...t.dims], expected: tokens },
      );
    }
  }
}

export interface GreedyOptions extends StepOptions {
  /** Token ids never picked (as transformers.js's min_new_tokens does for EOS). */
  suppressTokens?: number[];
  /** Attention mask of the prompt (0 at padding); all ones when absent. */
  mask?: number[][];
}

/**
 * Greedy generation on the raw session with the cache, timed: prefill_ms (the prompt pass),
 * decode_ms_per_token (mean of the one-token steps), tokens_per_s (decode throughput).
 * `suppressTokens` are never picked (as transformers.js's min_new_tokens does for EOS).
 * `traces` holds each row's picks with their near ties, to compare another path's ids with
 * (greedyMismatch).
 */
export async function greedyGenerate(
  session: EngineSession,
  prompt: number[][],
  newTokens: number,
  opts: GreedyOptions = {},
): Promise<{
  tokens: number[][];
  traces: GreedyTrace[];
  prefill_ms: number;
  decode_ms_per_token: number;
  tokens_per_s: number;
}> {
  // One timed section: no other model of the run is timed meanwhile.
  return timedSection(async () => {
    const mask = opts.mask?.map((row) => [...row]) ?? prompt.map((row) => row.map(() => 1));
    const traces = prompt.map(() => new GreedyTrace());
    let t0 = performance.now();
    let step = await decoderStep(session, prompt, mask, undefined, opts);
    const prefill = performance.now() - t0;
    const pick = () =>
      traces.map((trace, r) => trace.pick(logitsAt(step.logits, r, step.logits.dims[1]! - 1), opts.suppressTokens));
    let next = pick();
    t0 = performance.now();
    for (let i = 1; i < newTokens; i++) {
      mask.forEach((row) => row.push(1));
      step = await decoderStep(
        session,
        next.map((id) => [id]),
        mask,
        step.cache,
        opts,
      );
      next = pick();
    }
    const decode = performance.now() - t0;
    return { tokens: traces.map((t) => t.tokens), traces, ...generationMetrics(prefill, decode, newTokens - 1) };
  });
}

/**
 * Left padding on the raw session: prompts of different lengths, left-padded with `padId` (mask
 * 0) into one batch, generate greedily the same tokens row by row as each prompt alone (up to a
 * near tie of the prompt alone, where either tied id is right: greedyMismatch).
 */
export async function checkLeftPaddedGeneration(
  session: EngineSession,
  prompts: number[][],
  padId: number,
  newTokens: number,
  opts: GreedyOptions = {},
): Promise<{ rows: number; paddedWidth: number }> {
  const width = Math.max(...prompts.map((p) => p.length));
  if (prompts.every((p) => p.length === width))
    throw new CheckFailure('left padding: the prompts must differ in length so that one row is padded');
  const padded = prompts.map((p) => [...Array<number>(width - p.length).fill(padId), ...p]);
  const mask = prompts.map((p) => [...Array<number>(width - p.length).fill(0), ...p.map(() => 1)]);
  const together = await greedyGenerate(session, padded, newTokens, { ...opts, mask });
  for (let r = 0; r < prompts.length; r++) {
    const alone = await greedyGenerate(session, [prompts[r]!], newTokens, opts);
    const step = greedyMismatch(alone.traces[0]!, together.tokens[r]!);
    if (step !== undefined) {
      throw new CheckFailure(
        `left padding: row ${r} (${prompts[r]!.length} tokens, ${width - prompts[r]!.length} pad) generates [${together.tokens[r]}] in the batch but [${alone.tokens[0]}] alone (at step ${step} the batch picked an id whose logit alone is not within ${NEAR_TIE} of the top); padded positions leak into attention, positions or state`,
        { row: r, step },
      );
    }
  }
  return { rows: prompts.length, paddedWidth: width };
}
