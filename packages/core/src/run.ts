import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { HfCore } from './core.ts';
import { HfCoreError } from './errors.ts';
import { FALLBACK_PLUGIN, fallbackPlugin } from './fallback.ts';
import type { Fixer, Generated } from './generate.ts';
import { defaultResolveFrom, type RunnerStart, type TestRunner, vitestConfigSource } from './isolate.ts';
import { lockOutputFolder } from './out-lock.ts';
import { resultKey, ResultsWriter, summarize } from './results.ts';
import { type Attempt, generateFor, type RunSettings, runWithFallbacks, writeTimings } from './run-model.ts';
import { runnerScripts } from './runner/scripts.ts';
import { TimedSectionLock } from './runner/timed-lock.ts';
import { transformCacheDir } from './runner/transform.ts';
import type { UncoveredRow } from './coverage.ts';
import type { Classification, ModelResult, RunSummary } from './types.ts';
import { type ModelOptions, planVariants } from './variants.ts';

export interface RunOptions {
  outDir: string;
  backends: string[];
  /** Per-model time limit (ms) for one backend's test process. */
  timeoutMs?: number;
  /** Per-model memory cap (MB) over the test process tree; 0 disables it. */
  memoryCapMb?: number;
  /** Keep rows of `results.jsonl` already there and run only what is missing. */
  resume?: boolean;
  /** Measurement settings passed to the harness (HF_CORE_MEASURE). */
  measure?: { warmup?: number; runs?: number; minMs?: number };
  seed?: number;
  /** Test processes at once (default: the number of cores, at most one per GiB of memory). Timed sections never overlap. */
  jobs?: number;
  /** Intra-op threads of the runtime in each test process (HF_CORE_THREADS; engines default to 1). */
  threads?: number;
  /** hf-core's runner (default), or the vitest CLI for each test file. */
  runner?: TestRunner;
  /**
   * Reuse what the output folder holds from an earlier run when its inputs match (default true):
   * synthesized models whose stamp (type, plugin, seed, size, hf-core version) matches, and tests
   * whose rendered source and file are those of a past fix (not type-checked again).
   */
  reuseModels?: boolean;
  fixer?: Fixer;
  /** File inside the hf-core install from which generated tests resolve @hf-core/* and vitest. */
  resolveFrom?: string;
  onProgress?: (event: ProgressEvent) => void;
  /** Warnings (e.g. a stale output-folder lock taken over). */
  onWarning?: (message: string) => void;
  toolVersion?: string;
  /** Rows reported as `skip` without running (coverage.ts builds them), one per backend. */
  skipRows?: UncoveredRow[];
  /** dtype variants of real checkpoint folders to test (`--dtype fp32,q8`), each its own row (variants.ts). */
  dtypes?: string[];
  /** Options of single models (a config file's `models:` entries: dtype, backends), keyed by ref. */
  perModel?: Record<string, ModelOptions>;
}

export type ProgressEvent =
  | { kind: 'start'; total: number; resumed: number; jobs: number }
  | { kind: 'result'; index: number; total: number; result: ModelResult };

export const RUN_DEFAULTS = {
  timeoutMs: 300_000,
  memoryCapMb: 8192,
  /**
   * One test process per core plus one (timed sections run one at a time, so while one process
   * holds the lock the others' untimed work fills the cores), at most one per GiB of memory.
   */
  jobs: Math.max(1, Math.min(availableParallelism() + 1, Math.floor(totalmem() / 2 ** 30))),
} as const;

function measureEnv(m: RunOptions['measure']): string {
  if (!m) return '';
  return [
    m.warmup !== undefined && `warmup=${m.warmup}`,
    m.runs !== undefined && `runs=${m.runs}`,
    m.minMs !== undefined && `ms=${m.minMs}`,
  ]
    .filter(Boolean)
    .join(',');
}

/** A row for a model that did not run (skip, or an error before its test process). */
export function rowWithoutRun(
  c: Classification,
  backend: string,
  status: ModelResult['status'],
  reason: string,
  started: number,
): ModelResult {
  return {
    ref: c.ref,
    modelType: c.modelType,
    family: c.family,
    backend,
    status,
    reason,
    level: null,
    checks: [],
    metrics: {},
    started_at: new Date(started).toISOString(),
    duration_ms: Math.round(Date.now() - started),
  };
}

/** At most `n` holders at once; waiters are served in order. */
class Slots {
  private readonly waiting: (() => void)[] = [];
  constructor(private free: number) {}
  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return Promise.resolve();
    }
    return new Promise((r) => this.waiting.push(r));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free += 1;
  }
}

/**
 * Generates each model's test and runs it on each backend, each in its own process, `jobs` at
 * a time, writing a result row as each finishes; then the summary and the reports. The tests are
 * generated one after the other in this process while earlier ones run; each test process is
 * started as soon as its test is written, imports it, and waits for a free slot to run.
 */
export async function runModels(
  core: HfCore,
  classifications: Classification[],
  opts: RunOptions,
): Promise<RunSummary> {
  for (const b of opts.backends) {
    if (!core.backends.has(b)) {
      throw new HfCoreError(`Backend "${b}" is not loaded.`, {
        code: 'BACKEND_NOT_LOADED',
        hint: `Loaded backends: ${[...core.backends.keys()].join(', ') || 'none'}. Add its plugin with --plugins ${b}.`,
        exitCode: 2,
      });
    }
  }
  if (!core.plugins.some((p) => p.name === FALLBACK_PLUGIN)) await core.use(fallbackPlugin);
  const outDir = resolve(opts.outDir);
  const release = lockOutputFolder(outDir, opts.resume ? 'hf-core run --resume' : 'hf-core run', opts.onWarning);
  let lock: TimedSectionLock | undefined;
  try {
    lock = await TimedSectionLock.start();
    return await runLocked(core, classifications, opts, outDir, lock);
  } finally {
    await lock?.close();
    release();
  }
}

async function runLocked(
  core: HfCore,
  classifications: Classification[],
  opts: RunOptions,
  outDir: string,
  lock: TimedSectionLock,
): Promise<RunSummary> {
  mkdirSync(join(outDir, 'logs'), { recursive: true });
  const startedAt = new Date().toISOString();
  const resultsFile = join(outDir, 'results.jsonl');
  if (!opts.resume) for (const f of [resultsFile, join(outDir, 'logs', 'timings.jsonl')]) rmSync(f, { force: true });
  const previous = opts.resume ? ResultsWriter.read(resultsFile) : [];
  const done = new Map(previous.map((r) => [resultKey(r), r]));
  const writer = new ResultsWriter(resultsFile);
  const configFile = join(outDir, 'vitest.config.mjs');
  const timeoutMs = opts.timeoutMs ?? RUN_DEFAULTS.timeoutMs;
  const resolveFrom = opts.resolveFrom ?? defaultResolveFrom();
  writeFileSync(configFile, vitestConfigSource({ resolveFrom, testTimeoutMs: timeoutMs }));
  const jobs = opts.jobs ?? RUN_DEFAULTS.jobs;
  const toolVersion = opts.toolVersion ?? '0.1.0';
  let runner: RunnerStart | undefined;
  if ((opts.runner ?? 'hf-core') === 'hf-core') {
    const cacheDir = transformCacheDir(outDir);
    runner = { ...(await runnerScripts(cacheDir)), resolveFrom, cacheDir };
  }
  const settings: RunSettings = {
    core,
    outDir,
    configFile,
    timeoutMs,
    memoryCapMb: opts.memoryCapMb ?? RUN_DEFAULTS.memoryCapMb,
    env: {
      HF_CORE_MEASURE: measureEnv(opts.measure),
      ...(opts.threads !== undefined ? { HF_CORE_THREADS: String(opts.threads) } : {}),
      ...lock.env(),
    },
    seed: opts.seed,
    fixer: opts.fixer,
    toolVersion,
    runner,
    reuseModels: opts.reuseModels ?? true,
  };

  const planned = planVariants(classifications, {
    backends: opts.backends,
    dtypes: opts.dtypes,
    perModel: opts.perModel,
  });
  const total = planned.runs.reduce((n, r) => n + r.backends.length, 0);
  opts.onProgress?.({ kind: 'start', total, resumed: done.size, jobs });
  // Rows in plan order for the summary, whatever order they finish in.
  const order = new Map<string, number>();
  const rank = (r: ModelResult) => order.get(resultKey(r)) ?? Number.MAX_SAFE_INTEGER;
  const results: ModelResult[] = [...previous];
  let index = done.size;
  const record = async (row: ModelResult, progress: boolean) => {
    writer.append(row);
    results.push(row);
    if (!progress) return;
    await core.hooks.result.promise(row);
    opts.onProgress?.({ kind: 'result', index: ++index, total, result: row });
  };
  const skips = [...(opts.skipRows ?? []).map((r) => ({ ...r, backends: opts.backends })), ...planned.missing];
  for (const m of skips) {
    for (const backend of m.backends) {
      const key = resultKey({ ref: m.classification.ref, backend });
      order.set(key, order.size);
      if (!done.has(key)) await record(rowWithoutRun(m.classification, backend, 'skip', m.reason, Date.now()), false);
    }
  }

  const slots = new Slots(Math.max(1, jobs));
  const running: Promise<void>[] = [];
  const runTask = async (c: Classification, g: Generated, backend: string, first: boolean, gate: Promise<void>) => {
    const t0 = Date.now();
    try {
      let attempt: Attempt;
      try {
        attempt = await runWithFallbacks(settings, c, g, backend, gate);
      } catch (err) {
        // A hook or plugin threw: the row says so, and the run goes on.
        await gate;
        const reason = err instanceof Error ? err.message : String(err);
        const result = rowWithoutRun(c, backend, 'error', reason, t0);
        attempt = { result, timings: { ref: c.ref, backend, status: 'error', runner: runner ? 'hf-core' : 'vitest' } };
      }
      await record(attempt.result, true);
      const { endAt, ...timings } = attempt.timings;
      writeTimings(outDir, {
        ...timings,
        ...(first ? { prepare_ms: g.timings.prepareMs, template_fix_ms: g.timings.templateFixMs } : {}),
        ...(endAt ? { report_ms: Date.now() - endAt } : {}),
        wall_ms: Date.now() - t0,
      });
    } finally {
      await gate;
      slots.release();
    }
  };
  // The next task is generated while the last one started waits for its slot: at most one
  // test process waits ahead, already started and its test imported.
  let lastGate: Promise<void> = Promise.resolve();
  for (const { classification: c, backends } of planned.runs) {
    for (const b of backends) order.set(resultKey({ ref: c.ref, backend: b }), order.size);
    const pending = backends.filter((b) => !done.has(resultKey({ ref: c.ref, backend: b })));
    if (!pending.length) continue;
    const started = Date.now();
    let generated: Generated | undefined;
    let genError: string | undefined;
    if (!c.family) genError = `not classified: ${c.reason}`;
    else {
      try {
        generated = await generateFor(settings, c);
      } catch (err) {
        genError = err instanceof Error ? err.message : String(err);
      }
    }
    for (const [i, backend] of pending.entries()) {
      await lastGate;
      if (!generated) {
        await record(rowWithoutRun(c, backend, 'error', genError!, started), true);
        continue;
      }
      const gate = slots.acquire();
      running.push(runTask(c, generated, backend, i === 0, gate));
      lastGate = gate;
    }
  }
  await Promise.all(running);

  results.sort((a, b) => rank(a) - rank(b));
  const summary = summarize(results, {
    tool: { name: 'hf-core', version: toolVersion },
    started_at: startedAt,
    finished_at: new Date().toISOString(),
    options: {
      backends: opts.backends,
      timeoutMs,
      memoryCapMb: settings.memoryCapMb,
      resume: !!opts.resume,
      measure: opts.measure ?? {},
      jobs,
      runner: runner ? 'hf-core' : 'vitest',
      ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
    },
  });
  await core.hooks.report.promise({ outDir, summary, written: {} });
  return summary;
}
