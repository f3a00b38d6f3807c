/**
 * The part of vitest's API that generated tests and the harness use (describe, it, beforeAll,
 * afterAll), for the page: the test file registers its tests as it would under vitest, then
 * `runRegistered` runs them in order, hooks included, and says what happened to each.
 */

export interface PageTestContext {
  /** Marks the test skipped and stops it, as vitest's `ctx.skip()` does. */
  skip(note?: string): never;
}

type TestFn = (ctx: PageTestContext) => unknown;
type HookFn = () => unknown;

interface Suite {
  name: string;
  tests: { name: string; fn: TestFn }[];
  beforeAll: HookFn[];
  afterAll: HookFn[];
  suites: Suite[];
}

export interface PageTestOutcome {
  name: string;
  state: 'pass' | 'fail' | 'skip';
  message?: string;
  ms: number;
}

class SkipSignal extends Error {}

const root: Suite = { name: '', tests: [], beforeAll: [], afterAll: [], suites: [] };
let current = root;

export function describe(name: string, fn: () => void): void {
  const suite: Suite = { name, tests: [], beforeAll: [], afterAll: [], suites: [] };
  current.suites.push(suite);
  const parent = current;
  current = suite;
  try {
    fn();
  } finally {
    current = parent;
  }
}

export function it(name: string, fn: TestFn): void {
  current.tests.push({ name, fn });
}
export const test = it;
export const beforeAll = (fn: HookFn): void => void current.beforeAll.push(fn);
export const afterAll = (fn: HookFn): void => void current.afterAll.push(fn);

const context = (): PageTestContext => ({
  skip(note?: string): never {
    throw new SkipSignal(note ?? 'skipped');
  },
});

const messageOf = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

async function runSuite(suite: Suite, prefix: string, out: PageTestOutcome[]): Promise<void> {
  const path = suite.name ? `${prefix}${suite.name} > ` : prefix;
  let hookError: string | undefined;
  for (const hook of suite.beforeAll) {
    try {
      await hook();
    } catch (err) {
      hookError = `beforeAll failed: ${messageOf(err)}`;
      break;
    }
  }
  for (const t of suite.tests) {
    const t0 = performance.now();
    if (hookError) {
      out.push({ name: path + t.name, state: 'fail', message: hookError, ms: 0 });
      continue;
    }
    try {
      await t.fn(context());
      out.push({ name: path + t.name, state: 'pass', ms: performance.now() - t0 });
    } catch (err) {
      const skip = err instanceof SkipSignal;
      out.push({
        name: path + t.name,
        state: skip ? 'skip' : 'fail',
        message: skip ? err.message : messageOf(err),
        ms: 0,
      });
    }
  }
  if (!hookError) for (const s of suite.suites) await runSuite(s, path, out);
  for (const hook of suite.afterAll) {
    try {
      await hook();
    } catch (err) {
      out.push({ name: `${path}afterAll`, state: 'fail', message: messageOf(err), ms: 0 });
    }
  }
}

/** Runs every test registered so far, in registration order, with the suites' hooks. */
export async function runRegistered(): Promise<PageTestOutcome[]> {
  const out: PageTestOutcome[] = [];
  await runSuite(root, '', out);
  return out;
}
