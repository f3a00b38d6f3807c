import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ResultsWriter } from './results.ts';
import { RUNLOG_ENV } from './test-fixtures/isolation.ts';
import type { ModelResult } from './types.ts';

const CHILD = fileURLToPath(new URL('./test-fixtures/run-child.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const TYPES = ['fx-good', 'fx-good-2', 'fx-good-3'];

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function startRun(outDir: string, runlog: string, resume: boolean) {
  return spawn(process.execPath, ['--conditions=hf-core-source', '--import', 'tsx', CHILD, outDir, ...TYPES], {
    cwd: REPO,
    env: { ...process.env, [RUNLOG_ENV]: runlog, HF_CORE_FIXTURE_RESUME: resume ? '1' : '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

const rows = (outDir: string): ModelResult[] => ResultsWriter.read(join(outDir, 'results.jsonl'));
const exited = (child: ReturnType<typeof spawn>) => new Promise<number | null>((r) => child.on('exit', (code) => r(code)));

/** Processes still running a test of `outDir` (their command line names its vitest config). */
function testProcessesOf(outDir: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(join(outDir, 'vitest.config.mjs'))) out.push(Number(pid));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

describe('resume', () => {
  it('a run killed after its first result resumes with nothing lost and nothing finished run twice', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'hf-core-resume-'));
    dirs.push(outDir);
    const runlog = join(outDir, 'runlog.txt');

    const first = startRun(outDir, runlog, false);
    let stderr = '';
    first.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const firstExit = exited(first);
    while (rows(outDir).length < 1) {
      if (first.exitCode !== null) throw new Error(`the run ended before its first result: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // Kill it while the next model's test process is running.
    while (testProcessesOf(outDir).length === 0 && rows(outDir).length < TYPES.length) await new Promise((r) => setTimeout(r, 20));
    first.kill('SIGTERM');
    await firstExit;
    const before = rows(outDir);
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(before.length).toBeLessThan(TYPES.length);
    // The test process of the model in flight died with the run (it runs in its own group).
    await new Promise((r) => setTimeout(r, 300));
    expect(testProcessesOf(outDir)).toEqual([]);

    const second = startRun(outDir, runlog, true);
    expect(await exited(second)).toBe(0);
    const after = rows(outDir);
    expect(after.map((r) => r.ref).sort()).toEqual([...TYPES].sort());
    expect(after.every((r) => r.status === 'pass')).toBe(true);
    // Rows written before the kill are kept as they were, not rewritten.
    expect(after.slice(0, before.length)).toEqual(before);
    const runs = readFileSync(runlog, 'utf8').trim().split('\n');
    for (const r of before) expect(runs.filter((x) => x === r.ref)).toHaveLength(1);
    for (const t of TYPES) expect(runs).toContain(t);
  }, 180_000);
});
