import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from '@hf-core/harness';
import {
  checkGemma3nGenerate,
  checkGemmaKvCache,
  checkGemmaPerLayer,
  checkGemma3nProcessor,
  checkGemma3nShapes,
  type Gemma3nFacts,
} from './checks.ts';
import { synthesizeGemma3n } from './synthesize.ts';

/** Gemma 3n: each check passes on the synthesized model and FAILS on a deliberately broken one. */

const root = mkdtempSync(join(tmpdir(), 'hf-gemma3n-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const tiny = { size: 'tiny' as const, seed: 1 };
const FIXTURES = {
  good: {},
  dropPast: { dropPast: true },
  ignorePerLayer: { ignorePerLayer: true },
  wrongAudioGraph: { graphAudioTokens: 12 },
  wrongAudioSeq: { audioTokens: 12 },
  wrongMels: {},
} as const;
type Name = keyof typeof FIXTURES;
const h = Object.fromEntries(
  Object.keys(FIXTURES).map((n) => [
    n,
    harness(import.meta.url, { ref: n, modelType: 'gemma3n', family: 'multimodal', modelDir: join(root, n) }),
  ]),
) as Record<Name, ReturnType<typeof harness>>;
let facts: Gemma3nFacts;

beforeAll(async () => {
  for (const [n, o] of Object.entries(FIXTURES)) {
    const p = await synthesizeGemma3n('gemma3n', join(root, n), { ...tiny, ...o });
    if (n === 'good') facts = p.facts;
  }
  const pre = join(root, 'wrongMels', 'preprocessor_config.json');
  writeFileSync(pre, JSON.stringify({ ...JSON.parse(readFileSync(pre, 'utf8')), feature_size: 20 }));
});

describe('gemma3n checks', () => {
  it('shapes: pass; fail when the audio encoder gives another number of features', async () => {
    expect((await checkGemma3nShapes(h.good, facts)).files).toHaveLength(4);
    await expect(checkGemma3nShapes(h.wrongAudioGraph, facts)).rejects.toThrow(/audio_features/);
  });

  it('per-layer inputs: pass; fail when the decoder ignores them', async () => {
    expect((await checkGemmaPerLayer(h.good, facts)).maxAbsDiff).toBeGreaterThan(1e-4);
    await expect(checkGemmaPerLayer(h.ignorePerLayer, facts)).rejects.toThrow(/do not depend on per_layer_inputs/);
  });

  it('kv cache: pass; fail when present drops the past', async () => {
    expect((await checkGemmaKvCache(h.good, facts)).maxAbsDiff).toBeLessThan(1e-4);
    await expect(checkGemmaKvCache(h.dropPast, facts)).rejects.toThrow();
  });

  it('processor: pass; fail when the feature extractor gives other mel bins than config.json', async () => {
    expect((await checkGemma3nProcessor(h.good, facts)).inputFeatures).toEqual([1, 48, facts.mels]);
    await expect(checkGemma3nProcessor(h.wrongMels, facts)).rejects.toThrow(/input_features \[1,48,20\]/);
  });

  it('generate: pass for image and audio; fail when the processor puts another number of audio tokens', async () => {
    const r = (await checkGemma3nGenerate(h.good, facts)) as Record<string, { generated: number[] }>;
    expect(r.image!.generated).toHaveLength(6);
    expect(r.audio!.generated).toHaveLength(6);
    await expect(checkGemma3nGenerate(h.wrongAudioSeq, facts)).rejects.toThrow(
      /12 audio tokens in the prompt, expected 16/,
    );
  }, 30_000);
});
