import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { foldResult, parseRecords, runIsolated, type ModelResult } from '@hf-core/core';
import { findChromium } from './chromium.ts';
import { RUNNER_ENV, runnerArgs } from './job.ts';

const chromium = findChromium();
const dir = mkdtempSync(join(tmpdir(), 'hf-core-runner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A test file run by the runner as core runs a browser job; its row folded as core folds it. */
async function runJob(name: string, body: string, flags = ''): Promise<ModelResult> {
  const testFile = join(dir, `${name}.test.ts`);
  writeFileSync(
    testFile,
    `import { describe, it } from 'vitest';\ndescribe(${JSON.stringify(name)}, () => {\n${body}\n});\n`,
  );
  const records = join(dir, `${name}.records.jsonl`);
  const proc = await runIsolated({
    testFile,
    configFile: join(dir, 'vitest.config.mjs'),
    env: {
      [RUNNER_ENV.device]: 'wasm',
      [RUNNER_ENV.roots]: JSON.stringify({ read: [dir], write: [dir] }),
      [RUNNER_ENV.flags]: flags,
      HF_CORE_RESULT_FILE: records,
    },
    timeoutMs: 600_000,
    memoryCapMb: 0,
    logFile: join(dir, `${name}.log`),
    command: runnerArgs(),
  });
  const base = { ref: name, modelType: name, family: null, backend: 'browser-wasm', started_at: '' };
  return foldResult(base, existsSync(records) ? parseRecords(readFileSync(records, 'utf8')) : [], proc);
}

describe.skipIf(!('path' in chromium))('the browser runner, as core runs it', () => {
  it('a renderer that runs out of memory makes the row a crash, and the runner returns', async () => {
    const row = await runJob(
      'oom',
      `  it('allocates until the renderer dies', () => {
    const keep: number[][] = [];
    for (;;) keep.push(new Array(1e6).fill(1.5));
  });`,
      '--js-flags=--max-old-space-size=64',
    );
    expect(row.status, row.reason).toBe('crash');
    expect(row.reason).toMatch(/the test process died \(process exited unexpectedly\)/);
    expect(row.evidence?.outputTail).toMatch(/page crashed: the renderer process exited unexpectedly/);
    expect(row.metrics.browser_peak_pss_mb).toBeGreaterThan(0);
  }, 600_000);

  it('an unhandled rejection in the page makes the row an error with its message, though every test passed', async () => {
    const row = await runJob(
      'rejects',
      `  it('starts work it never awaits', async () => {
    void Promise.reject(new Error('nobody catches me'));
    await new Promise((r) => setTimeout(r, 100));
  });`,
    );
    expect(row).toMatchObject({ status: 'error', reason: 'page error: Error: nobody catches me' });
    expect(row.metrics).toMatchObject({ page_requests_blocked: 0 });
  }, 600_000);
});
