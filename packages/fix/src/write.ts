import { mkdir, realpath, rename, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { HfCoreError, type FixDiagnostic } from '@hf-core/core';
import { formatDiagnostic } from './diagnostics.ts';

/**
 * The path `name` (a relative path that may come from a model id or a config) names inside
 * `outDir`; refuses anything that could land elsewhere: absolute paths, `..` segments,
 * backslashes, NUL bytes, empty segments.
 */
export function pathInside(outDir: string, name: string): string {
  const refuse = (why: string) =>
    new HfCoreError(`Refusing to write ${JSON.stringify(name)} under ${outDir}: ${why}.`, {
      code: 'FIX_UNSAFE_PATH',
      hint: 'Output names must be relative paths inside the output folder, made of plain segments.',
    });
  if (name === '' || name.includes('\0')) throw refuse('the name is empty or has a NUL byte');
  if (name.includes('\\')) throw refuse('it contains a backslash');
  if (isAbsolute(name)) throw refuse('it is an absolute path');
  const segments = name.split('/');
  if (segments.some((s) => s === '..' || s === '.' || s === ''))
    throw refuse('it has a "..", "." or empty path segment');
  const target = resolve(outDir, name);
  const rel = relative(resolve(outDir), target);
  if (rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel))
    throw refuse('it resolves outside the output folder');
  return target;
}

/**
 * Writes a fixed file to `outDir/name` (atomically: a killed run leaves the old file or the new
 * one, never half of one). Refuses a file that still has diagnostics, naming each, and any
 * path outside `outDir`, symlinked folders included.
 */
export async function writeFixedFile(
  outDir: string,
  name: string,
  fixed: { text: string; diagnostics: readonly FixDiagnostic[] },
): Promise<string> {
  const target = pathInside(outDir, name);
  if (fixed.diagnostics.length) {
    const n = fixed.diagnostics.length;
    throw new HfCoreError(
      `Not writing ${target}: ${n} problem${n === 1 ? '' : 's'} left after fix:\n${fixed.diagnostics.map((d) => `  ${formatDiagnostic(d)}`).join('\n')}`,
      {
        code: 'FIX_HAS_ERRORS',
        hint: 'Fix the template, or the code in the keep region the message points at, then generate again.',
        exitCode: 1,
      },
    );
  }
  await mkdir(dirname(target), { recursive: true });
  const [realOut, realParent] = await Promise.all([realpath(outDir), realpath(dirname(target))]);
  const rel = relative(realOut, realParent);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new HfCoreError(`Refusing to write ${target}: its folder is a link to ${realParent}, outside ${realOut}.`, {
      code: 'FIX_UNSAFE_PATH',
      hint: 'Remove the symbolic link from the output folder.',
    });
  }
  const tmp = `${target}.${process.pid}.tmp`;
  await writeFile(tmp, fixed.text);
  await rename(tmp, target);
  return target;
}
