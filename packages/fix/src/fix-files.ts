import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { HfCoreError, type FixDiagnostic, type HfCore } from '@hf-core/core';
import { fixSource } from './fix-source.ts';
import { writeFixedFile } from './write.ts';

export interface FileFixResult {
  file: string;
  /** The fixed text differs from the file on disk. */
  changed: boolean;
  changedBy: string[];
  diagnostics: FixDiagnostic[];
  /** The fixed text was written (never with `check`, never with diagnostics). */
  written: boolean;
}

/**
 * Files, folders and globs (relative to `cwd`) into absolute, sorted, distinct file paths. A
 * folder stands for the test files in it (`<folder>/**\/*.test.ts`), as `generate` writes them.
 */
export async function expandFiles(pathsOrGlobs: readonly string[], cwd: string): Promise<string[]> {
  const found = new Set<string>();
  const missing: string[] = [];
  const search = (pattern: string, dir: string) =>
    glob(pattern, { cwd: dir, absolute: true, onlyFiles: true, ignore: ['**/node_modules/**'] });
  for (const p of pathsOrGlobs) {
    const path = resolve(cwd, p);
    const isDir = !isDynamicPattern(p) && existsSync(path) && statSync(path).isDirectory();
    const matches = isDynamicPattern(p)
      ? await search(p, cwd)
      : isDir
        ? await search('**/*.test.ts', path)
        : existsSync(path)
          ? [path]
          : [];
    if (!matches.length)
      missing.push(isDir ? `${JSON.stringify(p)} (a folder without *.test.ts files)` : JSON.stringify(p));
    for (const m of matches) found.add(resolve(m));
  }
  if (missing.length) {
    throw new HfCoreError(`No files matched ${missing.join(', ')} (looked in ${cwd}).`, {
      code: 'FIX_NO_FILES',
      hint: 'Pass test files, folders or quoted globs, e.g. `hf-core fix "out/tests/**/*.test.ts"`.',
      exitCode: 2,
    });
  }
  return [...found].sort();
}

/**
 * Fixes files in place. With `check`, nothing is written: each result says whether the file
 * would change and what errors it has. All files go through the passes together, so their
 * type-check shares one program.
 */
export async function fixFiles(
  core: HfCore,
  pathsOrGlobs: readonly string[],
  opts: { check?: boolean; cwd?: string } = {},
): Promise<FileFixResult[]> {
  const files = await expandFiles(pathsOrGlobs, opts.cwd ?? process.cwd());
  return Promise.all(
    files.map(async (file): Promise<FileFixResult> => {
      const original = await readFile(file, 'utf8');
      const fixed = await fixSource(core, original, { filePath: file });
      const changed = fixed.text !== original;
      const written = !opts.check && changed && fixed.diagnostics.length === 0;
      if (written) await writeFixedFile(dirname(file), basename(file), fixed);
      return { file, changed, changedBy: fixed.changedBy, diagnostics: fixed.diagnostics, written };
    }),
  );
}
