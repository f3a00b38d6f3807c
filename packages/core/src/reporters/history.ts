import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { HfCorePlugin } from '../plugin.ts';
import type { ModelResult, ResultStatus } from '../types.ts';

export const PLUGIN_NAME = 'hf-core:report-history';

/** One line of history per model x backend per run: enough to see trends and regressions. */
export interface HistoryEntry {
  run: string;
  ref: string;
  backend: string;
  status: ResultStatus;
  level: string | null;
  load_ms?: number;
  p50_ms?: number;
  peak_rss_mb?: number;
  tokens_per_s?: number;
}

export interface Regression {
  ref: string;
  backend: string;
  what: string;
}

const key = (e: { ref: string; backend: string }) => `${e.backend}\u0000${e.ref}`;

function entryOf(run: string, r: ModelResult): HistoryEntry {
  const m = r.metrics;
  return {
    run,
    ref: r.ref,
    backend: r.backend,
    status: r.status,
    level: r.level,
    load_ms: m.load_ms,
    p50_ms: m.latency_ms?.p50,
    peak_rss_mb: m.peak_rss_mb,
    tokens_per_s: m.tokens_per_s,
  };
}

/**
 * What got worse since each model's previous run: a status that passed and no longer does, a
 * level lost, or p50 latency / peak RSS up by more than `threshold` (a fraction) — tiny models
 * time in fractions of a millisecond, so changes under `minMs` are noise and ignored.
 */
export function findRegressions(
  previous: HistoryEntry[],
  current: HistoryEntry[],
  threshold = 0.25,
  minMs = 0.05,
): Regression[] {
  const last = new Map<string, HistoryEntry>();
  for (const e of previous) last.set(key(e), e);
  const out: Regression[] = [];
  for (const e of current) {
    const p = last.get(key(e));
    if (!p) continue;
    if (p.status === 'pass' && e.status !== 'pass' && e.status !== 'skip')
      out.push({ ref: e.ref, backend: e.backend, what: `status pass -> ${e.status}` });
    if (p.level === 'pipeline' && e.level === 'session')
      out.push({ ref: e.ref, backend: e.backend, what: 'level pipeline -> session' });
    if (
      p.p50_ms !== undefined &&
      e.p50_ms !== undefined &&
      e.p50_ms - p.p50_ms > minMs &&
      e.p50_ms > p.p50_ms * (1 + threshold)
    ) {
      out.push({
        ref: e.ref,
        backend: e.backend,
        what: `p50 latency ${p.p50_ms} -> ${e.p50_ms} ms (+${Math.round((e.p50_ms / p.p50_ms - 1) * 100)}%)`,
      });
    }
    if (p.peak_rss_mb !== undefined && e.peak_rss_mb !== undefined && e.peak_rss_mb > p.peak_rss_mb * (1 + threshold)) {
      out.push({ ref: e.ref, backend: e.backend, what: `peak RSS ${p.peak_rss_mb} -> ${e.peak_rss_mb} MB` });
    }
  }
  return out;
}

async function readHistory(file: string): Promise<HistoryEntry[]> {
  try {
    return (await readFile(file, 'utf8'))
      .split('\n')
      .filter((l) => l.trim())
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as HistoryEntry];
        } catch {
          return [];
        }
      });
  } catch {
    return [];
  }
}

/**
 * OUT/history.jsonl gets one line per result of every run written to that folder (CI keeps the
 * folder, or just this file, between nightly runs); OUT/regressions.json lists what got worse
 * since each model's previous run.
 */
export const historyReporter = (opts: { file?: string } = {}): HfCorePlugin => ({
  name: PLUGIN_NAME,
  apply(core) {
    core.hooks.report.tapPromise(PLUGIN_NAME, async (ctx) => {
      const file = opts.file ?? join(ctx.outDir, 'history.jsonl');
      const previous = await readHistory(file);
      const current = ctx.summary.results.map((r) => entryOf(ctx.summary.started_at, r));
      const regressions = findRegressions(previous, current);
      await mkdir(dirname(file), { recursive: true });
      await appendFile(file, current.map((e) => `${JSON.stringify(e)}\n`).join(''));
      const out = join(ctx.outDir, 'regressions.json');
      await writeFile(out, `${JSON.stringify({ since: previous.at(-1)?.run ?? null, regressions }, null, 2)}\n`);
      ctx.written.history = file;
      ctx.written.regressions = out;
    });
  },
});
