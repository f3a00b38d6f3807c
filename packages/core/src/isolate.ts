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
  /** Largest resident set (MB) seen across the process tree while it ran. */
  peakTreeRssMb: number;
  durationMs: number;
  outputTail: string;
}

function rssOfTreeMb(rootPid: number): number {
  // Sum VmRSS over the process and its descendants (vitest runs the test in a child fork).
  const children = new Map<number, number[]>();
  let total = 0;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        const list = children.get(ppid) ?? [];
        list.push(Number(entry));
        children.set(ppid, list);
      } catch {
        // process exited while we looked
      }
    }
    const stack = [rootPid];
    while (stack.length) {
      const pid = stack.pop()!;
      try {
        const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        if (m) total += Number(m[1]) / 1024;
      } catch {
        // gone
      }
      stack.push(...(children.get(pid) ?? []));
    }
  } catch {
    return 0; // no /proc (not Linux): no memory cap enforcement
  }
  return total;
}

export interface IsolatedRun {
  testFile: string;
  configFile: string;
  env: Record<string, string>;
  timeoutMs: number;
  memoryCapMb: number;
  logFile: string;
}

const vitestBin = (): string => {
  const req = createRequire(import.meta.url);
  return join(dirname(req.resolve('vitest/package.json')), 'vitest.mjs');
};

/**
 * Runs one generated test file under vitest in its own process group, enforcing the time limit
 * and memory cap by killing the whole group; the output goes to `logFile`.
 */
export function runIsolated(run: IsolatedRun): Promise<ProcessOutcome> {
  const started = performance.now();
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [vitestBin(), 'run', run.testFile, '--config', run.configFile, '--reporter', 'default', '--no-color'], {
      cwd: dirname(run.configFile),
      env: { ...process.env, ...run.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (b: Buffer) => {
      output += b.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    let killedFor: ProcessOutcome['killedFor'];
    let peak = 0;
    const killGroup = (why: 'timeout' | 'oom') => {
      if (killedFor) return;
      killedFor = why;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => killGroup('timeout'), run.timeoutMs);
    const poll = setInterval(() => {
      if (!child.pid) return;
      const rss = rssOfTreeMb(child.pid);
      peak = Math.max(peak, rss);
      if (run.memoryCapMb > 0 && rss > run.memoryCapMb) killGroup('oom');
    }, 100);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      writeFileSync(run.logFile, output);
      resolvePromise({
        exitCode: code,
        signal,
        killedFor,
        peakTreeRssMb: Math.round(peak * 10) / 10,
        durationMs: Math.round(performance.now() - started),
        outputTail: output.slice(-4000),
      });
    });
  });
}

/** The vitest config written into an output folder, so generated tests run there as they are. */
export function vitestConfigSource(opts: { resolveFrom: string; testTimeoutMs: number }): string {
  return `// Written by hf-core: runs the generated tests of this folder with plain \`vitest run\`.
// A plain object (no import of vitest/config), so this folder needs no node_modules of its own.

// Generated tests import @hf-core/* packages and vitest; resolve them from the hf-core install.
const RESOLVE_FROM = ${JSON.stringify(opts.resolveFrom)};

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
          return this.resolve(id, RESOLVE_FROM, { skipSelf: true });
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
