import { describe, expect, it } from 'vitest';
import { detectionsMismatch, SCORE_NOISE } from './detections.ts';

const box = (x: number) => ({ xmin: x, ymin: x, xmax: x + 10, ymax: x + 10 });
const want = (score: number, x: number, label?: string) => ({ score, box: [x, x, x + 10, x + 10], label });

describe('detectionsMismatch', () => {
  it('accepts near-equal scores in either order and a candidate on the threshold found or not', () => {
    const session = [want(0.5, 1), want(0.5 + SCORE_NOISE / 4, 20), want(0.3 + SCORE_NOISE / 2, 40)];
    const found = [
      { score: 0.5, box: box(1) },
      { score: 0.5, box: box(20) },
    ];
    expect(detectionsMismatch(found, session, 0.3)).toBeUndefined();
    expect(
      detectionsMismatch([...found, { score: 0.3 + SCORE_NOISE / 2, box: box(40) }], session, 0.3),
    ).toBeUndefined();
  });

  it('names a detection the session does not give, and one above the threshold the pipeline misses', () => {
    const session = [want(0.5, 1, 'cat'), want(0.4, 20, 'dog')];
    expect(detectionsMismatch([{ score: 0.5, box: box(5), label: 'cat' }], session, 0.3)).toMatch(
      /detection 0 is .*, the session gives/,
    );
    expect(detectionsMismatch([{ score: 0.5, box: box(1), label: 'dog' }], session, 0.3)).toMatch(/the session gives/);
    expect(detectionsMismatch([{ score: 0.5, box: box(1), label: 'cat' }], session, 0.3)).toMatch(
      /found 1 detections above 0.3, the session's logits give 2/,
    );
  });
});
