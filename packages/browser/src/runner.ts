/**
 * The process hf-core runs for a job on a browser backend (RunJob.runner), in the job's own
 * process group: `node runner <testFile>`. It runs the generated test file in a page, then adds
 * to the job's records (HF_CORE_RESULT_FILE) what only the runner sees: the browser's memory,
 * the requests the page made, and a page error, a blocked request or a load failure as an
 * error. A crashed renderer ends the process with a message core reads as a crash.
 */
import { appendFileSync } from 'node:fs';
import type { HarnessRecord } from '@hf-core/core';
import { findChromium } from './chromium.ts';
import { RUNNER_ENV } from './job.ts';
import type { PageRoots } from './node-calls.ts';
import type { PageDevice } from './page/config.ts';
import { runPageTest, type PageRunResult } from './run-page.ts';

function record(r: HarnessRecord): void {
  const file = process.env.HF_CORE_RESULT_FILE;
  if (file) appendFileSync(file, `${JSON.stringify(r)}\n`);
}

/** Ends this run's process group if the hf-core run that started it is gone (as vitest's config does). */
function watchOwner(): void {
  const owner = Number(process.env.HF_CORE_PARENT_PID);
  if (!owner) return;
  setInterval(() => {
    if (process.ppid === owner) return;
    try {
      process.kill(-process.pid, 'SIGKILL');
    } catch {
      process.exit(1);
    }
  }, 500).unref();
}

function report(r: PageRunResult): number {
  for (const t of r.tests) {
    const mark = t.state === 'pass' ? '✓' : t.state === 'skip' ? '↓' : '×';
    const note = t.state === 'pass' ? ` ${Math.round(t.ms)}ms` : ` (${t.message})`;
    console.log(`  ${mark} ${t.name}${note}`);
  }
  const n = (s: string) => r.tests.filter((t) => t.state === s).length;
  console.log(`\n Tests  ${n('pass')} passed | ${n('fail')} failed | ${n('skip')} skipped (${r.tests.length})`);
  console.log(
    ` Browser ${r.browserVersion ?? '-'}: bundle ${r.timings.bundle_ms} ms, start ${r.timings.launch_ms} ms, page ${r.timings.page_ms} ms; ` +
      `${r.served} local requests, ${r.blocked.length} blocked, ${r.refused.length} refused`,
  );
  if (r.loadError) record({ t: 'error', phase: 'load', message: `the test did not load in the page: ${r.loadError}` });
  if (r.blocked.length)
    record({
      t: 'error',
      phase: 'network',
      message: `the page tried to reach ${r.blocked.slice(0, 3).join(', ')}${r.blocked.length > 3 ? ` and ${r.blocked.length - 3} more` : ''}: blocked, hf-core runs offline (every file comes from its 127.0.0.1 server)`,
    });
  if (r.pageErrors.length) record({ t: 'error', phase: 'page', message: `page error: ${r.pageErrors.join('; ')}` });
  const metrics: Record<string, number | undefined> = {
    ...r.memory,
    js_heap_peak_mb: r.jsHeapPeakMb,
    page_requests: r.served,
    page_requests_blocked: r.blocked.length,
    browser_start_ms: r.timings.launch_ms,
  };
  for (const [name, value] of Object.entries(metrics)) if (value !== undefined) record({ t: 'metric', name, value });
  if (r.crashed) {
    console.log(`\npage crashed: the renderer process exited unexpectedly (${r.crashReason ?? 'no reason given'})`);
    return 1;
  }
  const failed = n('fail') > 0 || !!r.loadError || r.pageErrors.length > 0 || r.blocked.length > 0;
  return failed ? 1 : 0;
}

async function main(): Promise<number> {
  watchOwner();
  const testFile = process.argv[2];
  const device = process.env[RUNNER_ENV.device] as PageDevice | undefined;
  if (!testFile || (device !== 'wasm' && device !== 'webgpu')) {
    console.error(`usage: ${RUNNER_ENV.device}=wasm|webgpu node runner <testFile>`);
    return 2;
  }
  const found = findChromium();
  if ('missing' in found) {
    record({ t: 'error', phase: 'launch', message: found.missing });
    return 1;
  }
  const roots = JSON.parse(process.env[RUNNER_ENV.roots] ?? '{"read":[],"write":[]}') as PageRoots;
  const flags = (process.env[RUNNER_ENV.flags] ?? '').split(' ').filter(Boolean);
  try {
    const r = await runPageTest({
      testFile,
      device,
      chromium: found.path,
      chromiumFlags: flags,
      env: process.env,
      roots,
      log: (line) => console.log(line),
    });
    return report(r);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    record({ t: 'error', phase: 'launch', message: `the browser run failed: ${message}` });
    console.error(message);
    return 1;
  }
}

process.exitCode = await main();
process.exit();
