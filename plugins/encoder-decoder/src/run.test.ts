import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HfCore, runModels, loadPlugin } from '@hf-core/core';
import { afterAll, describe, expect, it } from 'vitest';
import encoderDecoder from './index.ts';

// The cpu backend by name, as the CLI loads it: the workspace root depends on every built-in plugin.
const loadCpu = async () => (await loadPlugin('cpu', [fileURLToPath(new URL('../../../', import.meta.url))])).plugin;

const out = mkdtempSync(join(tmpdir(), 'hf-core-seq2seq-run-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('encoder-decoder plugin end to end', () => {
  it('bart: classify, synthesize, render, fix, run in its own vitest process; every check passes at pipeline level with generation metrics', async () => {
    const core = new HfCore();
    await core.use(encoderDecoder());
    await core.use(await loadCpu());
    const c = await core.hooks.classify.promise({ ref: { kind: 'type', modelType: 'bart', ref: 'bart' } });
    expect(c?.family).toBe('encoder-decoder');
    const summary = await runModels(core, [c!], {
      outDir: out,
      backends: ['cpu'],
      measure: { warmup: 1, runs: 3 },
      resolveFrom: new URL('./index.ts', import.meta.url).pathname,
    });
    const r = summary.results[0]!;
    expect([r.status, r.level], r.reason).toEqual(['pass', 'pipeline']);
    const names = r.checks.filter((x) => x.status === 'pass').map((x) => x.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'cache-io',
        'kv-cache',
        'padding-invariance',
        'generate',
        'padded-batch',
        'text2text-generation',
        'summarization',
      ]),
    );
    expect(r.metrics.decode_ms_per_token).toBeGreaterThan(0);
    expect(r.metrics.tokens_per_s).toBeGreaterThan(0);
    expect(readFileSync(r.model!.testFile!, 'utf8')).toContain("from '@hf-core/plugin-encoder-decoder/checks'");
  });
});
