import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
// The middle one takes 8 s: each kill lands while it runs (a fast model could finish between
// seeing its process and the kill), and a test process orphaned by a SIGKILLed run would outlive the check.
const TYPES = ['fx-good', 'fx-slow', 'fx-good-2'];

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rows = (outDir: string): ModelResult[] => ResultsWriter.read(join(outDir, 'results.jsonl'));
/** How often each generated test was started (each appends its ref to the run log on import). */
const started = (runlog: string, ref: string): number =>
  existsSync(runlog)
    ? readFileSync(runlog, 'utf8')
        .split('\n')
        .filter((x) => x === ref).length
    : 0;

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

/** Starts a run, waits until fx-slow's test process has started `times` times in all, then kills the run. */
async function killWhileSlowRuns(
  outDir: string,
  runlog: string,
  opts: { resume: boolean; signal: NodeJS.Signals; times: number },
): Promise<ModelResult[]> {
  const run = startRun(outDir, runlog, opts.resume);
  // fx-slow's process starts ahead (it imports its test while fx-good still runs): wait for fx-good's row too.
  const goodDone = () => existsSync(join(outDir, 'results.jsonl')) && rows(outDir).some((r) => r.ref === 'fx-good');
  while (started(runlog, 'fx-slow') < opts.times || testProcessesOf(outDir).length === 0 || !goodDone()) {
    if (run.child.exitCode !== null) throw new Error(`the run ended before fx-slow started: ${run.stderr()}`);
    await sleep(50);
  }
  run.child.kill(opts.signal);
  await run.exited;
  return rows(outDir);
}

describe('resume', () => {
  it('a run killed half-way (SIGTERM, then SIGKILL) resumes with nothing lost, nothing finished run twice, and no test left running', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'hf-core-resume-'));
    dirs.push(outDir);
    const runlog = join(outDir, 'runlog.txt');

    // SIGTERM: the run kills the test processes in flight on its way out.
    const afterTerm = await killWhileSlowRuns(outDir, runlog, { resume: false, signal: 'SIGTERM', times: 1 });
    expect(afterTerm.map((r) => r.ref)).toEqual(['fx-good']);
    await sleep(300);
    expect(testProcessesOf(outDir)).toEqual([]);

    // SIGKILL: nothing runs in the dead run; its orphaned test processes notice and end their groups.
    const afterKill = await killWhileSlowRuns(outDir, runlog, { resume: true, signal: 'SIGKILL', times: 2 });
    expect(afterKill).toEqual(afterTerm);
    for (let i = 0; i < 30 && testProcessesOf(outDir).length; i++) await sleep(100);
    expect(testProcessesOf(outDir)).toEqual([]);

    const last = startRun(outDir, runlog, true);
    expect(await last.exited).toBe(0);
    const after = rows(outDir);
    expect(after.map((r) => r.ref).sort()).toEqual([...TYPES].sort());
    expect(after.every((r) => r.status === 'pass')).toBe(true);
    // The row written before the kills is kept as it was, not rewritten.
    expect(after[0]).toEqual(afterTerm[0]);
    // The model whose row was written ran exactly once; the ones in flight ran again.
    expect(started(runlog, 'fx-good')).toBe(1);
    expect(started(runlog, 'fx-slow')).toBe(3);
    expect(started(runlog, 'fx-good-2')).toBeGreaterThanOrEqual(1);
  }, 240_000);
});
