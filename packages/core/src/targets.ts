/**
 * What `--resume DIR` and `--history FILE` may point at: an hf-core output folder and an hf-core
 * history (or a file not there yet). Anything else is refused (exit 2) before a byte is written,
 * so a mistyped flag cannot append rows to a stranger's file or resume into a foreign folder.
 */
import { closeSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { HfCoreError } from './errors.ts';
import { parseHistory } from './reporters/history-store.ts';

/** The first non-empty line of a file (from its first 64 KB), or undefined when it has none. */
function firstLine(file: string): string | undefined {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf
      .subarray(0, n)
      .toString('utf8')
      .split('\n')
      .find((l) => l.trim());
  } finally {
    closeSync(fd);
  }
}

const statOf = (p: string): Stats | undefined => {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
};

const refuse = (message: string, hint: string) => new HfCoreError(message, { code: 'BAD_TARGET', hint, exitCode: 2 });

/** A result row as results.jsonl holds it: ref, backend and status strings. */
function isResultRow(line: string): boolean {
  try {
    const r = JSON.parse(line) as Record<string, unknown>;
    return !!r && typeof r === 'object' && ['ref', 'backend', 'status'].every((k) => typeof r[k] === 'string');
  } catch {
    return false;
  }
}

/**
 * `--resume DIR`: a folder an hf-core run wrote (its results.jsonl, or the vitest.config.mjs a run
 * writes first, when it was killed before any row), whose results.jsonl holds result rows.
 */
export function assertResumeFolder(dir: string): void {
  const hint = 'Pass the --out folder of the run to continue, or start a new run with --out.';
  const st = statOf(dir);
  if (!st) throw refuse(`--resume ${dir}: there is no such folder, so there is no run to continue.`, hint);
  if (!st.isDirectory()) throw refuse(`--resume ${dir}: it is not a folder.`, hint);
  const results = join(dir, 'results.jsonl');
  const rs = statOf(results);
  if (rs) {
    if (!rs.isFile()) throw refuse(`--resume ${dir}: its results.jsonl is not a regular file.`, hint);
    const line = firstLine(results);
    if (line !== undefined && !isResultRow(line))
      throw refuse(`--resume ${dir}: its results.jsonl does not hold hf-core result rows (line 1).`, hint);
    return;
  }
  if (!statOf(join(dir, 'vitest.config.mjs'))?.isFile() && !statOf(join(dir, 'summary.json'))?.isFile())
    throw refuse(
      `--resume ${dir}: it is not an hf-core output folder (no results.jsonl, summary.json or vitest.config.mjs).`,
      hint,
    );
}

/** `--history FILE`: absent (it is created), empty, or a JSON-lines history whose first line is an entry. */
export function assertHistoryFile(file: string): void {
  const hint = 'Pass a history written by hf-core (`--history FILE`, default OUT/history.jsonl), or a new file name.';
  const st = statOf(file);
  if (!st) return;
  if (!st.isFile()) throw refuse(`--history ${file}: it is not a regular file.`, hint);
  const line = firstLine(file);
  if (line === undefined) return;
  const { entries, warnings } = parseHistory(`${line}\n`, file);
  if (!entries.length)
    throw refuse(
      `--history ${file}: it is not an hf-core history (line 1: ${warnings[0]?.message ?? 'not an entry'}).`,
      hint,
    );
}
