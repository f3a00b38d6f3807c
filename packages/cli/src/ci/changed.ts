import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { HfCoreError } from '@hf-core/core';

/** The ref a generated test was written for: its `harness(import.meta.url, { ref: "..." })`. */
export function refOfGeneratedTest(source: string): string | undefined {
  const m = /\bharness\(\s*import\.meta\.url\s*,\s*\{\s*ref:\s*("(?:[^"\\\n]|\\.)*")/.exec(source);
  if (!m) return undefined;
  try {
    return JSON.parse(m[1]!) as string;
  } catch {
    return undefined;
  }
}

/** The nearest folder at or above `file` (inside `root`) that holds a model's config.json. */
function modelFolderOf(root: string, file: string): string | undefined {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const rel = relative(root, dir);
    if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
    if (existsSync(join(dir, 'config.json'))) return dir;
    if (!rel) return undefined;
  }
}

/**
 * The model refs a set of changed files touches: a generated test names its ref; a file inside a
 * folder with a config.json is that model folder. Paths are relative to `root`; deleted files are
 * left out.
 */
export function refsTouchedBy(root: string, files: string[], testsDir: string): string[] {
  const refs = new Set<string>();
  const tests = resolve(root, testsDir);
  for (const f of files) {
    const file = resolve(root, f);
    if (!existsSync(file)) continue;
    if (file.startsWith(tests + sep) && file.endsWith('.test.ts')) {
      const ref = refOfGeneratedTest(readFileSync(file, 'utf8'));
      if (ref) refs.add(ref);
      continue;
    }
    const folder = modelFolderOf(root, file);
    if (folder) refs.add(`./${relative(root, folder).split(sep).join('/')}`);
  }
  return [...refs].sort();
}

/** Files changed since the merge base with `base` (a pull request's diff). */
export function changedFiles(root: string, base: string): string[] {
  try {
    return execFileSync('git', ['diff', '--name-only', '--no-renames', `${base}...HEAD`], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
      .split('\n')
      .filter(Boolean);
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    throw new HfCoreError(`git could not diff ${root} against ${base}: ${stderr || (err as Error).message}`, {
      code: 'GIT_DIFF',
      hint: 'Check out with history (actions/checkout with fetch-depth: 0) and pass an existing --base, e.g. origin/main.',
    });
  }
}
