/**
 * One writer per output folder: `run` (and `--resume`) and `report` hold `<out>/.hf-core.lock`
 * (pid, host, start time, command) while they write there. A second writer stops with exit code
 * 2 naming the holder; a lock left by a process that is gone (same host, dead pid) is taken over
 * with a warning. Shards of one run write separate folders, merged by `hf-core report`.
 */
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { HfCoreError } from './errors.ts';
import { onParentExit } from './process-groups.ts';

export const LOCK_FILE = '.hf-core.lock';

export interface LockHolder {
  pid: number;
  host: string;
  started_at: string;
  command: string;
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    return typeof h.pid === 'number' && typeof h.host === 'string'
      ? { pid: h.pid, host: h.host, started_at: String(h.started_at ?? '?'), command: String(h.command ?? '?') }
      : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates the lock file with its content in one step (a link fails when the file exists). */
function tryCreate(file: string, holder: LockHolder): boolean {
  const part = `${file}.${process.pid}.tmp`;
  writeFileSync(part, `${JSON.stringify(holder)}\n`);
  try {
    linkSync(part, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(part, { force: true });
  }
}

const describe = (h: LockHolder) => `pid ${h.pid} on ${h.host}, started ${h.started_at} (${h.command})`;

/**
 * Takes the lock of `outDir` for `command`, or throws (exit code 2) naming who holds it. Returns
 * the release function; the lock is also released if this process exits or is interrupted.
 */
export function lockOutputFolder(outDir: string, command: string, warn: (m: string) => void = () => {}): () => void {
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), started_at: new Date().toISOString(), command };
  for (let attempt = 0; !tryCreate(file, me); attempt++) {
    const holder = readHolder(file);
    const stale = holder && holder.host === me.host && !alive(holder.pid);
    if (!stale || attempt > 2) {
      throw new HfCoreError(
        holder
          ? `${dir} is being written by another hf-core process: ${describe(holder)}.`
          : `${dir} has a lock file (${file}) that hf-core cannot read.`,
        {
          code: 'OUT_LOCKED',
          exitCode: 2,
          hint: `Wait for it to finish, or pass another --out. If no such process runs any more, delete ${file}.`,
        },
      );
    }
    // Moved aside first, so two processes taking over the same stale lock cannot both win.
    const aside = `${file}.stale-${process.pid}`;
    try {
      renameSync(file, aside);
    } catch {
      continue; // someone else moved it; try again
    }
    const moved = readHolder(aside);
    if (moved?.pid !== holder.pid) {
      // Not the stale lock any more: a live one taken meanwhile; put it back.
      try {
        linkSync(aside, file);
      } catch {
        // the file exists again: its owner stays the holder
      }
      rmSync(aside, { force: true });
      continue;
    }
    rmSync(aside, { force: true });
    warn(`took over the lock of ${dir}: ${describe(holder)} is no longer running`);
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    cancel();
    if (readHolder(file)?.pid === process.pid) rmSync(file, { force: true });
  };
  const cancel = onParentExit(release);
  return release;
}

/** Who holds the lock of `outDir`, if anyone. */
export function outputFolderHolder(outDir: string): LockHolder | undefined {
  const file = join(resolve(outDir), LOCK_FILE);
  return existsSync(file) ? readHolder(file) : undefined;
}
