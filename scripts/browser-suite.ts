/**
 * `pnpm test:browser`: one model of every family on both browser backends (real Chromium,
 * wasm and webgpu), through `hf-core run`, each checked at pipeline level with parity against
 * cpu. Minutes, not part of `pnpm test` (which runs bert on both). Ends with one line,
 * "N passed, N failed", and exits 1 when a row failed. Without Chromium every row is a skip
 * that says how to install it, and the line says so.
 * HF_CORE_BROWSER_SUITE_OUT sets the output folder (default /tmp/hf-core-browser-suite).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '@hf-core/cli';
import { FAILING_STATUSES, type RunSummary } from '@hf-core/core';

/** One model type per family plugin. */
const ONE_PER_FAMILY: Record<string, string> = {
  encoder: 'bert',
  decoder: 'llama',
  'encoder-decoder': 't5',
  vision: 'vit',
  speech: 'whisper',
  multimodal: 'clip',
  other: 'patchtst',
};
const BACKENDS = ['browser-wasm', 'browser-webgpu'];

const out = process.env.HF_CORE_BROWSER_SUITE_OUT ?? '/tmp/hf-core-browser-suite';
const code = await main([
  'run',
  '--plugins',
  [...Object.keys(ONE_PER_FAMILY), ...BACKENDS].join(','),
  '--models',
  Object.values(ONE_PER_FAMILY).join(','),
  '--out',
  out,
  // A correctness suite, not a benchmark: short timing loops (SwiftShader's WebGPU runs a whisper
  // encoder forward in seconds), and more time a model than the default 5 minutes.
  ...['--warmup', '1', '--runs', '3', '--min-ms', '0', '--timeout', '900000'],
]);
const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as RunSummary;
const rows = summary.results;
for (const r of rows)
  console.log(
    `${r.status.padEnd(7)} ${r.modelType} [${r.backend}] ${r.level ?? '-'} ${r.status === 'pass' ? '' : r.reason}`,
  );
const passed = rows.filter((r) => r.status === 'pass' && r.level === 'pipeline').length;
const failed = rows.filter(
  (r) => FAILING_STATUSES.includes(r.status) || (r.status === 'pass' && r.level !== 'pipeline'),
);
const skipped = rows.length - passed - failed.length;
console.log(
  `\n${passed} passed, ${failed.length} failed${skipped ? ` (${skipped} skipped: ${rows.find((r) => r.status === 'skip')?.reason})` : ''}`,
);
process.exit(failed.length || code === 2 ? 1 : 0);
