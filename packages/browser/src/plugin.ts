import { defineBackendPlugin, type HfCorePlugin } from '@hf-core/core';
import { detectBrowser } from './detect.ts';
import { PAGE_ENGINE_MODULE, runnerJob } from './job.ts';
import type { PageDevice } from './page/config.ts';

export interface BrowserBackendDefinition {
  /** Plugin name, used as the tap name: `hf-core:browser-wasm`. */
  pluginName: string;
  /** Backend name on the command line and in results. */
  backend: string;
  /** What transformers.js and onnxruntime-web run on in the page. */
  device: PageDevice;
}

/**
 * A backend that runs each model's generated test in a real Chromium page: detection starts the
 * browser (and, for webgpu, asks for an adapter); each job runs in its own process (the runner),
 * its own browser and context, on `device`.
 */
export function defineBrowserBackend(def: BrowserBackendDefinition): HfCorePlugin {
  return defineBackendPlugin({
    pluginName: def.pluginName,
    backend: def.backend,
    engineModule: PAGE_ENGINE_MODULE,
    detect: () => detectBrowser(def.device),
    runner: (job) => runnerJob(job, def.device),
  });
}
