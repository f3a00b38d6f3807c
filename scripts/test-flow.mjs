// `pnpm test:flow`: vitest over the slow end-to-end suites (vitest.flow.config.ts), then one plain
// closing line ("N passed, N failed") that CI reads. Extra arguments go to vitest.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const report = join(mkdtempSync(join(tmpdir(), 'hf-core-flow-')), 'vitest.json');
const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const res = spawnSync(
  process.execPath,
  [
    vitest,
    'run',
    '--config',
    'vitest.flow.config.ts',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } },
);
try {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  console.log(`\n${r.numPassedTests} passed, ${r.numFailedTests} failed`);
} catch {
  console.log('\n0 passed, 1 failed (vitest did not finish)');
}
process.exit(res.status ?? 1);
