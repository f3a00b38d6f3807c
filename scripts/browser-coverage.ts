/**
 * `pnpm coverage:browser [family...]`: every type each family synthesizes, on cpu and on both
 * browser backends (real Chromium, wasm and webgpu). Prints the pass counts by family and
 * backend as the Markdown table the README shows, then the types that pass on cpu but fail in
 * the browser, each with the runtime's message (findings about transformers.js or
 * onnxruntime-web in the browser), and ends with "N passed, N failed" over the browser rows.
 * Hours on a 2-core machine (SwiftShader's WebGPU takes minutes a model), so it resumes: a
 * second run continues where the first stopped (delete <out>/<family>-browser to start over),
 * and HF_CORE_COVERAGE_BACKENDS=cpu,browser-wasm runs a subset of backends first. The table is
 * also written to <out>/browser-coverage.md.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAILING_STATUSES, type ModelResult } from '@hf-core/core';
import { coverFamily } from './cover-family.ts';

const FAMILIES = ['encoder', 'decoder', 'encoder-decoder', 'vision', 'speech', 'multimodal', 'other'];
const BROWSER = ['browser-wasm', 'browser-webgpu'];
const BACKENDS = ['cpu', ...BROWSER];
const RUN_ON = process.env.HF_CORE_COVERAGE_BACKENDS?.split(',') ?? BACKENDS;
const ROOT = process.env.HF_CORE_COVERAGE_OUT ?? '/tmp/hf-core-coverage';

const families = process.argv.slice(2).length ? process.argv.slice(2) : FAMILIES;
const rows: { family: string; results: ModelResult[] }[] = [];
for (const family of families) {
  const folder = `${family}-browser`;
  // Continues an earlier run. Coverage, not a benchmark: short timing loops, and more than the
  // default 5 minutes a model (SwiftShader's WebGPU is slow).
  const args = ['--resume', join(ROOT, folder), '--warmup', '1', '--runs', '3', '--min-ms', '0', '--timeout', '900000'];
  const summary = await coverFamily(family, RUN_ON, { folder, args });
  rows.push({ family, results: summary.results.filter((r) => !r.reason.startsWith('not covered yet')) });
}

const cell = (results: ModelResult[], backend: string) => {
  const on = results.filter((r) => r.backend === backend);
  if (!on.length) return 'not run yet';
  const pipeline = on.filter((r) => r.status === 'pass' && r.level === 'pipeline').length;
  const session = on.filter((r) => r.status === 'pass' && r.level === 'session').length;
  return `${pipeline} of ${on.length}${session ? ` (+${session} session level)` : ''}`;
};
const table = [
  `| family | ${BACKENDS.join(' | ')} |`,
  `| --- | ${BACKENDS.map(() => '---').join(' | ')} |`,
  ...rows.map(({ family, results }) => `| ${family} | ${BACKENDS.map((b) => cell(results, b)).join(' | ')} |`),
];

const browserOnly: string[] = [];
for (const { family, results } of rows) {
  const cpuPass = new Set(results.filter((r) => r.backend === 'cpu' && r.status === 'pass').map((r) => r.ref));
  for (const r of results)
    if (BROWSER.includes(r.backend) && FAILING_STATUSES.includes(r.status) && cpuPass.has(r.ref))
      browserOnly.push(`- ${family} ${r.modelType} [${r.backend}] ${r.status}: ${r.reason.slice(0, 300)}`);
}

const text = [
  'Types that pass at pipeline level, by family and backend:',
  '',
  ...table,
  '',
  `Pass on cpu, fail in the browser (${browserOnly.length}):`,
  ...(browserOnly.length ? browserOnly : ['- none']),
].join('\n');
console.log(`\n${text}`);
writeFileSync(join(ROOT, 'browser-coverage.md'), `${text}\n`);
const browserRows = rows.flatMap((r) => r.results).filter((r) => BROWSER.includes(r.backend));
const passed = browserRows.filter((r) => r.status === 'pass').length;
const failed = browserRows.filter((r) => FAILING_STATUSES.includes(r.status)).length;
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
