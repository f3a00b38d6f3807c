// `pnpm test:exports`: every real export through the whole hf-core pipeline (generate, fix, one
// isolated process per model x backend) on cpu and wasm: the torch.onnx.export corpus in
// fixtures/torch-exports (each dtype variant it ships) and the six exports in
// ../shared/fixtures/real-exports. Prints one row per result (status, level, reference parity,
// why not higher), then the closing line `N passed, N failed`. Exit 1 when a row fails, or when
// an fp32 row's reference parity is past 1e-4.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunSummary } from '@hf-core/core';

const repo = fileURLToPath(new URL('..', import.meta.url));
const corpus = join(repo, 'fixtures', 'torch-exports');
const shared = join(repo, '..', 'shared', 'fixtures', 'real-exports');
const backends = (process.env.HF_CORE_EXPORT_BACKENDS ?? 'cpu,wasm').split(',');

const models = [
  ...readdirSync(corpus)
    .sort()
    .map((n) => {
      const source = JSON.parse(readFileSync(join(corpus, n, 'SOURCE.json'), 'utf8')) as { variants: string[] };
      return { path: join(corpus, n), dtype: source.variants };
    }),
  ...(existsSync(shared) ? readdirSync(shared).sort() : []).map((n) => ({ path: join(shared, n) })),
];
const out = mkdtempSync(join(tmpdir(), 'hf-core-exports-'));
const config = join(out, 'hf-core.config.json');
writeFileSync(config, JSON.stringify({ models }, null, 1));
const args = ['--conditions=hf-core-source', '--import', 'tsx', join(repo, 'packages/cli/src/bin.ts'), 'run'];
args.push('--config', config, '--plugins', ['checkpoint', ...backends].join(','), '--backends', backends.join(','));
args.push('--out', join(out, 'results'), '--warmup', '0', '--runs', '2', '--min-ms', '0', '--quiet');
console.log(`hf-core run over ${models.length} folders on ${backends.join(', ')} (results in ${out}/results)`);
const run = spawnSync(process.execPath, args, {
  cwd: repo,
  stdio: 'inherit',
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
});

const summaryFile = join(out, 'results', 'summary.json');
if (!existsSync(summaryFile)) {
  console.log(`hf-core run exited with ${run.status} and wrote no summary\n0 passed, 1 failed`);
  process.exit(1);
}
const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as RunSummary;
let passed = 0;
let failed = 0;
let skipped = 0;
for (const r of summary.results) {
  const parity = r.checks.find((c) => c.name === 'reference-parity');
  const diffs = Object.values((parity?.details?.maxAbsDiff as Record<string, number> | undefined) ?? {});
  const worst = diffs.length ? Math.max(...diffs) : undefined;
  const parityTooFar = r.model?.dtype === 'fp32' && worst !== undefined && !(worst <= 1e-4);
  const ok = r.status === 'pass' && !parityTooFar;
  if (r.status === 'skip') skipped++;
  else if (ok) passed++;
  else failed++;
  const name = r.ref.replace(`${corpus}/`, 'corpus/').replace(`${shared}/`, 'shared/');
  console.log(
    `${ok ? 'PASS' : r.status.toUpperCase().padEnd(4)} ${name} [${r.backend}] ${r.level ?? '-'}${worst !== undefined ? ` parity ${worst.toExponential(2)}` : ''}${ok ? '' : `: ${r.reason.slice(0, 400)}`}`,
  );
  if (r.level === 'session') console.log(`     why not higher: ${r.levelReason ?? '?'}`);
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
