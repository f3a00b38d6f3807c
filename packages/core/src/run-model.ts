/**
 * One model x backend of a run: generate its test, run it in its own process (runner/), fold
 * the process's records into a row, let the fallback taps retry it, and note where the time went
 * (`logs/timings.jsonl`, read by `pnpm bench`).
 */
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { HfCore } from './core.ts';
import { type Fixer, type Generated, generateTest, inside, safeName } from './generate.ts';
import type { PrepareContext, RunJob } from './hooks.ts';
import { type ProcessOutcome, type RunnerStart, runIsolated } from './isolate.ts';
import { foldResult, parseRecords } from './results.ts';
import { RUNNER_SHIM_MISSING_EXIT, type RunnerPhase } from './runner/protocol.ts';
import { compileTs } from './runner/transform.ts';
import type { Classification, ModelResult } from './types.ts';

/** The settled options of one run, shared by its model x backend tasks. */
export interface RunSettings {
  core: HfCore;
  outDir: string;
  configFile: string;
  timeoutMs: number;
  memoryCapMb: number;
  /** Environment every test process gets (measurement settings, threads, the timed-section lock). */
  env: Record<string, string>;
  seed?: number;
  fixer?: Fixer;
  toolVersion: string;
  /** hf-core's runner; undefined runs each test under the vitest CLI. */
  runner?: RunnerStart;
  /** Reuse synthesized models and fixed tests whose inputs did not change. */
  reuseModels: boolean;
}

/** Where one row's time went, in ms; one JSON line per row in `logs/timings.jsonl`. */
export interface RowTimings {
  ref: string;
  backend: string;
  status: ModelResult['status'];
  runner: 'hf-core' | 'vitest';
  /** Synthesizing (or finding) the model, and template + fix chain: the model's first row only. */
  prepare_ms?: number;
  template_fix_ms?: number;
  /** Process start until node and the loader were up. */
  spawn_ms?: number;
  /** Importing the test file and what it imports. */
  imports_ms?: number;
  /** The model's load_ms metric, and the rest of the tests' time. */
  load_ms?: number;
  checks_ms?: number;
  /** From the end of the tests to the row written (process exit, folding, result hook). */
  report_ms?: number;
  /** CPU time (user + system) of the test process, where it said. */
  cpu_ms?: number;
  wall_ms: number;
}

/** The generated test of a model (a smaller size after an oom), compiled for the runner ahead of need. */
export async function generateFor(
  s: RunSettings,
  c: Classification,
  size?: PrepareContext['size'],
): Promise<Generated> {
  const g = await generateTest(s.core, c, {
    outDir: s.outDir,
    seed: s.seed,
    fixer: s.fixer,
    size,
    reuseModels: s.reuseModels,
    stampVersion: s.toolVersion,
    ...(s.reuseModels ? { fixCacheDir: join(s.outDir, '.cache', 'fixed') } : {}),
  });
  if (s.runner) await compileTs(s.runner.cacheDir, readFileSync(g.testFile, 'utf8'), g.testFile, s.runner.esbuildUrl);
  return g;
}

/** vitest's closing `Duration 1.65s (transform 274ms, setup 0ms, import 317ms, tests 926ms, ...)`. */
function vitestDurations(output: string): Record<string, number> | undefined {
  const m = /Duration\s+([\d.]+)(m?s) \(([^)]*)\)/.exec(output);
  if (!m) return undefined;
  const ms = (v: string, unit: string) => Number(v) * (unit === 's' ? 1000 : 1);
  const out: Record<string, number> = { total: ms(m[1]!, m[2]!) };
  for (const part of m[3]!.split(', ')) {
    const p = /(\w+) ([\d.]+)(m?s)/.exec(part);
    if (p) out[p[1]!] = ms(p[2]!, p[3]!);
  }
  return out;
}

function timingsOf(
  row: ModelResult,
  proc: ProcessOutcome,
  phases: Map<RunnerPhase, { at: number; cpuMs: number }>,
  spawnedAt: number,
  exitedAt: number,
): AttemptTimings {
  const load = typeof row.metrics.load_ms === 'number' ? row.metrics.load_ms : undefined;
  const base = { ref: row.ref, backend: row.backend, status: row.status, load_ms: load };
  const started = phases.get('started');
  // hf-core's runner says when each phase ended; vitest prints its own split at the end.
  const imported = phases.get('imported');
  const tests = phases.get('tests');
  if (started) {
    return {
      ...base,
      runner: 'hf-core',
      spawn_ms: Math.round(started.at - spawnedAt),
      ...(imported ? { imports_ms: Math.round(imported.at - started.at) } : {}),
      ...(imported && tests ? { checks_ms: Math.round(tests.at - imported.at - (load ?? 0)) } : {}),
      ...(tests ? { cpu_ms: tests.cpuMs } : {}),
      endAt: tests?.at ?? exitedAt,
    };
  }
  const v = vitestDurations(proc.outputTail);
  if (!v) return { ...base, runner: 'vitest', endAt: exitedAt };
  return {
    ...base,
    runner: 'vitest',
    spawn_ms: Math.round(proc.durationMs - v.total!),
    imports_ms: Math.round((v.transform ?? 0) + (v.import ?? 0) + (v.setup ?? 0)),
    checks_ms: Math.round((v.tests ?? 0) - (load ?? 0)),
    endAt: exitedAt,
  };
}

/** A row's timings as the attempt knows them, and when its tests ended (epoch ms). */
type AttemptTimings = Omit<RowTimings, 'report_ms' | 'wall_ms'> & { endAt?: number };

export interface Attempt {
  result: ModelResult;
  timings: AttemptTimings;
}

/** Runs one generated test on one backend in its own process; the row as the records and the exit tell. */
export async function runOnBackend(
  s: RunSettings,
  c: Classification,
  g: Generated,
  backend: string,
  gate?: Promise<void>,
): Promise<Attempt> {
  const startedAt = new Date().toISOString();
  const name = `${safeName(c.ref)}.${backend}`;
  const recordFile = inside(s.outDir, join('logs', `${name}.records.jsonl`));
  rmSync(recordFile, { force: true });
  const job: RunJob = await s.core.hooks.run.for(backend).promise({
    backend,
    classification: c,
    prepared: g.prepared,
    testFile: g.testFile,
    env: { ...s.env, HF_CORE_RESULT_FILE: recordFile },
    timeoutMs: s.timeoutMs,
    memoryCapMb: s.memoryCapMb,
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
    await gate;
    const result: ModelResult = {
      ...base,
      status: 'skip',
      reason: job.skip,
      level: null,
      checks: [],
      metrics: {},
      duration_ms: 0,
    };
    return { result, timings: { ref: c.ref, backend, status: 'skip', runner: s.runner ? 'hf-core' : 'vitest' } };
  }
  const phases = new Map<RunnerPhase, { at: number; cpuMs: number }>();
  const isolated = (runner: RunnerStart | undefined, waitFor?: Promise<void>) =>
    runIsolated({
      testFile: job.testFile,
      configFile: s.configFile,
      env: job.env,
      timeoutMs: job.timeoutMs,
      memoryCapMb: job.memoryCapMb,
      logFile: inside(s.outDir, join('logs', `${name}.log`)),
      runner,
      ...(job.runner ? { command: job.runner } : {}),
      gate: waitFor,
      onPhase: (phase, at, cpuMs) => phases.set(phase, { at, cpuMs }),
    });
  let spawnedAt = Date.now();
  // A backend with its own runner (the browser ones) runs the file its way, not through hf-core's runner.
  let proc = await isolated(job.runner ? undefined : s.runner, gate);
  if (s.runner && proc.exitCode === RUNNER_SHIM_MISSING_EXIT) {
    // The file imports from vitest what hf-core's runner does not offer: vitest runs it.
    await gate;
    phases.clear();
    rmSync(recordFile, { force: true });
    spawnedAt = Date.now();
    proc = await isolated(undefined);
  }
  const exitedAt = Date.now();
  const records = existsSync(recordFile) ? parseRecords(readFileSync(recordFile, 'utf8')) : [];
  const result = foldResult(base, records, proc);
  return { result, timings: timingsOf(result, proc, phases, spawnedAt, exitedAt) };
}

/** Runs a model on a backend, then lets the fallback taps answer a failed attempt with another. */
export async function runWithFallbacks(
  s: RunSettings,
  c: Classification,
  g: Generated,
  backend: string,
  gate: Promise<void>,
): Promise<Attempt> {
  const first = await runOnBackend(s, c, g, backend, gate);
  let last = first;
  const result = await s.core.hooks.fallback.promise(first.result, {
    classification: c,
    backend,
    prepared: g.prepared,
    testFile: g.testFile,
    retry: async (variant, opts) => {
      last = await runOnBackend(s, variant, await generateFor(s, variant, opts?.size), backend);
      return last.result;
    },
  });
  return { result, timings: { ...last.timings, ref: result.ref, status: result.status } };
}

/** Appends one row's timings to `logs/timings.jsonl`. */
export function writeTimings(outDir: string, t: RowTimings): void {
  appendFileSync(join(outDir, 'logs', 'timings.jsonl'), `${JSON.stringify(t)}\n`);
}
