import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What came of running one test file in its own process. */
export interface ProcessOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Killed by us: past the time limit, or past the memory cap. */
  killedFor?: 'timeout' | 'oom';
  /** Largest resident set (MB) seen across the process group while it ran. */
  peakTreeRssMb: number;
  durationMs: number;
  outputTail: string;
  /** The limits it ran under, so a timeout or oom row can say which limit it passed. */
  limits?: { timeoutMs: number; memoryCapMb: number };
  /** The full output of the run. */
  logFile?: string;
}

/**
 * Resident memory (MB) summed over every process in process group `pgid` (vitest runs the test
 * in a forked child; anything the test spawns stays in the group too, even once reparented).
 * Undefined where there is no /proc (not Linux): the cap is then not enforced.
 */
export function rssOfGroupMb(pgid: number): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  let total = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesized command name: state, ppid, pgrp, ...
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) !== pgid) continue;
      const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'));
      if (m) total += Number(m[1]) / 1024;
    } catch {
      // the process exited while we looked
    }
  }
  return total;
}

/** Tells a test run's vitest which process owns it (see the watchdog in vitestConfigSource). */
const PARENT_ENV = 'HF_CORE_PARENT_PID';

/** Process groups of test runs still alive, killed if this process exits or is interrupted. */
const liveGroups = new Set<number>();
let exitHooked = false;

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Test processes run in their own process group (so one kill takes the whole tree), which also
 * means Ctrl-C in the terminal does not reach them. Kill them when this process exits or is
 * interrupted; re-raise the signal when nobody else handles it, so the default exit happens.
 */
function hookParentExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => liveGroups.forEach(killGroup));
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      liveGroups.forEach(killGroup);
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, onSignal);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, onSignal);
  }
}

export interface IsolatedRun {
  testFile: string;
  configFile: string;
  env: Record<string, string>;
  timeoutMs: number;
  memoryCapMb: number;
  logFile: string;
  /** Node arguments of a backend's own runner, run instead of vitest (see RunJob.runner). */
  runner?: string[];
}

const vitestBin = (): string => {
  const req = createRequire(import.meta.url);
  return join(dirname(req.resolve('vitest/package.json')), 'vitest.mjs');
};

/**
 * Runs one generated test file under vitest (or a backend's own runner, RunJob.runner) in its own
 * process group, enforcing the time limit and memory cap by killing the whole group; the output
 * goes to `logFile`. Whatever is left of the group when vitest exits is killed too, so nothing
 * outlives its run.
 */
export function runIsolated(run: IsolatedRun): Promise<ProcessOutcome> {
  const started = performance.now();
  hookParentExit();
  return new Promise((resolvePromise) => {
    const args = run.runner
      ? [...run.runner, run.testFile]
      : [vitestBin(), 'run', run.testFile, '--config', run.configFile, '--reporter', 'default', '--no-color'];
    const child = spawn(process.execPath, args, {
      cwd: dirname(run.configFile),
      env: { ...process.env, ...run.env, FORCE_COLOR: '0', NO_COLOR: '1', [PARENT_ENV]: String(process.pid) },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pgid = child.pid;
    if (pgid) liveGroups.add(pgid);
    let output = '';
    const onData = (b: Buffer) => {
      output += b.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    let killedFor: ProcessOutcome['killedFor'];
    let peak = 0;
    const kill = (why: 'timeout' | 'oom') => {
      if (killedFor) return;
      killedFor = why;
      if (pgid) killGroup(pgid);
      else child.kill('SIGKILL');
    };
    const timer = setTimeout(() => kill('timeout'), run.timeoutMs);
    const poll = setInterval(() => {
      if (!pgid) return;
      const rss = rssOfGroupMb(pgid) ?? 0;
      peak = Math.max(peak, rss);
      if (run.memoryCapMb > 0 && rss > run.memoryCapMb) kill('oom');
    }, 100);
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearInterval(poll);
      if (pgid) liveGroups.delete(pgid);
      writeFileSync(run.logFile, output);
      resolvePromise({
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        killedFor,
        peakTreeRssMb: Math.round(peak * 10) / 10,
        durationMs: Math.round(performance.now() - started),
        outputTail: output.slice(-4000),
        limits: { timeoutMs: run.timeoutMs, memoryCapMb: run.memoryCapMb },
        logFile: run.logFile,
      });
    };
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // Leftovers of the group (a process the test started) would hold the pipes open.
      if (pgid) killGroup(pgid);
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish();
      }, 2000).unref();
    });
    child.on('close', finish);
  });
}

/** The vitest config written into an output folder, so generated tests run there as they are. */
export function vitestConfigSource(opts: { resolveFrom: string; testTimeoutMs: number }): string {
  return `// Written by hf-core: runs the generated tests of this folder with plain \`vitest run\`.
// A plain object (no import of vitest/config), so this folder needs no node_modules of its own.

// Generated tests import @hf-core/* packages and vitest; resolve them from the hf-core install.
const RESOLVE_FROM = ${JSON.stringify(opts.resolveFrom)};

// Started by an hf-core run (not by hand): if that run dies without cleaning up (SIGKILL, a
// crash), this vitest process is orphaned; it then ends its whole process group, so no test
// outlives the run that owned it.
// Only vitest's main process (the group leader) watches; its test workers load no watchdog.
const OWNER = Number(process.env.${PARENT_ENV});
if (OWNER && /vitest.mjs$/.test(process.argv[1] ?? '')) {
  const orphaned = () => {
    if (process.ppid === OWNER) return;
    try {
      process.kill(-process.pid, 'SIGKILL');
    } catch {
      process.exit(1);
    }
  };
  orphaned(); // the run may have died before this config was even loaded
  setInterval(orphaned, 500).unref();
}

export default {
  resolve: { conditions: ['hf-core-source'] },
  ssr: { resolve: { conditions: ['hf-core-source'] } },
  plugins: [
    {
      name: 'hf-core-resolve',
      enforce: 'pre',
      async resolveId(id, importer) {
        if (id === 'vitest' || id.startsWith('@hf-core/')) {
          if (importer === RESOLVE_FROM) return null;
          // From the hf-core install first; then from the importer, for modules of a plugin
          // (an engine, its helpers) whose own dependencies the install does not list.
          const resolved = await this.resolve(id, RESOLVE_FROM, { skipSelf: true });
          return resolved ?? (importer ? this.resolve(id, importer, { skipSelf: true }) : null);
        }
        return null;
      },
    },
  ],
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: ${opts.testTimeoutMs},
    hookTimeout: ${opts.testTimeoutMs},
  },
};
`;
}

/** A file inside @hf-core/core from which generated tests' imports are resolved. */
export const defaultResolveFrom = (): string => fileURLToPath(import.meta.url);
