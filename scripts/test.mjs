// `pnpm test`: the type-check of every package, the formatter and linter, then vitest over every package, then one plain
// closing line ("N passed, N failed, N skipped") that CI systems read. Fails if either fails.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
const typecheck = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit'], { stdio: 'inherit' });
console.log(typecheck.status === 0 ? 'typecheck: every package type-checks' : 'typecheck: FAILED (errors above)');

// Formatter and linter (biome.jsonc): `pnpm format` writes the fixes.
const biome = join(dirname(createRequire(import.meta.url).resolve('@biomejs/biome/package.json')), 'bin', 'biome');
const lint = spawnSync(process.execPath, [biome, 'check', '.', '--max-diagnostics=50'], { stdio: 'inherit' });
console.log(
  lint.status === 0 ? 'lint: biome check passes' : 'lint: FAILED (run `pnpm format`, then fix what remains above)',
);

const report = join(mkdtempSync(join(tmpdir(), 'hf-core-test-')), 'vitest.json');
const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const args = [
  vitest,
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
];
const res = spawnSync(process.execPath, args, {
  stdio: 'inherit',
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
});
try {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`\n${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
} catch {
  console.log('\nno test report was written (vitest did not finish)');
}
process.exit(typecheck.status !== 0 || lint.status !== 0 ? 1 : (res.status ?? 1));
