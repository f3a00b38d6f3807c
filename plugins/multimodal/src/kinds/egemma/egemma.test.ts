import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from '@hf-core/harness';
import {
  checkEGemmaEmbed,
  checkEGemmaProcessor,
  checkEGemmaShapes,
  checkEGemmaVisionBatch,
  type EGemmaFacts,
} from './checks.ts';
import { synthesizeEGemma } from './synthesize.ts';

/** EmbeddingGemma 2: the checks pass on the synthesized model and FAIL on deliberately broken ones. */
const root = mkdtempSync(join(tmpdir(), 'hf-egemma-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dir = (name: string) => join(root, name);
const H = Object.fromEntries(
  ['good', 'no-mask', 'pool', 'patch'].map((n) => [
    n,
    harness(import.meta.url, { ref: n, modelType: 'embedding_gemma2', family: 'multimodal', modelDir: dir(n) }),
  ]),
);
const tiny = { size: 'tiny' as const, seed: 1 };
let facts: EGemmaFacts;
const editJson = (path: string, edit: (j: Record<string, unknown>) => void) => {
  const j = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(j);
  writeFileSync(path, JSON.stringify(j));
};

beforeAll(async () => {
  facts = (await synthesizeEGemma('embedding_gemma2', dir('good'), tiny)).facts;
  await synthesizeEGemma('embedding_gemma2', dir('no-mask'), { ...tiny, ignoreMask: true });
  await synthesizeEGemma('embedding_gemma2', dir('pool'), tiny);
  await synthesizeEGemma('embedding_gemma2', dir('patch'), tiny);
});

describe('EmbeddingGemma 2 checks', () => {
  it('pass on the synthesized model', async () => {
    await checkEGemmaShapes(H.good!, facts);
    expect((await checkEGemmaVisionBatch(H.good!, facts)).paddingDiff).toBeLessThan(1e-4);
    await checkEGemmaProcessor(H.good!, facts);
    expect((await checkEGemmaEmbed(H.good!, facts)).imageTokens).toBe(12);
  });

  it('fail on broken fixtures', async () => {
    await expect(checkEGemmaVisionBatch(H['no-mask']!, facts)).rejects.toThrow(/padded patch slots/);
    await expect(checkEGemmaEmbed(H['no-mask']!, facts)).rejects.toThrow(/padding must not change/);
    // The processor counts soft tokens with another pooling than the encoder applies.
    editJson(join(dir('pool'), 'processor_config.json'), (j) =>
      Object.assign(j.image_processor as Record<string, unknown>, { pooling_kernel_size: 1, max_soft_tokens: 64 }),
    );
    await expect(checkEGemmaEmbed(H.pool!, facts)).rejects.toThrow(
      /image tokens \(54\) and image features \(13\) do not match/,
    );
    editJson(join(dir('patch'), 'config.json'), (j) => ((j.vision_config as Record<string, unknown>).patch_size = 16));
    await expect(checkEGemmaProcessor(H.patch!, facts)).rejects.toThrow(/patches of 768 values/);
  });
});
