import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { catalogFallbackPlugin, classifyRefs, FAMILIES, HfCore, loadPlugin, runModels } from '@hf-core/core';
import myEncoder, { FAMILY } from './index.ts';

// The cpu backend by name, as the CLI loads it: the workspace root depends on every built-in plugin.
const loadCpu = async () => (await loadPlugin('cpu', [fileURLToPath(new URL('../../../', import.meta.url))])).plugin;

describe('example custom family plugin', () => {
  it('adds a model type and a family hf-core does not know, end to end, without touching core or catalog', async () => {
    const core = new HfCore();
    await core.use(myEncoder());
    await core.use(await loadCpu());
    await core.use(catalogFallbackPlugin);
    const [c] = await classifyRefs(core, ['my_encoder'], { cwd: process.cwd(), env: {} });
    expect(c).toMatchObject({ modelType: 'my_encoder', family: FAMILY, claimedBy: 'example:my-encoder' });
    expect(FAMILIES as readonly string[]).not.toContain(FAMILY);
    const out = mkdtempSync(join(tmpdir(), 'hf-example-family-'));
    const summary = await runModels(core, [c!], {
      outDir: out,
      backends: ['cpu'],
      measure: { warmup: 1, runs: 3, minMs: 0 },
      resolveFrom: fileURLToPath(import.meta.url),
    });
    const r = summary.results[0]!;
    expect(r.status, r.reason).toBe('pass');
    expect(r.family).toBe(FAMILY);
    expect(r.level).toBe('session');
    expect(r.checks.map((x) => x.name)).toEqual(['output-shapes', 'determinism', 'latency']);
    expect(r.metrics.latency_ms?.n).toBeGreaterThanOrEqual(3);
  });
});
