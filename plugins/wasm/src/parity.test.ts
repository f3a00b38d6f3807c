import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { HfCore, loadPlugin, runModels, type Classification } from '@hf-core/core';
import wasm from './index.ts';

const outDir = mkdtempSync(join(tmpdir(), 'hf-core-parity-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

// The other plugins load by name from the workspace root, as the CLI loads them (no plugin
// depends on another); generated tests resolve @hf-core/harness and @hf-core/plugin-encoder/checks
// from there too.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RESOLVE_FROM = `${ROOT}package.json`;
const BACKENDS = ['cpu', 'wasm', 'cuda', 'webgpu', 'openvino'];

describe('runModels across backends (generated encoder test, each backend in its own process)', () => {
  it('wasm results carry a parity check against cpu with the max abs diff per output; backends that cannot run here are skip with their detection reason', async () => {
    const core = new HfCore();
    for (const name of ['encoder', 'cpu']) await core.use((await loadPlugin(name, [ROOT])).plugin);
    await core.use(wasm());
    for (const name of ['cuda', 'webgpu', 'openvino']) await core.use((await loadPlugin(name, [ROOT])).plugin);
    const bert = (await core.hooks.classify.promise({
      ref: { kind: 'type', modelType: 'bert', ref: 'bert' },
    })) as Classification;
    const summary = await runModels(core, [bert], {
      outDir,
      backends: BACKENDS,
      timeoutMs: 120_000,
      resolveFrom: RESOLVE_FROM,
      measure: { warmup: 1, runs: 5, minMs: 20 },
    });
    const by = Object.fromEntries(summary.results.map((r) => [r.backend, r]));

    expect(by.cpu).toMatchObject({ status: 'pass', level: 'pipeline' });
    expect(by.cpu!.checks.find((c) => c.name === 'parity')).toMatchObject({
      status: 'skip',
      message: 'cpu is the parity reference',
    });

    expect(by.wasm).toMatchObject({ status: 'pass', level: 'session' });
    const parity = by.wasm!.checks.find((c) => c.name === 'parity');
    expect(parity).toMatchObject({ status: 'pass', level: 'session' });
    const perOutput = (parity!.details as { perOutput: Record<string, number> }).perOutput;
    expect(Object.keys(perOutput).sort()).toEqual(['last_hidden_state', 'logits']);
    for (const d of Object.values(perOutput)) expect(d).toBeLessThan(1e-3);
    // Pipeline checks are skipped on wasm (transformers.js does not drive it in Node), never passed.
    expect(by.wasm!.checks.filter((c) => c.level === 'pipeline').every((c) => c.status === 'skip')).toBe(true);
    expect((by.wasm!.metrics.latency_ms as { n: number }).n).toBeGreaterThanOrEqual(5);

    for (const name of ['cuda', 'webgpu', 'openvino']) {
      const detection = await core.backends.get(name)!.detect();
      if (detection.available) continue; // a machine that has it runs it for real
      expect(by[name]).toMatchObject({
        status: 'skip',
        reason: `${name} unavailable: ${detection.reason}`,
        checks: [],
      });
    }
  }, 300_000);
});
