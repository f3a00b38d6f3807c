import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCK_FILE, resultKey, ResultsWriter, type ModelResult } from '@hf-core/core';
import { testProcessesOf } from '../../core/src/test-fixtures/processes.ts';
import { main } from './index.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('./bin.ts', import.meta.url));
const MODELS = ['bert', 'roberta', 'albert', 'distilbert'];
const RUN = ['run', '--plugins', 'encoder,cpu', '--models', MODELS.join(','), '--jobs', '2', '--quiet'];
const FAST = ['--warmup', '1', '--runs', '3', '--min-ms', '0', '--reporters', 'json'];
// The first run times each model for 5 s (timed sections never overlap: 20 s in all), so it still
// holds the folder while the second writers, loading their plugins in this process, try it.
const HELD = ['--warmup', '1', '--runs', '3', '--min-ms', '5000', '--reporters', 'json'];

const root = mkdtempSync(join(tmpdir(), 'hf-core-interrupt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rows = (out: string): ModelResult[] => ResultsWriter.read(join(out, 'results.jsonl'));

function captureIO() {
  const err: string[] = [];
  return {
    err,
    io: { cwd: root, env: { ...process.env }, stdout: () => undefined, stderr: (s: string) => err.push(s) },
  };
}

describe('a parallel run on one output folder', () => {
  it('refuses a second writer (exit 2, naming the holder); Ctrl-C kills every test process and keeps the rows; --resume runs only the rest', async () => {
    const out = join(root, 'out');
    const child = spawn(
      process.execPath,
      ['--conditions=hf-core-source', '--import', 'tsx', BIN, ...RUN, '--out', out, ...HELD],
      {
        cwd: REPO,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((r) => child.on('exit', (code, sig) => r(sig ?? code)));

    // A row written, and two test processes running: the run is parallel and under way.
    while (rows(out).length < 1 || testProcessesOf(out).length < 2) {
      if (child.exitCode !== null) throw new Error(`the run ended too early: ${stderr}`);
      await sleep(50);
    }

    // A second writer (a run, a resume) is refused while the first holds the folder.
    for (const argv of [
      [...RUN, '--out', out],
      [...RUN, '--resume', out],
      ['report', out],
    ]) {
      const { err, io } = captureIO();
      const code = await main([...argv, ...(argv[0] === 'run' ? FAST : [])], io);
      expect(code, err.join('\n')).toBe(2);
      expect(err.join('\n')).toContain(`is being written by another hf-core process: pid ${child.pid} on`);
    }

    child.kill('SIGINT');
    expect(await exited).toBe('SIGINT');
    for (let i = 0; i < 30 && testProcessesOf(out).length; i++) await sleep(100);
    expect(testProcessesOf(out)).toEqual([]);
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
    const kept = rows(out);
    expect(kept.length).toBeGreaterThanOrEqual(1);
    expect(kept.length).toBeLessThan(MODELS.length);

    const { err, io } = captureIO();
    const loud = RUN.filter((a) => a !== '--quiet');
    expect(await main([...loud, '--resume', out, ...FAST], io), err.join('\n')).toBe(0);
    const all = rows(out);
    // Every model once; the rows written before Ctrl-C are the same rows (not run again).
    expect(all.map((r) => r.ref).sort()).toEqual([...MODELS].sort());
    expect(new Set(all.map(resultKey)).size).toBe(all.length);
    expect(all.slice(0, kept.length)).toEqual(kept);
    expect(err.join('\n')).toContain(`(${kept.length} already done, resuming)`);
  }, 240_000);
});
