import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from '@hf-core/harness';
import {
  checkGemmaKvCache,
  checkGemma4Generate,
  checkGemma4Positions,
  checkGemma4Processor,
  checkGemma4Shapes,
  checkGemma4VisionBatch,
  gemma4AudioTokens,
  type Gemma4Facts,
} from './checks.ts';
import { synthesizeGemma4 } from './synthesize.ts';

/** Gemma 4: each check passes on the synthesized model and FAILS on a deliberately broken one. */

const root = mkdtempSync(join(tmpdir(), 'hf-gemma4-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const tiny = { size: 'tiny' as const, seed: 1 };
const FIXTURES = {
  good: {},
  dropPast: { dropPast: true },
  ignorePositions: { ignorePositions: true },
  wrongAudioCap: { graphAudioCap: 8 },
  wrongSoftTokens: { maxSoftTokens: 9 },
} as const;
type Name = keyof typeof FIXTURES;
const h = Object.fromEntries(
  Object.keys(FIXTURES).map((n) => [
    n,
    harness(import.meta.url, { ref: n, modelType: 'gemma4', family: 'multimodal', modelDir: join(root, n) }),
  ]),
) as Record<Name, ReturnType<typeof harness>>;
let facts: Gemma4Facts;

beforeAll(async () => {
  for (const [n, o] of Object.entries(FIXTURES)) {
    const p = await synthesizeGemma4('gemma4', join(root, n), { ...tiny, ...o });
    if (n === 'good') facts = p.facts;
  }
});

describe('gemma4 checks', () => {
  it('audio token count follows Gemma4Processor', () => {
    expect(gemma4AudioTokens(8000, 32)).toBe(13);
    expect(gemma4AudioTokens(8000, 10)).toBe(10);
  });

  it('shapes: pass; fail when the audio encoder caps at another length', async () => {
    expect((await checkGemma4Shapes(h.good, facts)).imageFeatures).toEqual([20, facts.hidden]);
    await expect(checkGemma4Shapes(h.wrongAudioCap, facts)).rejects.toThrow(/audio_features/);
  });

  it('vision batch passes; positions: pass; fail when the encoder ignores pixel_position_ids', async () => {
    expect((await checkGemma4VisionBatch(h.good, facts)).maxAbsDiff).toBe(0);
    expect((await checkGemma4Positions(h.good, facts)).maxAbsDiff).toBeGreaterThan(1e-4);
    await expect(checkGemma4Positions(h.ignorePositions, facts)).rejects.toThrow(/do not depend on pixel_position_ids/);
  });

  it('kv cache fails when present drops the past', async () => {
    expect((await checkGemmaKvCache(h.good, facts)).maxAbsDiff).toBeLessThan(1e-4);
    await expect(checkGemmaKvCache(h.dropPast, facts)).rejects.toThrow();
  });

  it('processor: pass; fail when max_soft_tokens disagrees with the model', async () => {
    expect((await checkGemma4Processor(h.good, facts)).softTokens).toEqual([12, 12]);
    await expect(checkGemma4Processor(h.wrongSoftTokens, facts)).rejects.toThrow(/pixel_values are \[2,36,192\]/);
  });

  it('generate: pass for image and audio; fail when the processor patches do not fit the encoder', async () => {
    const r = (await checkGemma4Generate(h.good, facts)) as Record<string, { generated: number[] }>;
    expect(r.image!.generated).toHaveLength(6);
    expect(r.audio!.generated).toHaveLength(6);
    await expect(checkGemma4Generate(h.wrongSoftTokens, facts)).rejects.toThrow();
  }, 30_000);
});
