import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { HfCore } from './core.ts';
import { HfCoreError } from './errors.ts';
import { withOomFallback } from './fallback.ts';
import { generateTest, inside, safeName, type Fixer } from './generate.ts';
import type { RunJob } from './hooks.ts';
import { defaultResolveFrom, runIsolated, vitestConfigSource } from './isolate.ts';
import { foldResult, parseRecords, resultKey, ResultsWriter, summarize } from './results.ts';
import type { Classification, ModelResult, RunSummary } from './types.ts';
import { fallBackToLighterDtype, planVariants, type ModelOptions } from './variants.ts';

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
  fixer?: Fixer;
  /** File inside the hf-core install from which generated tests resolve @hf-core/* and vitest. */
  resolveFrom?: string;
  onProgress?: (event: ProgressEvent) => void;
  toolVersion?: string;
  /** Models a family knows but cannot test yet: each becomes a `skip` row with its reason. */
  uncovered?: { classification: Classification; reason: string }[];
  /** dtype variants of real checkpoint folders to test (`--dtype fp32,q8`), each its own row (variants.ts). */
  dtypes?: string[];
  /** Options of single models (a config file's `models:` entries: dtype, backends), keyed by ref. */
  perModel?: Record<string, ModelOptions>;
}

export type ProgressEvent =
  | { kind: 'start'; total: number; resumed: number }
  | { kind: 'result'; index: number; total: number; result: ModelResult };

const DEFAULTS = { timeoutMs: 300_000, memoryCapMb: 8192 };

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

function errorResult(
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

/**
 * Generates each model's test, runs it on each backend in its own process, writes a result row
 * as each finishes, then the summary and the reports.
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
  const outDir = resolve(opts.outDir);
  mkdirSync(join(outDir, 'logs'), { recursive: true });
  const startedAt = new Date().toISOString();
  const resultsFile = join(outDir, 'results.jsonl');
  if (!opts.resume && existsSync(resultsFile)) rmSync(resultsFile);
  const previous = opts.resume ? ResultsWriter.read(resultsFile) : [];
  const done = new Map(previous.map((r) => [resultKey(r), r]));
  const writer = new ResultsWriter(resultsFile);
  const configFile = join(outDir, 'vitest.config.mjs');
  const timeoutMs = opts.timeoutMs ?? DEFAULTS.timeoutMs;
  writeFileSync(
    configFile,
    vitestConfigSource({ resolveFrom: opts.resolveFrom ?? defaultResolveFrom(), testTimeoutMs: timeoutMs }),
  );

  const planned = planVariants(classifications, {
    backends: opts.backends,
    dtypes: opts.dtypes,
    perModel: opts.perModel,
  });
  const total = planned.runs.reduce((n, r) => n + r.backends.length, 0);
  opts.onProgress?.({ kind: 'start', total, resumed: done.size });
  const results: ModelResult[] = [...previous];
  let index = done.size;
  for (const u of opts.uncovered ?? []) {
    for (const backend of opts.backends) {
      if (done.has(resultKey({ ref: u.classification.ref, backend }))) continue;
      const row = errorResult(u.classification, backend, 'skip', `not covered yet: ${u.reason}`, Date.now());
      writer.append(row);
      results.push(row);
    }
  }
  for (const m of planned.missing) {
    for (const backend of m.backends) {
      if (done.has(resultKey({ ref: m.classification.ref, backend }))) continue;
      const row = errorResult(m.classification, backend, 'skip', m.reason, Date.now());
      writer.append(row);
      results.push(row);
    }
  }
  for (const { classification: c, backends } of planned.runs) {
    const pending = backends.filter((b) => !done.has(resultKey({ ref: c.ref, backend: b })));
    if (!pending.length) continue;
    const started = Date.now();
    let generated: Awaited<ReturnType<typeof generateTest>> | undefined;
    let genError: string | undefined;
    if (!c.family) genError = `not classified: ${c.reason}`;
    else {
      try {
        generated = await generateTest(core, c, { outDir, seed: opts.seed, fixer: opts.fixer });
      } catch (err) {
        genError = err instanceof Error ? err.message : String(err);
      }
    }
    for (const backend of pending) {
      let result: ModelResult;
      if (!generated) result = errorResult(c, backend, 'error', genError!, started);
      else {
        const ctx = { ...opts, outDir, configFile, timeoutMs };
        result = await runOnBackend(core, c, generated, backend, ctx);
        result = await withOomFallback(core, c, generated, result, ctx, (micro) =>
          runOnBackend(core, c, micro, backend, ctx),
        );
        result = await fallBackToLighterDtype(c, result, async (lighter) =>
          runOnBackend(
            core,
            lighter,
            await generateTest(core, lighter, { outDir, seed: opts.seed, fixer: opts.fixer }),
            backend,
            ctx,
          ),
        );
      }
      writer.append(result);
      await core.hooks.result.promise(result);
      results.push(result);
      opts.onProgress?.({ kind: 'result', index: ++index, total, result });
    }
  }
  const summary = summarize(results, {
    tool: { name: 'hf-core', version: opts.toolVersion ?? '0.1.0' },
    started_at: startedAt,
    finished_at: new Date().toISOString(),
    options: {
      backends: opts.backends,
      timeoutMs,
      memoryCapMb: opts.memoryCapMb ?? DEFAULTS.memoryCapMb,
      resume: !!opts.resume,
      measure: opts.measure ?? {},
    },
  });
  await core.hooks.report.promise({ outDir, summary, written: {} });
  return summary;
}

async function runOnBackend(
  core: HfCore,
  c: Classification,
  g: Awaited<ReturnType<typeof generateTest>>,
  backend: string,
  opts: RunOptions & { configFile: string; timeoutMs: number },
): Promise<ModelResult> {
  const startedAt = new Date().toISOString();
  const name = `${safeName(c.ref)}.${backend}`;
  const recordFile = inside(opts.outDir, join('logs', `${name}.records.jsonl`));
  rmSync(recordFile, { force: true });
  const job: RunJob = await core.hooks.run.for(backend).promise({
    backend,
    classification: c,
    prepared: g.prepared,
    testFile: g.testFile,
    env: { HF_CORE_RESULT_FILE: recordFile, HF_CORE_MEASURE: measureEnv(opts.measure) },
    timeoutMs: opts.timeoutMs,
    memoryCapMb: opts.memoryCapMb ?? DEFAULTS.memoryCapMb,
  });
  const base = {
    ref: c.ref,
    modelType: c.modelType,
    family: c.family,
    backend,
    model: {
      dir: g.prepared.dir,
      files: g.prepared.files,
      testFile: g.testFile,
      synthesized: g.prepared.synthesized,
      ...(c.dtype ? { dtype: c.dtype } : {}),
    },
    started_at: startedAt,
  };
  if (job.skip) {
    return { ...base, status: 'skip', reason: job.skip, level: null, checks: [], metrics: {}, duration_ms: 0 };
  }
  const proc = await runIsolated({
    testFile: job.testFile,
    configFile: opts.configFile,
    env: job.env,
    ...(job.runner ? { runner: job.runner } : {}),
    timeoutMs: job.timeoutMs,
    memoryCapMb: job.memoryCapMb,
    logFile: inside(opts.outDir, join('logs', `${name}.log`)),
  });
  const records = existsSync(recordFile) ? parseRecords(readFileSync(recordFile, 'utf8')) : [];
  return foldResult(base, records, proc);
}
