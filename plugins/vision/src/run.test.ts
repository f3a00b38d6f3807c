import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HfCore, runModels, loadPlugin } from '@hf-core/core';
import { afterAll, describe, expect, it } from 'vitest';
import vision from './index.ts';

// The cpu backend by name, as the CLI loads it: the workspace root depends on every built-in plugin.
const loadCpu = async () => (await loadPlugin('cpu', [fileURLToPath(new URL('../../../', import.meta.url))])).plugin;

const out = mkdtempSync(join(tmpdir(), 'hf-core-vision-run-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('vision plugin end to end', () => {
  it('vit and dpt: classify, synthesize, render, fix, run in their own vitest processes; every check passes at pipeline level', async () => {
    const core = new HfCore();
    await core.use(vision());
    await core.use(await loadCpu());
    const cls = [];
    for (const t of ['vit', 'dpt'])
      cls.push((await core.hooks.classify.promise({ ref: { kind: 'type', modelType: t, ref: t } }))!);
    expect(cls.map((c) => c.family)).toEqual(['vision', 'vision']);
    const summary = await runModels(core, cls, {
      outDir: out,
      backends: ['cpu'],
      measure: { warmup: 1, runs: 3, minMs: 0 },
      resolveFrom: new URL('./index.ts', import.meta.url).pathname,
    });
    const [vit, dpt] = summary.results;
    expect([vit!.status, vit!.level], vit!.reason).toEqual(['pass', 'pipeline']);
    expect([dpt!.status, dpt!.level], dpt!.reason).toEqual(['pass', 'pipeline']);
    expect(vit!.checks.filter((x) => x.status === 'pass').map((x) => x.name)).toEqual(
      expect.arrayContaining([
        'output-shapes',
        'batch-equivalence',
        'processor-shapes',
        'image-classification',
        'image-feature-extraction',
      ]),
    );
    expect(dpt!.checks.filter((x) => x.status === 'pass').map((x) => x.name)).toEqual(
      expect.arrayContaining(['processor-shapes', 'depth-estimation']),
    );
    expect(vit!.metrics.load_ms).toBeGreaterThan(0);
    expect(readFileSync(vit!.model!.testFile!, 'utf8')).toContain("from '@hf-core/plugin-vision/checks'");
  });
});
