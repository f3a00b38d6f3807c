/** The few statistics the history's judgement needs, in one place. */

/** A latency or peak RSS is judged once this many earlier runs of the model give its noise. */
export const MIN_EARLIER = 2;
/** How many noise widths (sigma) past its earlier mean a value must be to count as a regression, at least. */
export const Z = 3.5;

/** Student's t, one-sided 99.9%, by degrees of freedom: the noise is known from few runs at first. */
const T999: [number, number][] = [
  [1, 318.3],
  [2, 22.33],
  [3, 10.21],
  [4, 7.173],
  [5, 5.893],
  [6, 5.208],
  [8, 4.501],
  [10, 4.144],
  [15, 3.733],
  [20, 3.552],
  [30, 3.385],
];

/** How many noise widths a value must be out: Z, or Student's t while few runs inform the noise. */
export function widthsFor(df: number): number {
  // The row at or below df: fewer degrees of freedom ask for more widths, so this errs wide.
  const at = T999.filter(([d]) => d <= df).at(-1) ?? T999[0]!;
  return Math.max(Z, df > 30 ? 0 : at[1]);
}

export function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
export const stdev = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));
/** The median of a chi-square with k degrees of freedom (Wilson-Hilferty), to unbias a median of SDs. */
export const chi2Median = (k: number) => k * (1 - 2 / (9 * k)) ** 3;

interface Verdict {
  regressed: boolean;
  /** The latest value over the mean of the earlier ones, after the run factors. */
  ratio: number;
  noise: number;
}

/**
 * A value regressed when it is above every earlier run's value and past their mean by more than
 * `widths` noise widths (and the prediction's own uncertainty for n earlier runs): how noisy the
 * history is decides, not a fixed percentage.
 */
export function judgeSlowdown(value: number, earlier: number[], noise: number, widths = Z): Verdict | undefined {
  if (earlier.length < MIN_EARLIER) return undefined;
  const m = mean(earlier);
  const limit = widths * noise * Math.sqrt(1 + 1 / earlier.length);
  return { regressed: value > Math.max(...earlier) && value - m > limit, ratio: Math.exp(value - m), noise };
}
