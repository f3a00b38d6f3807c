/**
 * `pnpm coverage:catalog [family...]`: the full-catalog run of each family plugin (every type it
 * covers, on cpu, at pipeline level where it can), one script per family in scripts/coverage/.
 * Minutes, not seconds: not part of `pnpm test`.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'coverage');
const only = process.argv.slice(2);
const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && (!only.length || only.includes(basename(f, '.ts')))).sort();
for (const f of files) {
  console.log(`\n== coverage ${basename(f, '.ts')} ==`);
  const mod = (await import(pathToFileURL(join(dir, f)).href)) as { default?: () => Promise<void> };
  if (typeof mod.default !== 'function') throw new Error(`${f} does not default-export a function`);
  await mod.default();
}
