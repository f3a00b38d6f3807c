/**
 * Scores this close to a detection threshold may land on either side of it on another CPU (or
 * thread count), and two detections this close in score may come in either order.
 */
export const SCORE_NOISE = 1e-4;

/** A detection as the session's logits give it: score and box in pixels [xmin, ymin, xmax, ymax]. */
export interface ExpectedDetection {
  score: number;
  box: number[];
  label?: string;
}

/** A detection as a transformers.js pipeline returns it. */
export interface FoundDetection {
  score: number;
  label?: string;
  box: { xmin?: number; ymin?: number; xmax?: number; ymax?: number };
}

/**
 * Why the pipeline's `found` detections are not those of the session (`want`: every candidate
 * scoring above threshold - SCORE_NOISE), or undefined when they are: each found detection
 * matches its own expected one (score within SCORE_NOISE, box within 1 px, same label when the
 * expected has one), in any order, and every expected one above threshold + SCORE_NOISE is found.
 */
export function detectionsMismatch(
  found: readonly FoundDetection[],
  want: readonly ExpectedDetection[],
  threshold: number,
): string | undefined {
  const used = new Set<number>();
  for (const [k, d] of found.entries()) {
    const got = [d.box.xmin, d.box.ymin, d.box.xmax, d.box.ymax];
    const j = want.findIndex(
      (w, i) =>
        !used.has(i) &&
        Math.abs(d.score - w.score) < SCORE_NOISE &&
        (w.label === undefined || w.label === d.label) &&
        got.every((v, c) => v !== undefined && Math.abs(v - w.box[c]!) <= 1),
    );
    if (j < 0)
      return `detection ${k} is ${JSON.stringify(d)}, the session gives ${JSON.stringify(want.filter((_, i) => !used.has(i)))}`;
    used.add(j);
  }
  const missed = want.filter((w, i) => !used.has(i) && w.score > threshold + SCORE_NOISE);
  if (missed.length)
    return `the pipeline found ${found.length} detections above ${threshold}, the session's logits give ${found.length + missed.length} (it misses ${JSON.stringify(missed)})`;
  return undefined;
}
