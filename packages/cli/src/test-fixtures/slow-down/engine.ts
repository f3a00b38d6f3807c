import { pathToFileURL } from 'node:url';
import type { BackendEngine, EngineSession } from '@hf-core/core';

/** How much slower every session run is: the run itself, then twice as long again, busy. */
const FACTOR = 3;

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // a CPU-bound wait, like a model that got slower
  }
}

function slowed(s: EngineSession): EngineSession {
  return {
    get inputNames() {
      return s.inputNames;
    },
    get outputNames() {
      return s.outputNames;
    },
    get inputs() {
      return s.inputs;
    },
    get outputs() {
      return s.outputs;
    },
    async run(feeds, names) {
      const t0 = performance.now();
      const out = await s.run(feeds, names);
      busyWait((FACTOR - 1) * (performance.now() - t0));
      return out;
    },
    release: () => s.release(),
  };
}

/** The engine HF_CORE_SLOW_INNER names, with every session FACTOR times slower. */
export default async function createEngine(): Promise<BackendEngine> {
  const mod = (await import(pathToFileURL(process.env.HF_CORE_SLOW_INNER!).href)) as { default: () => BackendEngine };
  const inner = mod.default();
  return {
    name: inner.name,
    transformersDevice: inner.transformersDevice,
    detect: () => inner.detect(),
    createSession: async (path, options) => slowed(await inner.createSession(path, options)),
  };
}
