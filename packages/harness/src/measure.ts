import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { LatencyStats } from '@hf-core/core';

export interface MeasureOptions {
  warmup: number;
  minRuns: number;
  minMs: number;
  /** Upper bound on runs, so a fast model does not loop forever under a large minMs. */
  maxRuns: number;
}

/** Defaults, overridable with HF_CORE_MEASURE="warmup=3,runs=10,ms=200,max=1000". */
export function measureOptions(env = process.env.HF_CORE_MEASURE): MeasureOptions {
  const o: MeasureOptions = { warmup: 3, minRuns: 10, minMs: 200, maxRuns: 10_000 };
  for (const part of (env ?? '').split(',')) {
    const [k, v] = part.split('=');
    const n = Number(v);
    if (!k || !Number.isFinite(n)) continue;
    if (k === 'warmup') o.warmup = n;
    else if (k === 'runs') o.minRuns = n;
    else if (k === 'ms') o.minMs = n;
    else if (k === 'max') o.maxRuns = n;
  }
  return o;
}

/** Nearest-rank percentile of sorted samples. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

export function latencyStats(samples: number[]): LatencyStats {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = sorted.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? sorted.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return {
    p50: r(percentile(sorted, 50)),
    p90: r(percentile(sorted, 90)),
    p95: r(percentile(sorted, 95)),
    p99: r(percentile(sorted, 99)),
    mean: r(mean),
    stdev: r(Math.sqrt(variance)),
    n,
  };
}

/**
 * The socket of the run's timed-section lock (core's runner/timed-lock.ts sets it when models
 * run side by side); without it (a plain `vitest run`) timed sections run unlocked.
 */
const TIMED_LOCK_ENV = 'HF_CORE_TIMED_LOCK';

let lockSocket: Promise<Socket | undefined> | undefined;
let held = 0;
let lines: string[] = [];
let waiting: (() => void) | undefined;

function lockConnection(path: string): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    let s: Socket;
    try {
      s = connect(path);
    } catch {
      return resolve(undefined); // no sockets here (a browser page): time without the lock
    }
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      lines.push(...d.split('\n').filter(Boolean));
      waiting?.();
    });
    // A run that went away leaves nothing to wait for: time without the lock.
    s.once('error', () => resolve(undefined));
    s.once('close', () => {
      lockSocket = Promise.resolve(undefined);
      waiting?.();
    });
    s.once('connect', () => {
      s.unref();
      resolve(s);
    });
  });
}

async function acquire(s: Socket): Promise<void> {
  lines = [];
  s.ref(); // the wait for a grant keeps the process alive
  s.write('acquire\n');
  while (!lines.includes('granted') && !s.destroyed) await new Promise<void>((r) => (waiting = r));
  waiting = undefined;
  s.unref();
}

/**
 * Runs `fn` as a timed section: while it runs, no other model of the same run is in a timed
 * section (the run grants one at a time). Reentrant within a process; untimed work (loading,
 * warm-up, checks) runs outside and may overlap other models.
 */
export async function timedSection<T>(fn: () => Promise<T>): Promise<T> {
  const path = process.env[TIMED_LOCK_ENV];
  if (!path) return fn();
  const s = await (lockSocket ??= lockConnection(path));
  if (!s) return fn();
  if (held++ === 0) await acquire(s);
  try {
    return await fn();
  } finally {
    if (--held === 0 && !s.destroyed) s.write('release\n');
  }
}

/** Warmup runs, then at least `minRuns` runs and at least `minMs` of timed runs (a timed section). */
export async function timeRuns(fn: () => Promise<unknown>, o: MeasureOptions): Promise<number[]> {
  for (let i = 0; i < o.warmup; i++) await fn();
  return timedSection(async () => {
    const samples: number[] = [];
    const start = performance.now();
    while (samples.length < o.maxRuns && (samples.length < o.minRuns || performance.now() - start < o.minMs)) {
      const t0 = performance.now();
      await fn();
      samples.push(performance.now() - t0);
    }
    return samples;
  });
}

/** Peak resident set size of this process in MB (Linux VmHWM), or undefined elsewhere. */
export function peakRssMb(): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : undefined;
  } catch {
    return undefined;
  }
}
