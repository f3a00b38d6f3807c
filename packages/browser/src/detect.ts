/**
 * Can a browser backend run here: Chromium is installed and starts, and (for webgpu) a page on
 * 127.0.0.1 gets a WebGPU adapter. One probe serves both backends and `hf-core doctor`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Detection } from '@hf-core/core';
import { CHROMIUM_INSTALL_HINT, findChromium, launchChromium } from './chromium.ts';
import { adapterText, adapterVersions } from './page/adapter.ts';
import type { PageDevice } from './page/config.ts';

interface Probe {
  ok: boolean;
  reason: string;
  versions: Record<string, string>;
}

/** Starts Chromium, opens a blank page on 127.0.0.1 (WebGPU needs a secure origin), asks for the adapter. */
async function probe(binary: string): Promise<Probe> {
  const server = createServer((_, res) => res.end('<!doctype html><title>hf-core</title>'));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  try {
    const running = await launchChromium(binary);
    try {
      const page = await (await running.browser.newContext()).newPage();
      page.setDefaultTimeout(60_000);
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      const adapter = await page.evaluate(`(${adapterVersions.toString()})()`);
      return {
        ok: true,
        reason: '',
        versions: { chromium: running.version, ...(adapter as Record<string, string>) },
      };
    } finally {
      await running.close();
    }
  } catch (err) {
    return {
      ok: false,
      reason: `Chromium at ${binary} did not start a page: ${(err as Error).message.split('\n')[0]}. Check that it runs (${binary} --headless --no-sandbox), or ${CHROMIUM_INSTALL_HINT}`,
      versions: {},
    };
  } finally {
    server.close();
  }
}

/** One probe per Chromium binary, shared by both backends and by doctor. */
const probes = new Map<string, Promise<Probe>>();

/** Whether `device` runs in this machine's Chromium, with the browser and adapter as versions. */
export async function detectBrowser(device: PageDevice): Promise<Detection> {
  const found = findChromium();
  if ('missing' in found)
    return { available: false, reason: `${found.missing}: ${CHROMIUM_INSTALL_HINT}`, versions: {} };
  let probed = probes.get(found.path);
  if (!probed) probes.set(found.path, (probed = probe(found.path)));
  const p = await probed;
  if (!p.ok) return { available: false, reason: p.reason, versions: p.versions };
  if (device === 'webgpu' && !p.versions['webgpu.vendor'])
    return {
      available: false,
      reason: `Chromium ${p.versions.chromium} has no WebGPU adapter: ${adapterText(p.versions)}. On a GPU machine check its drivers (chrome://gpu); HF_CORE_CHROMIUM_FLAGS passes extra flags`,
      versions: p.versions,
    };
  const on = device === 'webgpu' ? ` on ${adapterText(p.versions)}` : '';
  return {
    available: true,
    reason: `Chromium ${p.versions.chromium}, onnxruntime-web ${device}${on}`,
    versions: p.versions,
  };
}
