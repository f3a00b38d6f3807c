/**
 * TypeScript to JavaScript for hf-core's test runner, with a cache on disk keyed by the source's
 * hash: a test process loads each harness and plugin module from the cache (no compiler loaded
 * at all), and core writes each generated test's JavaScript there as it writes the file, so a
 * run compiles every module once, not once per model.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadEsbuild } from './scripts.ts';

let esbuild: ReturnType<typeof loadEsbuild> | undefined;

/** Where compiled modules of a run are kept: `<outDir>/.cache/js`. */
export const transformCacheDir = (outDir: string): string => join(outDir, '.cache', 'js');

const cacheFile = (dir: string, source: string): string =>
  join(dir, `${createHash('sha256').update(source).digest('hex').slice(0, 40)}.mjs`);

/** The cached JavaScript of `source`, if a process compiled it before. */
export function cachedJs(dir: string, source: string): string | undefined {
  const file = cacheFile(dir, source);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/**
 * Compiles one TypeScript module to an ES module (types removed, inline source map so stack
 * traces name the .ts lines) and caches it. Written under a temporary name, then renamed: several
 * test processes may compile the same module at once.
 */
export async function compileTs(dir: string, source: string, path: string, esbuildUrl?: string): Promise<string> {
  const cached = cachedJs(dir, source);
  if (cached !== undefined) return cached;
  const { transform } = await (esbuild ??= loadEsbuild(esbuildUrl));
  const out = await transform(source, {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    sourcemap: 'inline',
    sourcefile: path.startsWith('file:') ? fileURLToPath(path) : path,
  });
  mkdirSync(dir, { recursive: true });
  const file = cacheFile(dir, source);
  const part = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(part, out.code);
  renameSync(part, file);
  return out.code;
}
