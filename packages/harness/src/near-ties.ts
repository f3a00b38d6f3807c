import type { TensorData } from '@hf-core/core';
import { CheckFailure } from './errors.ts';
import { toNumbers } from './tensors.ts';

/**
 * Logits closer than this to the largest are a near tie: which of them is the argmax depends on
 * the CPU's float path (SIMD width, thread count, batch shape, padding), so no check holds two
 * paths to the same pick there. Twice the 1e-4 the KV-cache and padding checks allow per logit:
 * two paths within that tolerance can swap ids only where the top two lie closer than this.
 */
export const NEAR_TIE = 2e-4;

/**
 * Ids whose value lies within `tol` of the largest, the argmax (the first on exact ties) first,
 * ignoring `suppress` (e.g. EOS while min_new_tokens applies).
 */
export function nearTopIds(
  values: TensorData | readonly number[],
  suppress: readonly number[] = [],
  tol = NEAR_TIE,
): number[] {
  const xs = Array.isArray(values) ? (values as readonly number[]) : toNumbers(values as TensorData);
  let best = -1;
  xs.forEach((x, i) => {
    if (!suppress.includes(i) && (best < 0 || x > xs[best]!)) best = i;
  });
  if (best < 0) return [];
  const top = xs[best]!;
  const near: number[] = [best];
  xs.forEach((x, i) => {
    if (i !== best && !suppress.includes(i) && top - x <= tol) near.push(i);
  });
  return near;
}

/** A greedy run's picks and, per step, every id within NEAR_TIE of the pick (the pick first). */
export interface GreedyPicks {
  tokens: number[];
  candidates: number[][];
}

/** Records greedy picks with their near-tied ids, step by step. */
export class GreedyTrace implements GreedyPicks {
  readonly tokens: number[] = [];
  readonly candidates: number[][] = [];

  /** The argmax of `logits` ([vocab] or a plain array), recorded with its near ties. */
  pick(logits: TensorData | readonly number[], suppress: readonly number[] = []): number {
    const ids = nearTopIds(logits, suppress);
    this.tokens.push(ids[0]!);
    this.candidates.push(ids);
    return ids[0]!;
  }
}

/**
 * The step where `got` (another path's greedy ids for the same input) parts from `reference`,
 * or undefined when they agree: equal at every step where the reference's pick led by more
 * than NEAR_TIE; at a near tie any of the tied ids is accepted, and where `got` took another
 * one the comparison ends there (the two contexts differ from that step on). Lengths must match
 * up to that point.
 */
export function greedyMismatch(reference: GreedyPicks, got: readonly number[]): number | undefined {
  const n = Math.max(reference.tokens.length, got.length);
  for (let i = 0; i < n; i++) {
    const options = reference.candidates[i];
    const id = got[i];
    if (!options || id === undefined || !options.includes(id)) return i;
    if (id !== reference.tokens[i]) return undefined;
  }
  return undefined;
}

/** The first step where `reference` had a near tie (more than one candidate), if any. */
export const firstNearTie = (reference: GreedyPicks): number | undefined => {
  const i = reference.candidates.findIndex((c) => c.length > 1);
  return i < 0 ? undefined : i;
};

/**
 * Fails with `message(step)` where `got` parts from the greedy `reference` beyond a near tie
 * (greedyMismatch); returns the steps compared and the first near tie, for the check's details.
 */
export function expectGreedyAgreement(
  reference: GreedyPicks,
  got: readonly number[],
  message: (step: number) => string,
): { comparedSteps: number; nearTieAt?: number } {
  const step = greedyMismatch(reference, got);
  if (step !== undefined) throw new CheckFailure(message(step), { step, nearTies: reference.candidates[step] });
  const tie = reference.tokens.findIndex((t, i) => got[i] !== t);
  const nearTieAt = firstNearTie(reference);
  return {
    comparedSteps: tie < 0 ? reference.tokens.length : tie + 1,
    ...(nearTieAt !== undefined ? { nearTieAt } : {}),
  };
}

/**
 * Every id sequence that takes, at each position, one of `candidates[i]` (per-position near ties,
 * e.g. CTC frames): at most `limit` of them; a CheckFailure past it (so many near ties mean the
 * logits barely differ, which a synthesizer should not produce).
 */
export function nearTieChoices(candidates: readonly (readonly number[])[], limit = 4096): number[][] {
  const count = candidates.reduce((n, c) => n * Math.max(1, c.length), 1);
  if (count > limit)
    throw new CheckFailure(
      `${candidates.filter((c) => c.length > 1).length} positions have near-tied top logits (within ${NEAR_TIE}), ${count} readings in all: too many to compare; the logits barely separate the ids`,
    );
  let out: number[][] = [[]];
  for (const c of candidates) out = out.flatMap((prefix) => c.map((id) => [...prefix, id]));
  return out;
}

/**
 * Whether `text` is what the greedy `reference` reads as, through `decode` (ids to normalised
 * text): all of it where the reference has no near tie, else (another path may take the other
 * id there and go on differently) at least the text of its ids before the first near tie.
 */
export function greedyTextAgrees(reference: GreedyPicks, text: string, decode: (ids: number[]) => string): boolean {
  const tie = firstNearTie(reference);
  return tie === undefined
    ? text === decode(reference.tokens)
    : text.startsWith(decode(reference.tokens.slice(0, tie)));
}
