/**
 * The machinery of the release rehearsal: numbered checks that print one line each and count
 * passes and failures, commands with a time limit whose output goes to a numbered log, fresh npm
 * projects, and installed sizes. scripts/release-check.ts says what is checked.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ShResult {
  code: number;
  out: string;
}

export interface ShOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** The exit code that passes (default 0), or 'any'. */
  expect?: number | 'any';
}

/** Environment without the npm/pnpm settings of the shell that started us, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_|^NPM_CONFIG_|^PNPM_/i.test(k)));
  return { ...env, TURBO_TELEMETRY_DISABLED: '1', FORCE_COLOR: '0', NO_COLOR: '1', ...extra };
}

/** Bytes of every file under the project's node_modules (apparent size, links not followed), and its packages. */
export function installedSize(dir: string): { bytes: number; packages: number } {
  let bytes = 0;
  let packages = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (!e.isDirectory()) bytes += lstatSync(p).size;
      else {
        if (d.endsWith('node_modules') && !e.name.startsWith('@') && existsSync(join(p, 'package.json'))) packages++;
        if (d.endsWith('node_modules') && e.name.startsWith('@')) packages += readdirSync(p).length;
        walk(p);
      }
    }
  };
  walk(join(dir, 'node_modules'));
  return { bytes, packages };
}

export const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

/** Every row of a run folder's summary.json has `status` (and a reason matching `reason`); says how many. */
export function expectRows(out: string, want: { status: string; reason?: RegExp }): string {
  const rows: { modelType: string; backend: string; status: string; reason: string }[] = JSON.parse(
    readFileSync(join(out, 'summary.json'), 'utf8'),
  ).results;
  if (!rows.length) throw new Error(`${out}/summary.json has no rows`);
  const bad = rows.filter((r) => r.status !== want.status || (want.reason && !want.reason.test(r.reason)));
  if (bad.length) {
    const shown = bad.map((r) => `${r.modelType}[${r.backend}] ${r.status} ${r.reason}`).join('; ');
    throw new Error(`${bad.length} of ${rows.length} rows are not ${want.status}: ${shown}`);
  }
  return `${rows.length} row(s) ${want.status}`;
}

export class Rehearsal {
  readonly work = mkdtempSync(join(tmpdir(), 'hf-core-release-'));
  readonly logs = join(this.work, 'logs');
  passed = 0;
  failed = 0;
  /** Lines printed at the end (installed sizes). */
  readonly notes: string[] = [];
  private logCount = 0;

  constructor() {
    mkdirSync(this.logs);
  }

  /** Runs one check: it passes unless it throws; a failure prints why and where its log is. */
  async check(name: string, fn: () => Promise<string | undefined> | string | undefined): Promise<boolean> {
    const t0 = Date.now();
    const took = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    try {
      const detail = await fn();
      this.passed++;
      console.log(`✓ ${name} (${took()})${detail ? `: ${detail}` : ''}`);
      return true;
    } catch (err) {
      this.failed++;
      console.log(`✗ ${name} (${took()}): ${(err as Error).message}`);
      return false;
    }
  }

  /** Runs a command to completion (or its time limit) with its output in a numbered log; throws with the log's tail when `expect` is not met. */
  sh(label: string, cmd: string, args: string[], opts: ShOptions): ShResult {
    const name = `${String(++this.logCount).padStart(2, '0')}-${label.replace(/[^a-z0-9]+/gi, '-')}.log`;
    const log = join(this.logs, name);
    const r = spawnSync(cmd, args, {
      cwd: opts.cwd,
      env: opts.env,
      encoding: 'utf8',
      timeout: opts.timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
      killSignal: 'SIGKILL',
    });
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    writeFileSync(log, `$ ${cmd} ${args.join(' ')}\n(cwd ${opts.cwd})\n\n${out}\n[exit ${r.status ?? r.signal}]\n`);
    if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT')
      throw new Error(`${label} ran past ${opts.timeoutMs / 1000} s (log: ${log})`);
    const code = r.status ?? 124;
    const expected = opts.expect ?? 0;
    if (expected !== 'any' && code !== expected) {
      const tail = out.trim().split('\n').slice(-6).join('\n    ');
      throw new Error(`${label} exited ${code}, expected ${expected} (log: ${log})\n    ${tail}`);
    }
    return { code, out };
  }

  /** A fresh, empty npm project in the work folder. */
  project(name: string): string {
    const dir = join(this.work, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name, private: true, type: 'module' }, null, 2)}\n`);
    return dir;
  }

  /** Prints the notes, removes the work folder unless asked to keep it or a check failed, and the closing line. */
  finish(startedAt: number, keep: boolean): void {
    for (const n of this.notes) console.log(`installed size: ${n}`);
    const kept = keep || this.failed > 0;
    if (!kept) rmSync(this.work, { recursive: true, force: true });
    const secs = ((Date.now() - startedAt) / 1000).toFixed(0);
    console.log(
      `work folder: ${this.work}${kept ? ' (kept: logs/ has each command)' : ' (removed)'}; ${secs} s in all`,
    );
    console.log(`\n${this.passed} passed, ${this.failed} failed`);
  }
}
