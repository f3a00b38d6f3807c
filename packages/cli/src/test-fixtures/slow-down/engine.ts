import { pathToFileURL } from 'node:url';
import type { BackendEngine, EngineSession } from '@hf-core/core';

/** How much slower every session run is: the model runs this many times for each call. */
const FACTOR = 5;

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
      for (let i = 1; i < FACTOR; i++) await s.run(feeds, names);
      return s.run(feeds, names);
    },
    release: () => s.release(),
  };
}

/** The engine HF_CORE_SLOW_INNER names, with every session doing FACTOR times the work. */
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
