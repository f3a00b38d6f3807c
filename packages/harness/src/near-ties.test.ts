import { describe, expect, it } from 'vitest';
import { CheckFailure } from './errors.ts';
import {
  expectGreedyAgreement,
  firstNearTie,
  greedyMismatch,
  greedyTextAgrees,
  GreedyTrace,
  NEAR_TIE,
  nearTieChoices,
  nearTopIds,
} from './near-ties.ts';
import { tensor } from './tensors.ts';

/** A greedy trace over these per-step logits. */
const traceOf = (steps: number[][], suppress: number[] = []) => {
  const t = new GreedyTrace();
  for (const s of steps) t.pick(s, suppress);
  return t;
};

describe('near ties', () => {
  it('lists the argmax first, then every id within NEAR_TIE of it, skipping suppressed ids', () => {
    expect(nearTopIds([0.1, 2, 2 - NEAR_TIE / 2, 1.5])).toEqual([1, 2]);
    expect(nearTopIds([0.1, 2, 2 - 2 * NEAR_TIE, 1.5])).toEqual([1]);
    expect(nearTopIds(tensor('float32', [3, 1, 3], [3]))).toEqual([0, 2]);
    expect(nearTopIds([5, 1, 1], [0])).toEqual([1, 2]);
  });

  it('accepts another path that takes the other id of a near tie and stops comparing there', () => {
    // Step 1 is a near tie between ids 2 and 0: either is right, and what follows is not compared.
    const ref = traceOf([
      [0, 1, 3],
      [1 + NEAR_TIE / 4, 0, 1],
      [5, 0, 0],
    ]);
    expect(ref.tokens).toEqual([2, 0, 0]);
    expect(firstNearTie(ref)).toBe(1);
    expect(greedyMismatch(ref, [2, 0, 0])).toBeUndefined();
    expect(greedyMismatch(ref, [2, 2, 1])).toBeUndefined();
    expect(expectGreedyAgreement(ref, [2, 2, 1], () => 'x')).toEqual({ comparedSteps: 2, nearTieAt: 1 });
  });

  it('fails where another path departs without a near tie, or ends early', () => {
    const ref = traceOf([
      [0, 1, 3],
      [1 + NEAR_TIE / 4, 0, 1],
      [5, 0, 0],
    ]);
    expect(greedyMismatch(ref, [1, 0, 0])).toBe(0);
    expect(greedyMismatch(ref, [2, 1, 0])).toBe(1);
    expect(greedyMismatch(ref, [2, 0, 1])).toBe(2);
    expect(greedyMismatch(ref, [2, 0])).toBe(2);
    expect(() => expectGreedyAgreement(ref, [2, 0, 1], (s) => `parts at ${s}`)).toThrow(CheckFailure);
    expect(() => expectGreedyAgreement(ref, [2, 0, 1], (s) => `parts at ${s}`)).toThrow('parts at 2');
  });

  it('reads text up to the first near tie only', () => {
    const decode = (ids: number[]) => ids.map((i) => 'abc'[i]).join('');
    const clear = traceOf([
      [0, 1, 3],
      [5, 0, 0],
    ]);
    expect(greedyTextAgrees(clear, 'ca', decode)).toBe(true);
    expect(greedyTextAgrees(clear, 'cab', decode)).toBe(false);
    const tied = traceOf([
      [0, 1, 3],
      [1, 0, 1],
    ]);
    expect(greedyTextAgrees(tied, 'cc', decode)).toBe(true);
    expect(greedyTextAgrees(tied, 'bc', decode)).toBe(false);
  });

  it('enumerates the readings of per-position near ties, and refuses too many', () => {
    expect(nearTieChoices([[1], [2, 3], [4]])).toEqual([
      [1, 2, 4],
      [1, 3, 4],
    ]);
    expect(() =>
      nearTieChoices(
        [
          [0, 1],
          [0, 1],
          [0, 1],
        ],
        4,
      ),
    ).toThrow(/3 positions have near-tied top logits/);
  });
});
