export { defineBrowserBackend, type BrowserBackendDefinition } from './plugin.ts';
export { detectBrowser } from './detect.ts';
export {
  CHROMIUM_FLAGS,
  CHROMIUM_INSTALL_HINT,
  findChromium,
  launchChromium,
  type ChromiumSearch,
  type RunningBrowser,
} from './chromium.ts';
export { runPageTest, type PageRunOptions, type PageRunResult } from './run-page.ts';
export { bundlePage, NODE_ONLY_MODULES, type PageBundle } from './bundle.ts';
export { pageRoots, RUNNER_ENV, runnerArgs } from './job.ts';
export type { PageRoots } from './node-calls.ts';
export type { PageDevice } from './page/config.ts';
export { adapterText, isSoftwareAdapter } from './page/adapter.ts';
