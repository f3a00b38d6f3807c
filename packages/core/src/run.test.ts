import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ResultsWriter } from './results.ts';
import { RUNLOG_ENV } from './test-fixtures/isolation.ts';
import { testProcessesOf } from './test-fixtures/processes.ts';
import type { ModelResult } from './types.ts';

const CHILD = fileURLToPath(new URL('./test-fixtures/run-child.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
// The last one takes 8 s, so a test process orphaned by a SIGKILLed run would outlive the check.
const TYPES = ['fx-good', 'fx-good-2', 'fx-slow'];

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rows = (outDir: string): ModelResult[] => ResultsWriter.read(join(outDir, 'results.jsonl'));

function startRun(outDir: string, runlog: string, resume: boolean) {
  const child = spawn(process.execPath, ['--conditions=hf-core-source', '--import', 'tsx', CHILD, outDir, ...TYPES], {
    cwd: REPO,
    env: { ...process.env, [RUNLOG_ENV]: runlog, HF_CORE_FIXTURE_RESUME: resume ? '1' : '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, stderr: () => stderr };
}

/** Starts a run, waits for `rowsBefore + 1` rows and the next model's test process, then kills it. */
async function killAfterOneMoreRow(
  outDir: string,
  runlog: string,
  resume: boolean,
  signal: NodeJS.Signals,
): Promise<ModelResult[]> {
  const rowsBefore = rows(outDir).length;
  const run = startRun(outDir, runlog, resume);
  while (rows(outDir).length <= rowsBefore) {
    if (run.child.exitCode !== null) throw new Error(`the run ended before its next result: ${run.stderr()}`);
    await sleep(50);
  }
  // Kill it while the next model's test process is running.
  while (testProcessesOf(outDir).length === 0 && rows(outDir).length < TYPES.length) await sleep(20);
  run.child.kill(signal);
  await run.exited;
  return rows(outDir);
}

describe('resume', () => {
  it('a run killed half-way (SIGTERM, then SIGKILL) resumes with nothing lost, nothing finished run twice, and no test left running', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'hf-core-resume-'));
    dirs.push(outDir);
    const runlog = join(outDir, 'runlog.txt');

    // SIGTERM: the run kills the test process in flight on its way out.
    const afterTerm = await killAfterOneMoreRow(outDir, runlog, false, 'SIGTERM');
    expect(afterTerm).toHaveLength(1);
    await sleep(300);
    expect(testProcessesOf(outDir)).toEqual([]);

    // SIGKILL: nothing runs in the dead run; the orphaned vitest notices and ends its group.
    const afterKill = await killAfterOneMoreRow(outDir, runlog, true, 'SIGKILL');
    expect(afterKill).toHaveLength(2);
    for (let i = 0; i < 30 && testProcessesOf(outDir).length; i++) await sleep(100);
    expect(testProcessesOf(outDir)).toEqual([]);

    const last = startRun(outDir, runlog, true);
    expect(await last.exited).toBe(0);
    const after = rows(outDir);
    expect(after.map((r) => r.ref).sort()).toEqual([...TYPES].sort());
    expect(after.every((r) => r.status === 'pass')).toBe(true);
    // Rows written before each kill are kept as they were, not rewritten.
    expect(after.slice(0, 2)).toEqual(afterKill);
    expect(afterKill.slice(0, 1)).toEqual(afterTerm);
    // A model whose row was written ran exactly once; each run's in-flight model ran again.
    const runs = readFileSync(runlog, 'utf8').trim().split('\n');
    for (const r of afterKill.slice(0, 1)) expect(runs.filter((x) => x === r.ref)).toHaveLength(1);
    for (const t of TYPES) expect(runs).toContain(t);
    expect(runs.filter((x) => x === afterKill[1]!.ref).length).toBeLessThanOrEqual(2);
  }, 240_000);
});
