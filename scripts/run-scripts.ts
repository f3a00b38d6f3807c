/**
 * Runs every script in a folder of scripts/ (or those named): `pnpm bench [name...]` runs
 * scripts/bench/, `pnpm coverage:catalog [family...]` runs scripts/coverage/. Each script
 * default-exports an async function that prints its numbers. They print; they never assert, so
 * a slow machine does not turn into a flaky test. Coverage runs take minutes: not in `pnpm test`.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [folder, ...only] = process.argv.slice(2);
if (folder !== 'bench' && folder !== 'coverage') throw new Error('usage: run-scripts.ts bench|coverage [name...]');
const dir = join(fileURLToPath(new URL('.', import.meta.url)), folder);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && (!only.length || only.includes(basename(f, '.ts'))))
  .sort();
if (!files.length) throw new Error(`no scripts matched in ${dir}: ${only.join(', ')}`);
for (const f of files) {
  console.log(`\n== ${folder} ${basename(f, '.ts')} ==`);
  const mod = (await import(pathToFileURL(join(dir, f)).href)) as { default?: () => Promise<void> };
  if (typeof mod.default !== 'function') throw new Error(`${f} does not default-export a function`);
  await mod.default();
}
