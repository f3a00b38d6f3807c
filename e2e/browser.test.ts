/**
 * The browser backends end to end, as `hf-core run --plugins encoder,browser-wasm` runs them:
 * the generated bert test in real Chromium, with parity against cpu, offline. One model on wasm
 * keeps `pnpm test` cheap; `pnpm test:browser` runs one model per family on wasm and on webgpu
 * (SwiftShader's WebGPU takes minutes a model on a 2-core machine).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findChromium } from '@hf-core/browser';
import { HfCore, runModels, type Classification, type ModelResult } from '@hf-core/core';
import browserWasm from '@hf-core/plugin-browser-wasm';
import browserWebgpu from '@hf-core/plugin-browser-webgpu';
import encoder from '@hf-core/plugin-encoder';

const outDir = mkdtempSync(join(tmpdir(), 'hf-core-browser-e2e-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

async function runBert(out: string, backends: string[], memoryCapMb?: number): Promise<Record<string, ModelResult>> {
  const core = new HfCore();
  for (const p of [encoder(), browserWasm(), browserWebgpu()]) await core.use(p);
  const bert = (await core.hooks.classify.promise({
    ref: { kind: 'type', modelType: 'bert', ref: 'bert' },
  })) as Classification;
  const summary = await runModels(core, [bert], {
    outDir: out,
    backends,
    timeoutMs: 600_000,
    memoryCapMb,
    measure: { warmup: 1, runs: 5, minMs: 20 },
  });
  return Object.fromEntries(summary.results.map((r) => [r.backend, r]));
}

const chromium = findChromium();

describe('browser backends without Chromium', () => {
  it('every job is a skip that says how to install Chromium; nothing runs', async () => {
    const saved = process.env.HF_CORE_CHROMIUM;
    process.env.HF_CORE_CHROMIUM = join(outDir, 'no-chromium-here');
    try {
      const by = await runBert(join(outDir, 'none'), ['browser-wasm', 'browser-webgpu']);
      for (const backend of ['browser-wasm', 'browser-webgpu'])
        expect(by[backend]).toMatchObject({
          status: 'skip',
          reason: expect.stringMatching(/^browser-\w+ unavailable: HF_CORE_CHROMIUM=.* apt-get install -y chromium/),
          checks: [],
        });
    } finally {
      if (saved === undefined) delete process.env.HF_CORE_CHROMIUM;
      else process.env.HF_CORE_CHROMIUM = saved;
    }
  }, 120_000);
});

describe.skipIf(!('path' in chromium))(
  `bert in Chromium (${'missing' in chromium ? `${chromium.missing}: apt-get install -y chromium` : 'Chromium found'})`,
  () => {
    it('passes at pipeline level on wasm, with parity against cpu, offline, and a row that names the adapter', async () => {
      const r = (await runBert(join(outDir, 'bert'), ['browser-wasm']))['browser-wasm']!;
      expect(r, r.reason).toMatchObject({ status: 'pass', level: 'pipeline' });
      const names = r.checks.map((c) => c.name);
      expect(names).toEqual(expect.arrayContaining(['automodel', 'feature-extraction', 'fill-mask', 'parity']));
      expect(r.checks.every((c) => c.status === 'pass')).toBe(true);
      const parity = r.checks.find((c) => c.name === 'parity')!.details as {
        perOutput: Record<string, number>;
        tolerance: number;
      };
      expect(Object.keys(parity.perOutput).sort()).toEqual(['last_hidden_state', 'logits']);
      for (const d of Object.values(parity.perOutput)) expect(d).toBeLessThanOrEqual(parity.tolerance);
      // Offline: the page's every request was answered by hf-core's 127.0.0.1 server.
      expect(r.metrics.page_requests).toBeGreaterThan(5);
      expect(r.metrics.page_requests_blocked).toBe(0);
      for (const m of ['load_ms', 'first_forward_ms', 'peak_rss_mb', 'browser_peak_pss_mb', 'js_heap_peak_mb'])
        expect(r.metrics[m], m).toBeGreaterThan(0);
      expect(r.metrics.latency_ms!.n).toBeGreaterThanOrEqual(5);
      expect(r.runtime).toMatchObject({
        browser: expect.stringMatching(/^Chromium \d+\./),
        'onnxruntime-web': expect.stringMatching(/^\d+\.\d+/),
        'transformers.js': expect.stringMatching(/^\d+\.\d+/),
        'webgpu.isFallbackAdapter': expect.stringMatching(/^(true|false)$/),
      });
    }, 900_000);

    it('a browser past the memory cap is oom, with the browser killed with its run, and the run goes on', async () => {
      const by = await runBert(join(outDir, 'oom'), ['browser-wasm', 'browser-webgpu'], 250);
      for (const backend of ['browser-wasm', 'browser-webgpu']) {
        expect(by[backend], by[backend]!.reason).toMatchObject({ status: 'oom', fallback: 'micro' });
        expect(by[backend]!.reason).toMatch(/past the 250 MB cap; the process group was killed/);
      }
    }, 600_000);
  },
);
