import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HfCore, runModels, loadPlugin } from '@hf-core/core';
import { harness } from '@hf-core/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkGenerate, checkLeftPaddedBatch, checkTextGeneration, type DecoderFacts } from './checks.ts';
import decoder from './index.ts';
import { synthesizeDecoder } from './synthesize.ts';

// The cpu backend by name, as the CLI loads it: the workspace root depends on every built-in plugin.
const loadCpu = async () => (await loadPlugin('cpu', [fileURLToPath(new URL('../../../', import.meta.url))])).plugin;

const root = mkdtempSync(join(tmpdir(), 'hf-core-decoder-pipeline-'));
const good = join(root, 'llama');
const broken = join(root, 'llama-ignores-padding');
const hGood = harness(import.meta.url, { ref: 'llama', modelType: 'llama', family: 'decoder-only', modelDir: good });
const hBroken = harness(import.meta.url, {
  ref: 'llama (ignores padding)',
  modelType: 'llama',
  family: 'decoder-only',
  modelDir: broken,
});
let facts: DecoderFacts;

beforeAll(async () => {
  facts = (await synthesizeDecoder('llama', good, { size: 'tiny', seed: 42 })).facts;
  await synthesizeDecoder('llama', broken, { size: 'tiny', seed: 42, faults: { ignorePadding: true } });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('pipeline checks through transformers.js (llama)', () => {
  it('greedy generate returns the requested new tokens, equal to the raw session greedy loop', async () => {
    const r = await checkGenerate(hGood, await hGood.session(), facts);
    expect(r.newTokens).toBe(8);
  });

  it('a left-padded batch generates what each prompt generates alone', async () => {
    expect((await checkLeftPaddedBatch(hGood)).rows).toBe(2);
  });

  it('the left-padded batch check fails when attention ignores the padding mask', async () => {
    await expect(checkLeftPaddedBatch(hBroken)).rejects.toThrow(
      /row \d \(".*"\) generates \[[\d,]+\] in a left-padded batch but \[[\d,]+\] alone/,
    );
  });

  it('text-generation returns the prompt extended with generated text', async () => {
    expect((await checkTextGeneration(hGood)).chars).toBeGreaterThan(0);
  });
});

describe('runModels end to end (gpt2 on cpu)', () => {
  it('generates the test, runs it isolated and passes at pipeline level with generation metrics', async () => {
    const core = new HfCore();
    await core.use(decoder());
    await core.use(await loadCpu());
    const c = await core.hooks.classify.promise({ ref: { kind: 'type', modelType: 'gpt2', ref: 'gpt2' } });
    const summary = await runModels(core, [c!], {
      outDir: join(root, 'run'),
      backends: ['cpu'],
      resolveFrom: fileURLToPath(import.meta.url),
      measure: { warmup: 1, runs: 3, minMs: 0 },
    });
    const r = summary.results[0]!;
    expect(r.status, `${r.reason} ${JSON.stringify(r.checks.filter((x) => x.status === 'fail'))}`).toBe('pass');
    expect(r.level).toBe('pipeline');
    expect(r.checks.find((x) => x.name === 'kv-cache')?.status).toBe('pass');
    expect(r.checks.find((x) => x.name === 'left-padded-batch')?.status).toBe('pass');
    for (const m of ['prefill_ms', 'decode_ms_per_token', 'tokens_per_s'] as const)
      expect(r.metrics[m]).toBeGreaterThan(0);
  }, 120_000);
});
