/**
 * `pnpm bench`: runs every benchmark in scripts/bench/ (or those named: `pnpm bench classify`).
 * Each default-exports an async function that prints its numbers. Benchmarks print; they do not
 * assert, so a slow machine never turns into a flaky test.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'bench');
const only = process.argv.slice(2);
const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && (!only.length || only.includes(basename(f, '.ts')))).sort();
for (const f of files) {
  console.log(`\n== bench ${basename(f, '.ts')} ==`);
  const mod = (await import(pathToFileURL(join(dir, f)).href)) as { default?: () => Promise<void> };
  if (typeof mod.default !== 'function') throw new Error(`${f} does not default-export a function`);
  await mod.default();
}
