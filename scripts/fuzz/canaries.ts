/**
 * Canaries outside the model folders, and the checks that they were never touched.
 *
 * - A fifo: opening it for reading blocks until a writer comes, so any open (by hf-core, ONNX
 *   Runtime's native code or transformers.js, in any process) leaves a reader waiting, which
 *   `fifoHasReader` sees (and releases: the reader then reads nothing).
 * - A sparse regular file of a size no other file has (`CANARY_BYTES`): under strace, a `stat`
 *   through a symlink that reaches it shows that size, and an open shows its path.
 * - A snapshot of a tree (every entry's kind, size and mtime): a write shows as a difference.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, lstatSync, openSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The size of the regular canary file: a stat that reaches it prints this number. */
export const CANARY_BYTES = 13_371_337;

export function makeFifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

/** A sparse file of CANARY_BYTES bytes (no disk used). */
export function makeCanaryFile(path: string): void {
  writeFileSync(path, '');
  truncateSync(path, CANARY_BYTES);
}

/**
 * True when some process has `fifo` open for reading or is blocked opening it. The check opens
 * the write end without blocking (ENXIO: no reader) and closes it, which releases a blocked reader.
 */
export function fifoHasReader(fifo: string): boolean {
  try {
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENXIO') return false;
    throw err;
  }
}

/** Every entry under `root` (symlinks not followed) as `path kind size mtime`, sorted. */
export function snapshotTree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      const st = lstatSync(p);
      const kind = e.isDirectory() ? 'd' : e.isSymbolicLink() ? 'l' : e.isFIFO() ? 'p' : 'f';
      out.push(`${p} ${kind} ${kind === 'd' ? 0 : st.size} ${st.mtimeMs}`);
      if (e.isDirectory()) walk(p);
    }
  };
  if (lstatSync(root).isDirectory()) walk(root);
  return out.sort();
}

/** Lines of `after` not in `before` and the reverse: what changed in a tree. */
export function treeChanges(before: string[], after: string[]): string[] {
  const a = new Set(before);
  const b = new Set(after);
  return [
    ...after.filter((l) => !a.has(l)).map((l) => `+ ${l}`),
    ...before.filter((l) => !b.has(l)).map((l) => `- ${l}`),
  ];
}
