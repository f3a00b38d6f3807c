import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { HfCoreError } from '../errors.ts';
import type { Metrics, ModelResult, ResultStatus } from '../types.ts';

/**
 * The shape of a history line. A line with a higher `v` was written by a newer hf-core: it is
 * kept in the file and skipped (with a warning) by this one. Lines without `v` predate the
 * numbering and have the shape of format 1.
 */
export const HISTORY_FORMAT = 1;

/** A result's headline numbers, flat: what the history keeps and the dashboard draws. */
export interface FlatMetrics {
  load_ms?: number;
  first_forward_ms?: number;
  p50_ms?: number;
  p90_ms?: number;
  p99_ms?: number;
  peak_rss_mb?: number;
  prefill_ms?: number;
  decode_ms_per_token?: number;
  tokens_per_s?: number;
}

export function flatMetrics(m: Metrics): FlatMetrics {
  return {
    load_ms: m.load_ms,
    first_forward_ms: m.first_forward_ms,
    p50_ms: m.latency_ms?.p50,
    p90_ms: m.latency_ms?.p90,
    p99_ms: m.latency_ms?.p99,
    peak_rss_mb: m.peak_rss_mb,
    prefill_ms: m.prefill_ms,
    decode_ms_per_token: m.decode_ms_per_token,
    tokens_per_s: m.tokens_per_s,
  };
}

/** One line of history per model x backend per run: enough to see trends and regressions. */
export interface HistoryEntry extends FlatMetrics {
  v?: number;
  /** The run's id: HF_CORE_RUN_ID when set (shards of one CI run share it), else its start time. */
  run: string;
  /** When the run started (ISO 8601); runs are ordered by it. */
  at?: string;
  ref: string;
  modelType?: string | null;
  family?: string | null;
  backend: string;
  status: ResultStatus;
  level: string | null;
}

/** A line that could not be used, named by file and line number. */
export interface HistoryWarning {
  file: string;
  line: number;
  message: string;
}

export const formatHistoryWarning = (w: HistoryWarning) => `${w.file}:${w.line}: ${w.message}`;

const STATUSES: readonly string[] = ['pass', 'fail', 'skip', 'error', 'crash', 'timeout', 'oom'];

export function historyEntryOf(result: ModelResult, run: { id: string; at: string }): HistoryEntry {
  return {
    v: HISTORY_FORMAT,
    run: run.id,
    at: run.at,
    ref: result.ref,
    modelType: result.modelType,
    family: result.family,
    backend: result.backend,
    status: result.status,
    level: result.level,
    ...flatMetrics(result.metrics),
  };
}

function problemOf(e: unknown): string | undefined {
  if (!e || typeof e !== 'object' || Array.isArray(e)) return 'not a JSON object';
  const o = e as Record<string, unknown>;
  if (typeof o.v === 'number' && o.v > HISTORY_FORMAT)
    return `written by a newer hf-core (history format ${o.v}; this one reads up to ${HISTORY_FORMAT}): skipped, and kept in the file. Upgrade hf-core to read it`;
  for (const k of ['run', 'ref', 'backend'] as const)
    if (typeof o[k] !== 'string' || !o[k]) return `field "${k}" is missing or not a string`;
  if (!STATUSES.includes(o.status as string))
    return `field "status" is ${JSON.stringify(o.status)}, not a result status`;
  return undefined;
}

/**
 * Parses a history file's text. A line that is not JSON, lacks a field, or comes from a newer
 * hf-core is skipped with a warning naming it; nothing is thrown, and the file is never rewritten,
 * so no line is lost to a reader that does not understand it.
 */
export function parseHistory(text: string, file: string): { entries: HistoryEntry[]; warnings: HistoryWarning[] } {
  const entries: HistoryEntry[] = [];
  const warnings: HistoryWarning[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    if (!raw.trim()) return;
    const line = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      const torn = i === lines.length - 1;
      const why = torn
        ? 'an unfinished last line (a writer was killed mid-line, or is appending right now)'
        : `not JSON (${(err as Error).message})`;
      warnings.push({ file, line, message: `${why}: skipped, and kept in the file` });
      return;
    }
    const problem = problemOf(value);
    if (problem) warnings.push({ file, line, message: problem });
    else entries.push(value as HistoryEntry);
  });
  return { entries, warnings };
}

export function readHistory(file: string): { entries: HistoryEntry[]; warnings: HistoryWarning[] } {
  if (!existsSync(file)) return { entries: [], warnings: [] };
  return parseHistory(readFileSync(file, 'utf8'), file);
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** A lock left by a writer that died: older than this, or held by a dead process on this host. */
const STALE_LOCK_MS = 15_000;

function lockIsStale(lock: string): boolean {
  try {
    const [host, pid] = readFileSync(lock, 'utf8').split(' ');
    if (host === hostname() && Number(pid) > 0) {
      try {
        process.kill(Number(pid), 0);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true;
      }
    }
    return Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS;
  } catch {
    return false; // released between our open and our read: just try again
  }
}

/** Runs `fn` holding FILE.lock (O_EXCL), so writers on this machine or a shared disk take turns. */
export function withFileLock<T>(file: string, fn: () => T, waitMs = 60_000): T {
  const lock = `${file}.lock`;
  const deadline = Date.now() + waitMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, `${hostname()} ${process.pid}`);
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (lockIsStale(lock)) rmSync(lock, { force: true });
      else if (Date.now() > deadline)
        throw new HfCoreError(`${lock} has been held for over ${waitMs / 1000} s.`, {
          code: 'HISTORY_LOCKED',
          hint: 'Another hf-core is writing this history; if none is running, delete the .lock file.',
        });
      else sleep(delay + Math.random() * delay);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function endsWithNewline(file: string): boolean {
  const size = existsSync(file) ? statSync(file).size : 0;
  if (!size) return true;
  const fd = openSync(file, 'r');
  try {
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

/**
 * Appends a run's lines in one write under the file's lock. Shards writing the same file at once
 * take turns; a line torn by a writer that was killed is closed first, so it cannot swallow the
 * first new line.
 */
export function appendHistory(file: string, entries: HistoryEntry[]): void {
  if (!entries.length) return;
  mkdirSync(dirname(file), { recursive: true });
  const text = entries.map((e) => `${JSON.stringify(e)}\n`).join('');
  withFileLock(file, () => {
    const fd = openSync(file, 'a');
    try {
      writeSync(fd, endsWithNewline(file) ? text : `\n${text}`);
    } finally {
      closeSync(fd);
    }
  });
}

/** Run ids in time order: by `at` where lines have it, else by first appearance. */
export function orderRuns(entries: HistoryEntry[]): string[] {
  const first = new Map<string, { at: string; i: number }>();
  entries.forEach((e, i) => {
    if (!first.has(e.run)) first.set(e.run, { at: e.at ?? '', i });
  });
  return [...first.entries()]
    .sort(([, a], [, b]) => (a.at && b.at && a.at !== b.at ? (a.at < b.at ? -1 : 1) : a.i - b.i))
    .map(([run]) => run);
}

const rowKey = (e: HistoryEntry) => `${e.run}\u0000${e.backend}\u0000${e.ref}`;

/**
 * Joins histories (e.g. two CI caches that diverged): every row of every file once, runs in time
 * order. For the same run, model and backend the later file wins.
 */
export function mergeHistories(histories: HistoryEntry[][]): HistoryEntry[] {
  const rows = new Map<string, HistoryEntry>();
  for (const h of histories) for (const e of h) rows.set(rowKey(e), e);
  const all = [...rows.values()];
  const order = new Map(orderRuns(all).map((r, i) => [r, i]));
  return all
    .map((e, i) => ({ e, i }))
    .sort((a, b) => order.get(a.e.run)! - order.get(b.e.run)! || a.i - b.i)
    .map(({ e }) => e);
}
