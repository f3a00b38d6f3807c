/**
 * The process one generated test file runs in, started by core (isolate.ts) for one model x
 * backend: `node --conditions=hf-core-source main.mjs --test F --resolve-from R --cache C
 * --esbuild E --config V`, with an IPC channel. It registers the loader, imports the test file
 * (the `vitest` it imports is the shim; a file that fails to import exits at once), then waits
 * for `{ type: 'start' }`, so its start-up may overlap another model's run; it then runs what the file registered, prints one line per test
 * as vitest's default reporter does, and exits: 0 when every test passed or skipped, 1 otherwise.
 * One job per process, so its peak memory is that model's; the process group is core's to kill.
 */
import { register } from 'node:module';
import { extname, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import type { RunnerLoaderData } from './loader.ts';
import { type ChildMessage, type ParentMessage, RUNNER_SHIM_MISSING_EXIT } from './protocol.ts';
import type { TestReport } from './vitest-shim.ts';

const now = () => performance.timeOrigin + performance.now();
const mainAt = now();

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const [testFile, resolveFrom, cacheDir, esbuildUrl] = ['--test', '--resolve-from', '--cache', '--esbuild'].map(arg);
if (!testFile || !resolveFrom || !cacheDir || !esbuildUrl || !process.send) {
  console.error('hf-core runner: started without its arguments or an IPC channel; `hf-core run` starts it.');
  process.exit(2);
}

const send = (m: Omit<ChildMessage, 'cpuMs'>) => {
  const cpu = process.cpuUsage();
  process.send?.({ ...m, cpuMs: Math.round((cpu.user + cpu.system) / 1000) } satisfies ChildMessage);
};

// Siblings by URL, with this file's extension: .js when built, .mjs when core bundled them from source.
const sibling = (name: string) =>
  new URL(`./${name}${extname(new URL(import.meta.url).pathname)}`, import.meta.url).href;
const shimUrl = sibling('vitest-shim');
register<RunnerLoaderData>(sibling('loader'), { data: { resolveFrom, shimUrl, cacheDir, esbuildUrl } });
process.setSourceMapsEnabled(true);

// The run died without ending this group (SIGKILL): nothing of it outlives it.
process.on('disconnect', () => process.exit(1));

let unhandled = 0;
const onUnhandled = (kind: string) => (err: unknown) => {
  unhandled += 1;
  console.error(`\n⎯⎯ ${kind} ⎯⎯\n${formatError(err)}`);
};
process.on('unhandledRejection', onUnhandled('Unhandled Rejection'));
process.on('uncaughtException', onUnhandled('Uncaught Exception'));

function formatError(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return inspect(err);
}

const label = relative(process.cwd(), testFile) || testFile;

function printTest(r: TestReport): void {
  const mark = r.state === 'pass' ? '✓' : r.state === 'fail' ? '×' : '↓';
  const note = r.state === 'skip' && r.note ? ` [${r.note}]` : '';
  console.log(` ${mark} ${r.path.join(' > ')} ${Math.round(r.ms)}ms${note}`);
  if (r.error !== undefined) console.log(`   ${formatError(r.error).replace(/\n/g, '\n   ')}`);
}

/** Imports the test file; the exit code when that failed. */
async function importTest(): Promise<number | undefined> {
  send({ type: 'phase', name: 'started', at: now() });
  try {
    await import(pathToFileURL(testFile!).href);
  } catch (err) {
    if (needsVitest(err)) return RUNNER_SHIM_MISSING_EXIT;
    console.error(` FAIL  ${label}\n${formatError(err)}`);
    return 1;
  }
  send({ type: 'phase', name: 'imported', at: now() });
  return undefined;
}

/** The file uses what the shim does not offer (an import, `it.each`, `ctx.expect`...): vitest runs it. */
function needsVitest(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  const missingExport =
    err instanceof SyntaxError && /module '[^']*vitest[^']*' does not provide an export/.test(message);
  if (!missingExport && !(err instanceof Error && err.name === 'ShimUnsupported')) return false;
  console.error(`hf-core runner: ${message}; hf-core runs this file under vitest instead.`);
  return true;
}

async function runTests(): Promise<number> {
  const shim = (await import(shimUrl)) as typeof import('./vitest-shim.ts');
  const startAt = now();
  console.log(`\n RUN  ${label}  (hf-core runner)\n`);
  const counts = { pass: 0, fail: 0, skip: 0 };
  let ok: boolean;
  try {
    ok = await shim.runRegistered(label, (r) => {
      counts[r.state] += 1;
      printTest(r);
    });
  } catch (err) {
    if (needsVitest(err)) return RUNNER_SHIM_MISSING_EXIT;
    throw err;
  }
  const doneAt = now();
  send({ type: 'phase', name: 'tests', at: doneAt });
  const parts = [
    counts.fail && `${counts.fail} failed`,
    counts.pass && `${counts.pass} passed`,
    counts.skip && `${counts.skip} skipped`,
  ].filter(Boolean);
  console.log(`\n      Tests  ${parts.join(' | ') || 'none'} (${counts.pass + counts.fail + counts.skip})`);
  console.log(`   Duration  ${Math.round(doneAt - mainAt)}ms (tests ${Math.round(doneAt - startAt)}ms)`);
  if (unhandled) console.log(`     Errors  ${unhandled} unhandled error(s)`);
  return ok && !unhandled ? 0 : 1;
}

const imported = importTest();
// A file that does not import fails now: nothing waits for a start that would run nothing.
void imported.then((failed) => failed !== undefined && process.exit(failed));
process.on('message', (msg: ParentMessage) => {
  if (msg.type !== 'start') return;
  void imported
    .then(() => runTests())
    .then(
      (code) => process.exit(code),
      (err) => {
        console.error(formatError(err));
        process.exit(1);
      },
    );
});
