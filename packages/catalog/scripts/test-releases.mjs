// `pnpm test:releases`: reads the real transformers 4.57.6, 5.17.0 and 5.18.0 wheels (downloading
// the missing ones with pip into node_modules/.cache/hf-core), then prints "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const report = join(mkdtempSync(join(tmpdir(), 'hf-core-releases-')), 'vitest.json');
const vitest = join(dirname(createRequire(join(repo, 'package.json')).resolve('vitest/package.json')), 'vitest.mjs');
const res = spawnSync(
  process.execPath,
  [
    vitest,
    'run',
    'packages/catalog/src/upstream/wheels.test.ts',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
  ],
  { cwd: repo, stdio: 'inherit', env: { ...process.env, HF_CORE_RELEASE_WHEELS: '1' } },
);
try {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  console.log(
    `\n${r.numPassedTests} passed, ${r.numFailedTests} failed, ${(r.numPendingTests ?? 0) + (r.numTodoTests ?? 0)} skipped`,
  );
} catch {
  console.log('\nno test report was written (vitest did not finish)');
}
process.exit(res.status ?? 1);
