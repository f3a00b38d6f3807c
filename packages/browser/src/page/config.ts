/**
 * What the runner tells the page before any of its code runs (inlined into index.html), and the
 * few browser globals the page code uses, typed here so the packages need no DOM library.
 */

/** The devices the browser backends drive through transformers.js and onnxruntime-web. */
export type PageDevice = 'wasm' | 'webgpu';

export interface PageConfig {
  /** The environment the test sees as `process.env` (the job's, e.g. HF_CORE_RESULT_FILE). */
  env: Record<string, string>;
  /** Required on every call to the runner's routes. */
  token: string;
  device: PageDevice;
  /** The runner's pid, the page's `process.pid` (names of temp files). */
  pid: number;
  /** The browser's full version, as the runner got it from the browser ("Chromium 156.0.8078.129"). */
  browser: string;
}

export const PAGE_CONFIG_GLOBAL = '__HF_CORE_PAGE__';

export interface SyncRequest {
  open(method: string, url: string, async: false): void;
  setRequestHeader(name: string, value: string): void;
  send(body: string): void;
  readonly status: number;
  readonly responseText: string;
}

export interface PageGlobals {
  XMLHttpRequest: new () => SyncRequest;
  location: { origin: string };
  [PAGE_CONFIG_GLOBAL]?: PageConfig;
}

export const page = globalThis as unknown as PageGlobals;

export function pageConfig(): PageConfig {
  const c = page[PAGE_CONFIG_GLOBAL];
  if (!c) throw new Error('hf-core page code loaded outside the page the runner serves (no page config)');
  return c;
}
