import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hookParentExit, killGroup, liveGroups, watchGroupRss } from './process-groups.ts';
import type { ChildMessage, ParentMessage, RunnerPhase } from './runner/protocol.ts';

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

/** Tells a test run's vitest which process owns it (see the watchdog in vitestConfigSource). */
const PARENT_ENV = 'HF_CORE_PARENT_PID';

/** How a test file runs: hf-core's runner (runner/main.ts) or the vitest CLI with the folder's config. */
export type TestRunner = 'hf-core' | 'vitest';

/** The runner's start-up, given by the run (runner/scripts.ts). */
export interface RunnerStart {
  main: string;
  esbuildUrl: string;
  /** A file of the hf-core install from which the test's `@hf-core/*` imports resolve. */
  resolveFrom: string;
  /** The run's compiled-module cache (runner/transform.ts). */
  cacheDir: string;
}

export interface IsolatedRun {
  testFile: string;
  configFile: string;
  env: Record<string, string>;
  timeoutMs: number;
  memoryCapMb: number;
  logFile: string;
  /** hf-core's runner when given; the vitest CLI otherwise. */
  runner?: RunnerStart;
  /** Each phase of the runner's life as it ends (epoch ms, and the CPU ms it had used). */
  onPhase?: (phase: RunnerPhase, at: number, cpuMs: number) => void;
  /**
   * The tests start when this resolves (default: at once). hf-core's runner is started and
   * imports the test file before, so its start-up overlaps other models; vitest starts then.
   * The time limit counts from here.
   */
  gate?: Promise<void>;
  /** Node arguments of a backend's own runner (RunJob.runner), run as `node ...command <testFile>` instead of vitest. */
  command?: string[];
}

const vitestBin = (): string => {
  const req = createRequire(import.meta.url);
  return join(dirname(req.resolve('vitest/package.json')), 'vitest.mjs');
};

/** The command line of one test process, and whether it speaks the runner's IPC protocol. */
function commandOf(run: IsolatedRun): { args: string[]; ipc: boolean } {
  if (run.command) return { args: [...run.command, run.testFile], ipc: false };
  if (!run.runner) {
    return {
      args: [vitestBin(), 'run', run.testFile, '--config', run.configFile, '--reporter', 'default', '--no-color'],
      ipc: false,
    };
  }
  const r = run.runner;
  return {
    // --config names the run's folder, as vitest's command line does (tools find a run's processes by it).
    args: [
      '--conditions=hf-core-source',
      r.main,
      ...['--test', run.testFile, '--resolve-from', r.resolveFrom, '--cache', r.cacheDir, '--esbuild', r.esbuildUrl],
      ...['--config', run.configFile],
    ],
    ipc: true,
  };
}

/**
 * Runs one generated test file in its own process group (hf-core's runner, vitest, or a
 * backend's own runner: RunJob.runner), enforcing the time limit and memory cap by killing the
 * whole group; the output goes to `logFile`. Whatever is left of the group when the test process
 * exits is killed too, so nothing outlives its run.
 */
export async function runIsolated(run: IsolatedRun): Promise<ProcessOutcome> {
  hookParentExit();
  const { args, ipc } = commandOf(run);
  // vitest cannot wait once started: it starts at the gate.
  if (!ipc) await run.gate;
  let started = performance.now();
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, args, {
      cwd: dirname(run.configFile),
      env: { ...process.env, ...run.env, FORCE_COLOR: '0', NO_COLOR: '1', [PARENT_ENV]: String(process.pid) },
      detached: true,
      stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    });
    const pgid = child.pid;
    if (pgid) liveGroups.add(pgid);
    let output = '';
    const onData = (b: Buffer) => {
      output += b.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    let killedFor: ProcessOutcome['killedFor'];
    let peak = 0;
    const kill = (why: 'timeout' | 'oom') => {
      if (killedFor) return;
      killedFor = why;
      if (pgid) killGroup(pgid);
      else child.kill('SIGKILL');
    };
    let timer: NodeJS.Timeout | undefined;
    const startClock = () => {
      started = performance.now();
      timer = setTimeout(() => kill('timeout'), run.timeoutMs);
    };
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    if (ipc) {
      child.on('message', (m: ChildMessage) => {
        if (m.type === 'phase') run.onPhase?.(m.name, m.at, m.cpuMs);
      });
      child.on('error', () => undefined); // a message to a process that just died
      void Promise.resolve(run.gate).then(() => {
        if (exit) return;
        startClock();
        child.send({ type: 'start' } satisfies ParentMessage);
      });
    } else startClock();
    const unwatch = pgid
      ? watchGroupRss(pgid, (rss) => {
          peak = Math.max(peak, rss);
          if (run.memoryCapMb > 0 && rss > run.memoryCapMb) kill('oom');
        })
      : () => undefined;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      unwatch();
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
        child.stdout!.destroy();
        child.stderr!.destroy();
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
import { fileURLToPath } from 'node:url';

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
  // This folder, wherever vitest is started from (\`npx vitest run --config out/vitest.config.mjs\`).
  root: fileURLToPath(new URL('.', import.meta.url)),
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
