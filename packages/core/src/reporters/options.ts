import { join } from 'node:path';
import type { ReportContext } from '../hooks.ts';
import type { RunSummary } from '../types.ts';

/** Options every built-in reporter takes (`REPORTERS[name](options)`); each reads what it needs. */
export interface ReporterOptions {
  /** The history file runs are appended to and trends read from (default: OUT/history.jsonl). */
  historyFile?: string;
  /** This run's id in the history (default: its start time); shards of one CI run may share one. */
  runId?: string;
}

export const historyFileOf = (ctx: ReportContext, o: ReporterOptions) =>
  o.historyFile ?? join(ctx.outDir, 'history.jsonl');

export const runOf = (s: RunSummary, o: ReporterOptions) => ({ id: o.runId ?? s.started_at, at: s.started_at });
