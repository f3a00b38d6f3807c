import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from '@hf-core/harness';
import {
  checkPhi3vGenerate,
  checkPhi3vKvCache,
  checkPhi3vMerge,
  checkPhi3vProcessor,
  checkPhi3vShapes,
  checkPhi3vVisionBatch,
  type Phi3vFacts,
} from './checks.ts';
import { phi3vImageTokens, synthesizePhi3v } from './synthesize.ts';

/** Phi-3 Vision: each check passes on the synthesized model and FAILS on a deliberately broken one. */

const root = mkdtempSync(join(tmpdir(), 'hf-phi3v-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const tiny = { size: 'tiny' as const, seed: 1 };
const FIXTURES = {
  good: {},
  dropPast: { dropPast: true },
  ignoreFeatures: { ignoreFeatures: true },
  wrongProcessor: { numImgTokens: 9 },
  wrongGraph: { graphTokensPerCrop: 9 },
  mixImages: { mixImages: true },
} as const;
type Name = keyof typeof FIXTURES;
const h = Object.fromEntries(
  Object.keys(FIXTURES).map((n) => [
    n,
    harness(import.meta.url, { ref: n, modelType: 'phi3_v', family: 'multimodal', modelDir: join(root, n) }),
  ]),
) as Record<Name, ReturnType<typeof harness>>;
let facts: Phi3vFacts;

beforeAll(async () => {
  for (const [n, o] of Object.entries(FIXTURES)) {
    const p = await synthesizePhi3v('phi3_v', join(root, n), { ...tiny, ...o });
    if (n === 'good') facts = p.facts;
  }
});

describe('phi3_v checks', () => {
  it('HD-transform token counts follow transformers.js', () => {
    expect(phi3vImageTokens(672, 672)).toBe(27);
    expect(phi3vImageTokens(672, 336)).toBe(19);
  });

  it('shapes: pass; fail when the vision encoder gives another token count', async () => {
    expect((await checkPhi3vShapes(h.good, facts)).imageFeatures).toEqual([46, facts.hidden]);
    await expect(checkPhi3vShapes(h.wrongGraph, facts)).rejects.toThrow(/image_features/);
  });

  it('merge: pass; fail when prepare_inputs_embeds ignores the image features', async () => {
    expect((await checkPhi3vMerge(h.good, facts)).maxAbsDiff).toBe(0);
    await expect(checkPhi3vMerge(h.ignoreFeatures, facts)).rejects.toThrow(/image token 0/);
  });

  it('vision batch: pass; fail when features mix images', async () => {
    expect((await checkPhi3vVisionBatch(h.good, facts)).maxAbsDiff).toBe(0);
    await expect(checkPhi3vVisionBatch(h.mixImages, facts)).rejects.toThrow(/encoded alone differs/);
  });

  it('kv cache: pass; fail when present drops the past', async () => {
    expect((await checkPhi3vKvCache(h.good, facts)).maxAbsDiff).toBeLessThan(1e-4);
    await expect(checkPhi3vKvCache(h.dropPast, facts)).rejects.toThrow();
  });

  it('processor: pass; fail when preprocessor num_img_tokens disagrees with config.json', async () => {
    expect((await checkPhi3vProcessor(h.good, facts)).shapes).toEqual([
      [1, 5, 3, 336, 336],
      [2, 5, 3, 336, 336],
    ]);
    await expect(checkPhi3vProcessor(h.wrongProcessor, facts)).rejects.toThrow(/num_img_tokens\[0\] is/);
  });

  it('generate: pass; fail when the processor puts another number of image tokens', async () => {
    const r = await checkPhi3vGenerate(h.good, facts);
    expect(r.generated).toHaveLength(6);
    expect(r.imageTokens).toBe(27);
    await expect(checkPhi3vGenerate(h.wrongProcessor, facts)).rejects.toThrow(/image tokens in the prompt/);
  }, 30_000);
});
