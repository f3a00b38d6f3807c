import { FAILING_STATUSES, type ResultStatus } from '../types.ts';
import { orderRuns, type HistoryEntry } from './history-store.ts';
import { chi2Median, judgeSlowdown, mean, median, MIN_EARLIER, stdev, widthsFor } from './stats.ts';

/** One run of a history, counted. */
export interface RunPoint {
  run: string;
  at?: string;
  total: number;
  pass: number;
  failing: number;
  skip: number;
  /** pass / (total - skip): a skip did not run, so it neither helps nor hurts. */
  passRate: number | null;
  /** The median over the run's models of their p50 latency, in ms. */
  medianP50: number | null;
}

export type FindingKind = 'status' | 'level' | 'flaky' | 'latency' | 'rss';

/** Something that got worse (or keeps flipping), for one model on one backend. */
export interface Finding {
  ref: string;
  backend: string;
  kind: FindingKind;
  /** The run in which it was seen. */
  run: string;
  what: string;
  /** latency and rss: the new value, the earlier values it was judged against, and the margin. */
  value?: number;
  baseline?: number[];
  margin?: number;
}

export interface HistoryAnalysis {
  runs: RunPoint[];
  findings: Finding[];
  /** Model x backend pairs with a latency that fewer than MIN_EARLIER runs had: noise unknown yet. */
  notJudged: number;
}

export interface AnalyzeOptions {
  /** How many earlier runs of a model count for its noise and its flips (default 10). */
  window?: number;
  /** Judge only the models whose latest row is in this run (e.g. the run just written). */
  run?: string;
}

/** Below this (1%, in log units) a difference is rounding, not noise (p50 is kept to the microsecond). */
const MIN_SIGMA = 0.01;
/** Peak RSS moves by a few MB between runs of any model, however big (allocator arenas, threads). */
const RSS_MIN_NOISE_MB = 4;

const failing = (s: ResultStatus) => FAILING_STATUSES.includes(s);
const pairKey = (e: { ref: string; backend: string }) => `${e.backend}\u0000${e.ref}`;

const round = (x: number) => Math.round(x * 1000) / 1000;
/** Rows of each run, in run order; a row seen twice in one run (a re-run shard) keeps the last. */
export function runsOf(entries: HistoryEntry[]): { run: string; rows: HistoryEntry[] }[] {
  const byRun = new Map<string, Map<string, HistoryEntry>>();
  for (const e of entries) {
    let rows = byRun.get(e.run);
    if (!rows) byRun.set(e.run, (rows = new Map()));
    rows.set(pairKey(e), e);
  }
  return orderRuns(entries).map((run) => ({ run, rows: [...byRun.get(run)!.values()] }));
}

export function runPoint(run: string, rows: HistoryEntry[]): RunPoint {
  const pass = rows.filter((r) => r.status === 'pass').length;
  const skip = rows.filter((r) => r.status === 'skip').length;
  const ran = rows.length - skip;
  const p50s = rows.flatMap((r) => (r.status !== 'skip' && r.p50_ms !== undefined ? [r.p50_ms] : []));
  return {
    run,
    at: rows.find((r) => r.at)?.at,
    total: rows.length,
    pass,
    failing: rows.filter((r) => failing(r.status)).length,
    skip,
    passRate: ran ? pass / ran : null,
    medianP50: median(p50s),
  };
}

function flips(statuses: ResultStatus[]): number {
  const ran = statuses.filter((s) => s !== 'skip');
  let n = 0;
  for (let i = 1; i < ran.length; i++) if ((ran[i] === 'pass') !== (ran[i - 1] === 'pass')) n += 1;
  return n;
}

/** Status and level lost since the pair's previous run, and flips back and forth. */
function statusFindings(series: HistoryEntry[], window: number): Finding[] {
  const cur = series.at(-1)!;
  const earlier = series.slice(0, -1).slice(-window);
  const at = { ref: cur.ref, backend: cur.backend, run: cur.run };
  const findings: Finding[] = [];
  const lastRan = [...earlier].reverse().find((e) => e.status !== 'skip');
  if (lastRan?.status === 'pass' && failing(cur.status))
    findings.push({ ...at, kind: 'status', what: `status pass -> ${cur.status}` });
  if (lastRan?.level === 'pipeline' && cur.level === 'session')
    findings.push({ ...at, kind: 'level', what: 'level pipeline -> session' });
  const recent = [...earlier, cur].map((e) => e.status);
  if (flips(recent) >= 2)
    findings.push({
      ...at,
      kind: 'flaky',
      what: `status flips in the last ${recent.length} runs: ${recent.join(' ')}`,
    });
  return findings;
}

type Metric = 'p50_ms' | 'peak_rss_mb';

/** A pair's values of one metric, in log units, each with its run's index. */
type Points = { run: number; y: number }[];

function pointsOf(series: { run: number; row: HistoryEntry }[], metric: Metric): Points {
  return series.flatMap(({ run, row }) => {
    const v = row[metric];
    return row.status !== 'skip' && v !== undefined && v > 0 ? [{ run, y: Math.log(v) }] : [];
  });
}

/**
 * How much slower each run was as a whole: the median, over the models it timed, of their
 * distance from their own typical value (log units). A busy machine or a slower runner moves
 * every model at once; dividing it out leaves what changed in each model. Runs timing fewer
 * than 3 models seen in other runs too have no factor (0): one model cannot tell itself from the
 * machine.
 */
function runFactors(points: Points[], runs: number): number[] {
  const residuals: number[][] = Array.from({ length: runs }, () => []);
  for (const p of points) {
    if (p.length < 2) continue;
    const mid = median(p.map((q) => q.y))!;
    for (const q of p) residuals[q.run]!.push(q.y - mid);
  }
  return residuals.map((r) => (r.length >= 3 ? median(r)! : 0));
}

/**
 * The run-to-run noise of a metric over the whole history: the median over models of the standard
 * deviation of their earlier runs (log units, so a fraction), unbiased for the few runs each has.
 * Models share a machine, so they share its noise; the median ignores the few that are erratic.
 */
function noiseOf(earlier: number[][]): { sigma: number; df: number } {
  const informed = earlier.filter((e) => e.length >= MIN_EARLIER);
  const sds = informed.map((e) => stdev(e) / Math.sqrt(chi2Median(e.length - 1) / (e.length - 1)));
  return { sigma: median(sds) ?? 0, df: informed.reduce((n, e) => n + e.length - 1, 0) };
}

interface PairSeries {
  rows: { run: number; row: HistoryEntry }[];
}

/** Latency or peak RSS findings at each judged pair's latest row; how many had too few runs. */
function judgeMetric(
  pairs: PairSeries[],
  judged: PairSeries[],
  metric: Metric,
  runs: number,
  window: number,
): { findings: Finding[]; notJudged: number } {
  const all = pairs.map((p) => pointsOf(p.rows, metric));
  const factors = metric === 'p50_ms' ? runFactors(all, runs) : new Array<number>(runs).fill(0);
  const norm = (p: Points) => p.map((q) => ({ run: q.run, y: q.y - factors[q.run]! }));
  const earlierOf = (p: PairSeries) => {
    const n = norm(pointsOf(p.rows, metric));
    const last = p.rows.at(-1)!.run;
    return {
      cur: n.at(-1)?.run === last ? n.at(-1)! : undefined,
      earlier: n.filter((q) => q.run !== last).slice(-window),
    };
  };
  const noise = noiseOf(pairs.map((p) => earlierOf(p).earlier.map((q) => q.y)));
  const findings: Finding[] = [];
  let notJudged = 0;
  for (const p of judged) {
    const { cur, earlier } = earlierOf(p);
    if (!cur) continue;
    const ys = earlier.map((q) => q.y);
    const floor = metric === 'peak_rss_mb' && ys.length ? Math.log1p(RSS_MIN_NOISE_MB / Math.exp(mean(ys))) : 0;
    // The history's typical noise, or this model's own earlier spread when it is the noisier.
    const sigma = Math.max(noise.sigma, ys.length >= 2 ? stdev(ys) : 0, floor, MIN_SIGMA);
    const verdict = judgeSlowdown(cur.y, ys, sigma, widthsFor(noise.df));
    if (!verdict) {
      notJudged += 1;
      continue;
    }
    if (!verdict.regressed) continue;
    const row = p.rows.at(-1)!.row;
    const raw = p.rows.filter((r) => earlier.some((q) => q.run === r.run)).map((r) => r.row[metric]!);
    const unit = metric === 'p50_ms' ? 'ms' : 'MB';
    const factor = factors[cur.run]!;
    findings.push({
      ref: row.ref,
      backend: row.backend,
      run: row.run,
      kind: metric === 'p50_ms' ? 'latency' : 'rss',
      what:
        `${metric === 'p50_ms' ? 'p50' : 'peak RSS'} ${round(row[metric]!)} ${unit} vs ${round(Math.min(...raw))}-${round(Math.max(...raw))} ${unit} ` +
        `in ${raw.length} earlier runs: ${verdict.ratio.toFixed(1)}x their mean` +
        (Math.abs(factor) > 0.01 ? ` net of this run's machine factor ${Math.exp(factor).toFixed(2)}x` : '') +
        ` (run-to-run noise ±${Math.round(sigma * 1000) / 10}%)`,
      value: row[metric],
      baseline: raw,
      margin: sigma,
    });
  }
  return { findings, notJudged };
}

/**
 * Trends and regressions of a whole history: each run counted, and for each model x backend its
 * latest row judged against its earlier ones (status lost, level lost, flips, and latency or peak
 * RSS beyond the run-to-run noise).
 */
export function analyzeHistory(entries: HistoryEntry[], opts: AnalyzeOptions = {}): HistoryAnalysis {
  const window = opts.window ?? 10;
  const runs = runsOf(entries);
  const series = new Map<string, PairSeries>();
  runs.forEach(({ rows }, run) => {
    for (const row of rows) {
      const k = pairKey(row);
      const s = series.get(k) ?? { rows: [] };
      s.rows.push({ run, row });
      series.set(k, s);
    }
  });
  const pairs = [...series.values()];
  const judged = opts.run === undefined ? pairs : pairs.filter((p) => p.rows.at(-1)!.row.run === opts.run);
  const findings: Finding[] = [];
  for (const p of judged)
    findings.push(
      ...statusFindings(
        p.rows.map((r) => r.row),
        window,
      ),
    );
  const latency = judgeMetric(pairs, judged, 'p50_ms', runs.length, window);
  const rss = judgeMetric(pairs, judged, 'peak_rss_mb', runs.length, window);
  return {
    runs: runs.map(({ run, rows }) => runPoint(run, rows)),
    findings: [...findings, ...latency.findings, ...rss.findings],
    notJudged: latency.notJudged,
  };
}
