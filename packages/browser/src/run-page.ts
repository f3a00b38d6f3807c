/**
 * Runs one bundled test file in its own browser context: the page server up, Chromium started,
 * every request that would leave 127.0.0.1 failed and listed, page errors and a renderer crash
 * caught, the browser's memory sampled; then everything down again.
 */
import { defaultResolveFrom } from '@hf-core/core';
import type { BrowserContext, CDPSession } from 'playwright-core';
import { bundlePage } from './bundle.ts';
import { launchChromium } from './chromium.ts';
import { sampleBrowserMemory, type BrowserMemory } from './memory.ts';
import { FolderGuard, type PageRoots } from './node-calls.ts';
import type { PageOutcome } from './page/boot.ts';
import type { PageDevice } from './page/config.ts';
import type { PageTestOutcome } from './page/vitest.ts';
import { RemoteEngines } from './remote.ts';
import { PageServer } from './server.ts';
import { ROUTES } from './wire.ts';

export interface PageRunOptions {
  testFile: string;
  device: PageDevice;
  /** Chromium binary (see findChromium). */
  chromium: string;
  /** Extra Chromium flags (HF_CORE_CHROMIUM_FLAGS). */
  chromiumFlags?: string[];
  /** The job's environment; its HF_CORE_* entries become the page's `process.env`. */
  env: Record<string, string | undefined>;
  /** Folders the page may read and write. */
  roots: PageRoots;
  /** A file inside the hf-core install, from which the test's @hf-core/* imports resolve. */
  resolveFrom?: string;
  /** Where the page's console output and the runner's progress go (the job's log). */
  log?: (line: string) => void;
}

export interface PageRunResult {
  tests: PageTestOutcome[];
  /** The test file did not load or bundle: nothing ran. */
  loadError?: string;
  /** Uncaught errors and unhandled rejections in the page. */
  pageErrors: string[];
  /** The renderer died (crash, or out of memory); `crashReason` says which when Chromium said. */
  crashed: boolean;
  crashReason?: string;
  /** Requests that tried to leave 127.0.0.1: failed, and listed here. */
  blocked: string[];
  /** Requests the page server answered, and those it refused (outside the job's folders). */
  served: number;
  refused: string[];
  memory?: BrowserMemory;
  /** Peak of the page's JS heap (sampled through the DevTools protocol), MB. */
  jsHeapPeakMb?: number;
  browserVersion?: string;
  timings: { bundle_ms: number; launch_ms: number; page_ms: number };
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** The page's `process.env`: the job's HF_CORE_* settings, the engine pointed at the bundle. */
function pageEnv(env: PageRunOptions['env']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (k.startsWith('HF_CORE_') && v !== undefined) out[k] = v;
  out.HF_CORE_BACKEND_MODULE = `${ROUTES.bundle}engine.js`;
  return out;
}

/** At most `ms` of waiting: a DevTools call to a crashed page never answers. */
const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<undefined>((ok) => setTimeout(ok, ms))]);

/** Samples the page's JS heap every `everyMs` (used size), keeping the peak. */
function sampleHeap(cdp: CDPSession, everyMs = 500) {
  let peak = 0;
  const sample = () =>
    within(
      cdp
        .send('Runtime.getHeapUsage')
        .then((h) => void (peak = Math.max(peak, h.usedSize)))
        .catch(() => undefined),
      1000,
    );
  const timer = setInterval(sample, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await sample();
      return peak ? round1(peak / 2 ** 20) : undefined;
    },
  };
}

async function guardNetwork(context: BrowserContext, origin: string, blocked: string[]): Promise<void> {
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`)) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
}

export async function runPageTest(opts: PageRunOptions): Promise<PageRunResult> {
  const log = opts.log ?? (() => undefined);
  const result: PageRunResult = {
    tests: [],
    pageErrors: [],
    crashed: false,
    blocked: [],
    served: 0,
    refused: [],
    timings: { bundle_ms: 0, launch_ms: 0, page_ms: 0 },
  };
  let t0 = performance.now();
  let bundle: Awaited<ReturnType<typeof bundlePage>>;
  try {
    bundle = await bundlePage(opts.testFile, { resolveFrom: opts.resolveFrom ?? defaultResolveFrom() });
  } catch (err) {
    result.loadError = (err as Error).message;
    return result;
  }
  result.timings.bundle_ms = round1(performance.now() - t0);

  t0 = performance.now();
  const running = await launchChromium(opts.chromium, opts.chromiumFlags);
  result.browserVersion = running.version;
  result.timings.launch_ms = round1(performance.now() - t0);
  const remote = new RemoteEngines(bundle.remoteModules);
  const server = new PageServer({
    guard: new FolderGuard(opts.roots),
    remote,
    ortDist: bundle.ortDist,
    config: { env: pageEnv(opts.env), device: opts.device, pid: process.pid, browser: `Chromium ${running.version}` },
  });
  server.setBundle(bundle.files);
  const origin = await server.start().catch(async (err: Error) => {
    await running.close();
    throw err;
  });
  const memory = sampleBrowserMemory(running.process.pid!);
  let heap: ReturnType<typeof sampleHeap> | undefined;
  t0 = performance.now();
  try {
    const context = await running.browser.newContext();
    await guardNetwork(context, origin, result.blocked);
    const page = await context.newPage();
    // No Playwright time limits: hf-core's --timeout ends the whole run, browser included.
    page.setDefaultTimeout(0);
    page.on('console', (m) => log(`[console.${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => result.pageErrors.push(`${e.name}: ${e.message}`));
    page.on('crash', () => (result.crashed = true));
    heap = sampleHeap(await context.newCDPSession(page));
    await page.goto(`${origin}${ROUTES.page}`);
    const outcome = (await page.evaluate('globalThis.__hfCoreOutcome')) as PageOutcome;
    result.tests = outcome.tests;
    if (outcome.loadError) result.loadError = outcome.loadError;
  } catch (err) {
    // Playwright may reject the pending evaluate just before it reports the crash.
    await new Promise((ok) => setTimeout(ok, 200));
    if (!result.crashed) throw err;
    result.crashReason = (err as Error).message.split('\n')[0];
  } finally {
    result.timings.page_ms = round1(performance.now() - t0);
    result.jsHeapPeakMb = await heap?.stop();
    result.memory = memory.stop();
    result.served = server.served;
    result.refused = server.refused;
    await within(running.close(), 10_000);
    await remote.releaseAll();
    await server.stop();
  }
  return result;
}
