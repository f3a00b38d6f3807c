import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HfCore, runModels, loadPlugin } from '@hf-core/core';
import { afterAll, describe, expect, it } from 'vitest';
import multimodal from './index.ts';

// The cpu backend by name, as the CLI loads it: the workspace root depends on every built-in plugin.
const loadCpu = async () => (await loadPlugin('cpu', [fileURLToPath(new URL('../../../', import.meta.url))])).plugin;

const out = mkdtempSync(join(tmpdir(), 'hf-core-multimodal-run-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('multimodal plugin end to end', () => {
  it('clip and llava: classify, synthesize, render, fix, run in their own vitest processes; every check passes at pipeline level', async () => {
    const core = new HfCore();
    await core.use(multimodal());
    await core.use(await loadCpu());
    const cls = [];
    for (const t of ['clip', 'llava'])
      cls.push((await core.hooks.classify.promise({ ref: { kind: 'type', modelType: t, ref: t } }))!);
    expect(cls.map((c) => c.family)).toEqual(['multimodal', 'multimodal']);
    const summary = await runModels(core, cls, {
      outDir: out,
      backends: ['cpu'],
      measure: { warmup: 1, runs: 3, minMs: 0 },
      resolveFrom: new URL('./index.ts', import.meta.url).pathname,
    });
    const [clip, llava] = summary.results;
    expect([clip!.status, clip!.level], clip!.reason).toEqual(['pass', 'pipeline']);
    expect([llava!.status, llava!.level], llava!.reason).toEqual(['pass', 'pipeline']);
    expect(clip!.checks.filter((x) => x.status === 'pass').map((x) => x.name)).toEqual(
      expect.arrayContaining(['processor', 'automodel', 'zero-shot-image-classification', 'padding-invariance']),
    );
    expect(llava!.checks.filter((x) => x.status === 'pass').map((x) => x.name)).toEqual(
      expect.arrayContaining(['processor', 'kv-cache', 'generate', 'batch-equivalence']),
    );
    expect(llava!.metrics.tokens_per_s).toBeGreaterThan(0);
    expect(readFileSync(llava!.model!.testFile!, 'utf8')).toContain("from '@hf-core/plugin-multimodal/kinds/vlm'");
  });
});
