import { FAILING_STATUSES, type ModelResult, type ResultStatus, type RunSummary } from '../types.ts';
import { catalogCoverage, type CatalogCoverage } from './coverage.ts';
import { flatMetrics, historyEntryOf, type FlatMetrics, type HistoryEntry } from './history-store.ts';
import { analyzeHistory, runsOf, type Finding, type RunPoint } from './trends.ts';

/** One point of a model's trend: run index (into `runs`), status, p50 ms, peak RSS MB. */
export type TrendPoint = [number, ResultStatus, number | null, number | null];

/** A result as the page shows it; strings stay raw here and are escaped where they are rendered. */
export interface DashboardRow {
  ref: string;
  modelType: string | null;
  family: string;
  backend: string;
  status: ResultStatus;
  level: string | null;
  reason: string;
  dtype?: string;
  fallback?: string;
  checks: { name: string; status: string; message: string; level?: string }[];
  m: FlatMetrics;
  /** Link to the test process's log, relative to the page. */
  log?: string;
  /** The end of the process output, for errors, crashes, timeouts and ooms. */
  tail?: string;
  evidence?: Record<string, string | number | boolean | null>;
  findings: string[];
  trend: TrendPoint[];
}

/** A model's line of the model x backend matrix: the row index of each backend's result. */
export interface MatrixLine {
  ref: string;
  family: string;
  cells: Record<string, number>;
}

export interface DashboardData {
  run: { id: string; started_at: string; finished_at: string; version: string };
  backends: { name: string; ran: number; skipped: number; skipReason?: string }[];
  coverage: CatalogCoverage;
  totals: RunSummary['totals'];
  rows: DashboardRow[];
  matrix: MatrixLine[];
  runs: RunPoint[];
  findings: Finding[];
  notJudged: number;
}

export interface DashboardInput {
  history?: HistoryEntry[];
  runId?: string;
  /** The page's link to a result's log, when there is one. */
  logOf?: (r: ModelResult) => string | undefined;
  /** Trend points kept per model (the page stays small over years of nightly runs). */
  maxRuns?: number;
}

const EVIDENCE_KEYS = ['exitCode', 'signal', 'killedFor', 'peakTreeRssMb', 'durationMs', 'crashedAt', 'logFile'];

function evidenceOf(r: ModelResult): DashboardRow['evidence'] {
  if (!r.evidence) return undefined;
  const out: Record<string, string | number | boolean | null> = {};
  for (const k of EVIDENCE_KEYS) {
    const v = r.evidence[k];
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v))
      out[k] = v as string | number | boolean | null;
  }
  return out;
}

const key = (r: { ref: string; backend: string }) => `${r.backend}\u0000${r.ref}`;

/** Failing first, then regressed, then passing, then skipped; by family and name within each. */
function attentionRank(r: DashboardRow): number {
  if (FAILING_STATUSES.includes(r.status)) return 0;
  if (r.findings.length) return 1;
  return r.status === 'skip' ? 3 : 2;
}

function rowOf(r: ModelResult, findings: string[], trend: TrendPoint[], input: DashboardInput): DashboardRow {
  const tail = r.evidence?.outputTail;
  return {
    ref: r.ref,
    modelType: r.modelType,
    family: r.family ?? 'unknown',
    backend: r.backend,
    status: r.status,
    level: r.level,
    reason: r.reason,
    ...(r.model?.dtype ? { dtype: r.model.dtype } : {}),
    ...(r.fallback ? { fallback: r.fallback } : {}),
    checks: r.checks.map((c) => ({ name: c.name, status: c.status, message: c.message, level: c.level })),
    m: flatMetrics(r.metrics),
    log: input.logOf?.(r),
    ...(typeof tail === 'string' && tail ? { tail } : {}),
    evidence: evidenceOf(r),
    findings,
    trend,
  };
}

/**
 * Everything the page shows, from a run and its history: rows in attention order, the matrix,
 * run points for the trend charts, each model's recent trend, and this run's findings.
 */
export function dashboardData(s: RunSummary, input: DashboardInput = {}): DashboardData {
  const run = { id: input.runId ?? s.started_at, at: s.started_at };
  const current = s.results.map((r) => historyEntryOf(r, run));
  // This run's rows replace any the history reporter (or another shard of the run) wrote already.
  const mine = new Set(current.map(key));
  const earlier = (input.history ?? []).filter((e) => e.run !== run.id || !mine.has(key(e)));
  const all = [...earlier, ...current];
  const analysis = analyzeHistory(all, { run: run.id });
  const maxRuns = input.maxRuns ?? 60;
  const runs = runsOf(all).slice(-maxRuns);
  const trends = new Map<string, TrendPoint[]>();
  runs.forEach(({ rows }, i) => {
    for (const e of rows) {
      const t = trends.get(key(e)) ?? [];
      t.push([i, e.status, e.p50_ms ?? null, e.peak_rss_mb ?? null]);
      trends.set(key(e), t);
    }
  });
  const findings = new Map<string, string[]>();
  for (const f of analysis.findings) findings.set(key(f), [...(findings.get(key(f)) ?? []), f.what]);
  const rows = s.results
    .map((r) => rowOf(r, findings.get(key(r)) ?? [], trends.get(key(r)) ?? [], input))
    .sort(
      (a, b) =>
        attentionRank(a) - attentionRank(b) ||
        a.family.localeCompare(b.family) ||
        a.ref.localeCompare(b.ref) ||
        a.backend.localeCompare(b.backend),
    );
  const matrix = new Map<string, MatrixLine>();
  rows.forEach((r, i) => {
    const line = matrix.get(r.ref) ?? { ref: r.ref, family: r.family, cells: {} };
    line.cells[r.backend] = i;
    matrix.set(r.ref, line);
  });
  const backendNames = [...new Set(s.results.map((r) => r.backend))].sort();
  return {
    run: { id: run.id, started_at: s.started_at, finished_at: s.finished_at, version: s.tool.version },
    backends: backendNames.map((name) => {
      const of = s.results.filter((r) => r.backend === name);
      const skipped = of.filter((r) => r.status === 'skip');
      return {
        name,
        ran: of.length - skipped.length,
        skipped: skipped.length,
        ...(skipped.length === of.length && skipped[0] ? { skipReason: skipped[0].reason } : {}),
      };
    }),
    coverage: catalogCoverage(s.results),
    totals: s.totals,
    rows,
    matrix: [...matrix.values()],
    runs: analysis.runs.slice(-maxRuns),
    findings: analysis.findings,
    notJudged: analysis.notJudged,
  };
}
