import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { catalogFallbackPlugin, classifyRefs, HfCore, runModels, loadPlugin } from '@hf-core/core';
import myEncoder from './index.ts';

// The cpu backend by name, as the CLI loads it: the workspace root depends on every built-in plugin.
const loadCpu = async () => (await loadPlugin('cpu', [fileURLToPath(new URL('../../../', import.meta.url))])).plugin;

describe('example custom family plugin', () => {
  it('adds a model type hf-core does not know, end to end, without touching core', async () => {
    const core = new HfCore();
    await core.use(myEncoder());
    await core.use(await loadCpu());
    await core.use(catalogFallbackPlugin);
    const [c] = await classifyRefs(core, ['my_encoder'], { cwd: process.cwd(), env: {} });
    expect(c).toMatchObject({ modelType: 'my_encoder', family: 'encoder-only', claimedBy: 'example:my-encoder' });
    const out = mkdtempSync(join(tmpdir(), 'hf-example-family-'));
    const summary = await runModels(core, [c!], {
      outDir: out,
      backends: ['cpu'],
      measure: { warmup: 1, runs: 3, minMs: 0 },
      resolveFrom: fileURLToPath(import.meta.url),
    });
    const r = summary.results[0]!;
    expect(r.status, r.reason).toBe('pass');
    expect(r.level).toBe('session');
    expect(r.checks.map((x) => x.name)).toEqual(['output-shapes', 'determinism', 'latency']);
    expect(r.metrics.latency_ms?.n).toBeGreaterThanOrEqual(3);
  });
});
