import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HfCoreError } from './errors.ts';
import { LOCK_FILE, lockOutputFolder, outputFolderHolder } from './out-lock.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'hf-core-lock-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A pid that is certainly not running: a process that has exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('one writer per output folder', () => {
  it('a second writer is refused (exit code 2) with the holder named; release frees the folder', () => {
    const out = tempDir();
    const release = lockOutputFolder(out, 'hf-core run');
    expect(outputFolderHolder(out)).toMatchObject({ pid: process.pid, host: hostname(), command: 'hf-core run' });
    let err: unknown;
    try {
      lockOutputFolder(out, 'hf-core report');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HfCoreError);
    expect(err).toMatchObject({ code: 'OUT_LOCKED', exitCode: 2 });
    expect((err as Error).message).toContain(`pid ${process.pid} on ${hostname()}`);
    expect((err as Error).message).toContain('(hf-core run)');
    release();
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
    lockOutputFolder(out, 'hf-core report')();
  });

  it('a lock left by a dead process on this host is taken over, with a warning naming it', () => {
    const out = tempDir();
    const pid = deadPid();
    writeFileSync(
      join(out, LOCK_FILE),
      JSON.stringify({ pid, host: hostname(), started_at: '2026-01-01T00:00:00.000Z', command: 'hf-core run' }),
    );
    const warnings: string[] = [];
    const release = lockOutputFolder(out, 'hf-core run --resume', (m) => warnings.push(m));
    expect(warnings).toEqual([expect.stringContaining(`pid ${pid} on ${hostname()}, started 2026-01-01`)]);
    expect(JSON.parse(readFileSync(join(out, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    release();
  });

  it('a lock from another host is never taken over: its pid says nothing here', () => {
    const out = tempDir();
    writeFileSync(
      join(out, LOCK_FILE),
      JSON.stringify({ pid: deadPid(), host: 'elsewhere', started_at: 'then', command: 'hf-core run' }),
    );
    expect(() => lockOutputFolder(out, 'hf-core run')).toThrow(/on elsewhere, started then/);
  });
});
