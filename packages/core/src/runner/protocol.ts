/** Messages between core and a test runner process (runner/main.ts), over the IPC channel. */

/** From core: run the tests the file registered (it may have been imported well before). */
export type ParentMessage = { type: 'start' };

/** From the runner: when each phase of its life ended, as epoch milliseconds. */
export type ChildMessage = {
  type: 'phase';
  name: RunnerPhase;
  at: number;
  /** CPU time (user + system, ms) this process had used by then. */
  cpuMs: number;
};

/**
 * `started`: node and the loader are up; `imported`: the test file and what it imports are
 * loaded and its tests registered; `tests`: every test ran (the process exits next).
 */
export type RunnerPhase = 'started' | 'imported' | 'tests';

/**
 * Exit code of a runner whose test file uses what the vitest shim does not provide (an import,
 * `it.each`, `ctx.expect`...): core discards what it recorded and runs the file under vitest.
 */
export const RUNNER_SHIM_MISSING_EXIT = 86;
