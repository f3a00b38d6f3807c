/**
 * Benchmark: the main job. `hf-core run` with the default plugins into a fresh folder (wall
 * time, and CPU time: user + system of the whole process tree), its per-model time split from
 * `logs/timings.jsonl` (spawn, imports, synthesize, template + fix, load, checks, report), then
 * `pnpm test` (wall and CPU). CPU/run is the whole run's CPU (every process) over its model
 * runs. Targets on 2 idle cores: the run <= 120 s, `pnpm test` <= 150 s. Prints; never asserts.
 * Timings on a shared machine are noisy: compare CPU time there.
 *
 * BEFORE holds what the code before the change measured (the vitest CLI per model, one model at
 * a time). HF_CORE_BENCH_BEFORE=1 measures that path again now (`--runner vitest --jobs 1`);
 * HF_CORE_BENCH_JOBS=n sets --jobs of the run; HF_CORE_BENCH_SKIP_TEST=1 skips `pnpm test`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RowTimings } from '@hf-core/core';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

type Split = Record<(typeof SPLIT)[number], number>;
const SPLIT = ['spawn', 'imports', 'synthesize', 'template+fix', 'load', 'checks', 'report'] as const;

/**
 * Measured before the change (commit abba92b), `pnpm hf-core run` on this 2-core machine while
 * it was shared (load average 6 to 28): 225 model runs + 35 skip rows, all passing; the issue
 * measured the same job at ~560 s wall on an idle machine of this kind. Split per model: vitest's
 * own Duration line in each model's log (transform + import; tests minus load_ms as checks), the
 * rest of each process's time as spawn; synthesize, template + fix and report from the same path
 * measured again after the change (`--runner vitest --jobs 1`: 424.7 s CPU, so the same work).
 * CPU per model is the whole run's CPU (parent and test processes) over its 225 runs.
 */
const BEFORE = {
  wallS: 981.5,
  cpuS: 431.7,
  rows: 260,
  cpuPerModelMs: 1919,
  split: {
    spawn: 1082,
    imports: 1414,
    synthesize: 154,
    'template+fix': 1142,
    load: 127,
    checks: 1538,
    report: 1,
  } satisfies Split,
};

/** CPU seconds (user + system) of this process's finished children, from /proc (Linux). */
function childrenCpuS(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of stat (cutime, cstime) are at 13 and 14 after the command name.
    const ticks = Number(f[13]) + Number(f[14]);
    const hz = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
    return ticks / hz;
  } catch {
    return Number.NaN;
  }
}

function timed(cmd: string, args: string[]): { wallS: number; cpuS: number; code: number | null; tail: string } {
  const cpu0 = childrenCpuS();
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: REPO, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const out = `${r.stdout}${r.stderr}`;
  return {
    wallS: (performance.now() - t0) / 1000,
    cpuS: childrenCpuS() - cpu0,
    code: r.status,
    tail: out.trim().split('\n').slice(-3).join('\n'),
  };
}

function splitOf(out: string): { rows: number; split: Split; testCpuMs: number } {
  const file = join(out, 'logs', 'timings.jsonl');
  const rows = existsSync(file)
    ? readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as RowTimings)
        .filter((t) => t.status !== 'skip')
    : [];
  const mean = (k: keyof RowTimings) => {
    const xs = rows.map((r) => r[k]).filter((x): x is number => typeof x === 'number');
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
  };
  return {
    rows: rows.length,
    testCpuMs: mean('cpu_ms'),
    split: {
      spawn: mean('spawn_ms'),
      imports: mean('imports_ms'),
      synthesize: mean('prepare_ms'),
      'template+fix': mean('template_fix_ms'),
      load: mean('load_ms'),
      checks: mean('checks_ms'),
      report: mean('report_ms'),
    },
  };
}

const ms = (x: number) => (Number.isFinite(x) ? String(Math.round(x)) : '-').padStart(14);

function printSplit(label: string, s: Split, cpu: number): void {
  console.log(`${label.padEnd(34)}${SPLIT.map((k) => ms(s[k])).join('')}${ms(cpu)}`);
}

function hfCoreRun(label: string, extra: string[]) {
  const out = mkdtempSync(join(tmpdir(), 'hf-core-bench-run-'));
  const bin = join(REPO, 'packages/cli/src/bin.ts');
  const r = timed(process.execPath, [
    '--conditions=hf-core-source',
    '--import',
    'tsx',
    bin,
    'run',
    '--out',
    out,
    '--quiet',
    ...extra,
  ]);
  const s = splitOf(out);
  const cpuPerModelMs = (r.cpuS * 1000) / Math.max(1, s.rows);
  console.log(
    `${label}: ${r.wallS.toFixed(1)} s wall, ${r.cpuS.toFixed(1)} s CPU, exit ${r.code} (${out})\n  ${r.tail.replace(/\n/g, '\n  ')}`,
  );
  if (Number.isFinite(s.testCpuMs)) console.log(`  test process CPU: ${Math.round(s.testCpuMs)} ms per run (mean)`);
  return { ...r, ...s, cpuPerModelMs };
}

export default async function runBench(): Promise<void> {
  const jobs = process.env.HF_CORE_BENCH_JOBS;
  const after = hfCoreRun(
    `hf-core run (default plugins, cpu${jobs ? `, --jobs ${jobs}` : ', --jobs = cores + 1'})`,
    jobs ? ['--jobs', jobs] : [],
  );
  console.log('target: <= 120 s wall on 2 idle cores');
  const before = process.env.HF_CORE_BENCH_BEFORE
    ? hfCoreRun('the old path now (--runner vitest --jobs 1)', ['--runner', 'vitest', '--jobs', '1'])
    : undefined;
  console.log(
    `\nper model x backend, mean ms${' '.repeat(6)}${SPLIT.map((k) => k.padStart(14)).join('')}${'CPU/run'.padStart(14)}`,
  );
  printSplit(`after (${after.rows} runs)`, after.split, after.cpuPerModelMs);
  if (before) printSplit(`old path now (${before.rows} runs)`, before.split, before.cpuPerModelMs);
  printSplit('before (measured, see BEFORE)', BEFORE.split, BEFORE.cpuPerModelMs);
  console.log(
    `before: ${BEFORE.wallS} s wall, ${BEFORE.cpuS} s CPU for ${BEFORE.rows} rows (shared machine; ~560 s wall idle per the issue)`,
  );
  if (!process.env.HF_CORE_BENCH_SKIP_TEST) {
    const t = timed(process.execPath, [join(REPO, 'scripts/test.mjs')]);
    console.log(
      `\npnpm test: ${t.wallS.toFixed(1)} s wall, ${t.cpuS.toFixed(1)} s CPU, exit ${t.code}; target <= 150 s`,
    );
    console.log(`  ${t.tail.replace(/\n/g, '\n  ')}`);
  }
}
