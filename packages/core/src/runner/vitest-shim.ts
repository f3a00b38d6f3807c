/**
 * The part of vitest's API that generated tests and the harness use (`describe`, `it`/`test`,
 * the four hooks, `ctx.skip`), for hf-core's own test runner (runner/main.ts). A generated file
 * stays a plain vitest file: under `vitest run` it imports the real vitest; run by hf-core, the
 * `vitest` specifier resolves here and the same file runs without vitest's CLI, workers and
 * vite transforms, in the same order and with the same semantics for what it uses:
 * suites and tests run one after the other in file order, `beforeAll` hooks in order and
 * `afterAll` hooks in reverse (vitest's `sequence.hooks: 'stack'`), a failing test does not stop
 * the next, a failing `beforeAll` fails every test of its suite, `ctx.skip(note)` skips.
 * Anything else a file imports from `vitest`, or uses of it (`it.each`, `ctx.expect`, ...),
 * makes hf-core run that file under vitest itself (ShimUnsupported).
 */

type HookFn = () => unknown;

export interface TestContext {
  /** Skips the running test (vitest's `ctx.skip(note)` / `ctx.skip(condition, note)`). */
  skip(conditionOrNote?: boolean | string, note?: string): void;
  task: { name: string };
}

type TestFn = (ctx: TestContext) => unknown;
type Mode = 'run' | 'skip' | 'todo';

interface TestNode {
  kind: 'test';
  name: string;
  fn?: TestFn;
  mode: Mode;
}

interface SuiteNode {
  kind: 'suite';
  name: string;
  mode: Mode;
  factory?: () => unknown;
  children: (TestNode | SuiteNode)[];
  beforeAll: HookFn[];
  afterAll: HookFn[];
  beforeEach: HookFn[];
  afterEach: HookFn[];
}

/** A part of vitest's API this shim does not offer was used: the file runs under vitest instead. */
export class ShimUnsupported extends Error {
  override name = 'ShimUnsupported';
  constructor(what: string) {
    super(`${what} is not offered by hf-core's runner`);
  }
}

/** `obj` with an error for each property it lacks, instead of an undefined that fails later. */
function strict<T extends object>(obj: T, name: string): T {
  return new Proxy(obj, {
    get(target, prop, receiver) {
      if (typeof prop === 'symbol' || prop in target) return Reflect.get(target, prop, receiver);
      throw new ShimUnsupported(`${name}.${prop}`);
    },
  });
}

const newSuite = (name: string, mode: Mode, factory?: () => unknown): SuiteNode => ({
  kind: 'suite',
  name,
  mode,
  factory,
  children: [],
  beforeAll: [],
  afterAll: [],
  beforeEach: [],
  afterEach: [],
});

const root = newSuite('', 'run');
let current = root;

/** `(name, fn)`, `(name, fn, timeout)` and `(name, options, fn)` all name the function. */
function fnOf<F>(a: unknown, b: unknown): F | undefined {
  if (typeof a === 'function') return a as F;
  if (typeof b === 'function') return b as F;
  return undefined;
}

function addTest(mode: Mode, name: string, a?: unknown, b?: unknown): void {
  const fn = fnOf<TestFn>(a, b);
  current.children.push({ kind: 'test', name, fn, mode: fn || mode !== 'run' ? mode : 'todo' });
}

function addSuite(mode: Mode, name: string, a?: unknown, b?: unknown): void {
  current.children.push(newSuite(name, mode, fnOf<() => unknown>(a, b)));
}

type TestApi = ((name: string, a?: unknown, b?: unknown) => void) & {
  skip: (name: string, a?: unknown, b?: unknown) => void;
  todo: (name: string) => void;
  skipIf: (condition: unknown) => (name: string, a?: unknown, b?: unknown) => void;
  runIf: (condition: unknown) => (name: string, a?: unknown, b?: unknown) => void;
};

function api(name: string, add: (mode: Mode, name: string, a?: unknown, b?: unknown) => void): TestApi {
  const fn = Object.assign((title: string, a?: unknown, b?: unknown) => add('run', title, a, b), {
    skip: (title: string, a?: unknown, b?: unknown) => add('skip', title, a, b),
    todo: (title: string) => add('todo', title),
    skipIf: (c: unknown) => (title: string, a?: unknown, b?: unknown) => add(c ? 'skip' : 'run', title, a, b),
    runIf: (c: unknown) => (title: string, a?: unknown, b?: unknown) => add(c ? 'run' : 'skip', title, a, b),
  });
  return strict(fn, name);
}

export const it = api('it', addTest);
export const test = it;
export const describe = api('describe', addSuite);
export const suite = describe;
export const beforeAll = (fn: HookFn): void => void current.beforeAll.push(fn);
export const afterAll = (fn: HookFn): void => void current.afterAll.push(fn);
export const beforeEach = (fn: HookFn): void => void current.beforeEach.push(fn);
export const afterEach = (fn: HookFn): void => void current.afterEach.push(fn);

class SkipSignal extends Error {
  constructor(readonly note: string) {
    super(note);
  }
}

export type TestState = 'pass' | 'fail' | 'skip';

/** What the runner prints for each test as it finishes, vitest's default reporter style. */
export interface TestReport {
  path: string[];
  state: TestState;
  ms: number;
  error?: unknown;
  note?: string;
}

/** Runs the suite factories (`describe` bodies), depth first, in file order, as vitest collects. */
async function collect(s: SuiteNode): Promise<void> {
  for (const child of s.children) {
    if (child.kind !== 'suite' || !child.factory) continue;
    const parent = current;
    current = child;
    try {
      await child.factory();
    } finally {
      current = parent;
    }
    await collect(child);
  }
}

async function runHooks(hooks: HookFn[]): Promise<unknown> {
  for (const h of hooks) {
    try {
      await h();
    } catch (err) {
      if (err instanceof ShimUnsupported) throw err;
      return err ?? new Error('a hook threw undefined');
    }
  }
  return undefined;
}

async function runTest(
  t: TestNode,
  path: string[],
  chain: SuiteNode[],
  report: (r: TestReport) => void,
  failedSetup: unknown,
): Promise<void> {
  const p = [...path, t.name];
  if (t.mode !== 'run' || !t.fn) return report({ path: p, state: 'skip', ms: 0, note: t.mode });
  if (failedSetup !== undefined) return report({ path: p, state: 'fail', ms: 0, error: failedSetup });
  const started = performance.now();
  let error = await runHooks(chain.flatMap((s) => s.beforeEach));
  let note: string | undefined;
  if (error === undefined) {
    const ctx: TestContext = strict(
      {
        task: { name: t.name },
        skip(conditionOrNote?: boolean | string, maybeNote?: string) {
          if (typeof conditionOrNote === 'boolean' && !conditionOrNote) return;
          throw new SkipSignal((typeof conditionOrNote === 'string' ? conditionOrNote : maybeNote) ?? '');
        },
      },
      'the test context',
    );
    try {
      await t.fn(ctx);
    } catch (err) {
      if (err instanceof ShimUnsupported) throw err;
      if (err instanceof SkipSignal) note = err.note;
      else error = err ?? new Error('the test threw undefined');
    }
  }
  const after = await runHooks(
    chain
      .flatMap((s) => s.afterEach)
      .slice()
      .reverse(),
  );
  error ??= after;
  const ms = performance.now() - started;
  if (error !== undefined) report({ path: p, state: 'fail', ms, error });
  else if (note !== undefined) report({ path: p, state: 'skip', ms, note });
  else report({ path: p, state: 'pass', ms });
}

async function runSuite(
  s: SuiteNode,
  path: string[],
  chain: SuiteNode[],
  report: (r: TestReport) => void,
  failedSetup: unknown,
): Promise<void> {
  const here = s === root ? path : [...path, s.name];
  const inner = [...chain, s];
  const skipped = s.mode !== 'run';
  let setupError = failedSetup;
  if (!skipped && setupError === undefined) setupError = await runHooks(s.beforeAll);
  for (const child of s.children) {
    if (child.kind === 'suite') {
      await runSuite(skipped ? { ...child, mode: s.mode } : child, here, inner, report, setupError);
    } else await runTest(skipped ? { ...child, mode: s.mode } : child, here, inner, report, setupError);
  }
  if (!skipped) {
    const err = await runHooks(s.afterAll.slice().reverse());
    if (err !== undefined) report({ path: [...here, '(afterAll)'], state: 'fail', ms: 0, error: err });
  }
}

/**
 * Collects what the imported file registered, runs it, and reports each test; true when none
 * failed. Throws ShimUnsupported as soon as the file uses what the shim does not offer.
 */
export async function runRegistered(filePath: string, report: (r: TestReport) => void): Promise<boolean> {
  let failed = false;
  const onReport = (r: TestReport) => {
    if (r.state === 'fail') failed = true;
    report(r);
  };
  try {
    await collect(root);
  } catch (err) {
    if (err instanceof ShimUnsupported) throw err;
    onReport({ path: [filePath, '(collect)'], state: 'fail', ms: 0, error: err });
    return false;
  }
  await runSuite(root, [filePath], [], onReport, undefined);
  return !failed;
}
