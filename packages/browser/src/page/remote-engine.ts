/**
 * A Node-only engine module the page's code imports (the harness's cpu parity reference,
 * onnxruntime-node) stands in the page as this proxy: each call runs in the runner process on
 * the real module, loaded where the page's importer would have found it.
 */
import type { BackendEngine, Detection, EngineSession, Feeds, TensorData, ValueInfo } from '@hf-core/core';
import { decodeFeeds, encodeFeeds, ROUTES, type WireTensor } from '../wire.ts';
import { call } from './rpc.ts';

interface RemoteSession {
  id: number;
  inputNames: string[];
  outputNames: string[];
  inputs?: ValueInfo[];
  outputs?: ValueInfo[];
}

export function remoteEngine(module: string): BackendEngine {
  return {
    name: `${module} (run by the runner in Node)`,
    detect: async () => (await call(ROUTES.remote, 'detect', module)) as Detection,
    async createSession(path, options): Promise<EngineSession> {
      const s = (await call(ROUTES.remote, 'createSession', module, path, options ?? {})) as RemoteSession;
      return {
        inputNames: s.inputNames,
        outputNames: s.outputNames,
        inputs: s.inputs,
        outputs: s.outputs,
        async run(feeds: Feeds, outputNames?: readonly string[]): Promise<Record<string, TensorData>> {
          const out = await call(ROUTES.remote, 'run', s.id, encodeFeeds(feeds), outputNames ?? null);
          return decodeFeeds(out as Record<string, WireTensor>);
        },
        release: async () => void (await call(ROUTES.remote, 'release', s.id)),
      };
    },
  };
}
