import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from '@hf-core/harness';
import { synthesizeVoxtralRt } from './synthesize.ts';
import { checkEncoderStreaming, checkVoxtralRtGenerate, checkVoxtralRtShapes, type VoxtralRtFacts } from './checks.ts';

/** VoxtralRealtime: the checks pass on a good model and fail on broken ones. */

const root = mkdtempSync(join(tmpdir(), 'hf-voxtral-rt-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const tiny = { size: 'tiny' as const, seed: 1 };
const h = Object.fromEntries(
  ['vrt', 'vrt-stateless', 'vrt-mels'].map((n) => [
    n,
    harness(import.meta.url, { ref: n, modelType: 'voxtral_realtime', family: 'multimodal', modelDir: join(root, n) }),
  ]),
);
let facts: VoxtralRtFacts;

beforeAll(async () => {
  facts = (await synthesizeVoxtralRt('voxtral_realtime', join(root, 'vrt'), tiny)).facts;
  await synthesizeVoxtralRt('voxtral_realtime', join(root, 'vrt-stateless'), { ...tiny, dropState: true });
  await synthesizeVoxtralRt('voxtral_realtime', join(root, 'vrt-mels'), tiny);
}, 30_000);

describe('VoxtralRealtime', () => {
  it('shapes and encoder streaming pass; an encoder that drops its mel padding state fails streaming', async () => {
    expect((await checkVoxtralRtShapes(h.vrt!, facts)).files).toHaveLength(3);
    expect((await checkEncoderStreaming(h.vrt!, facts)).tokens).toBe(6);
    await expect(checkEncoderStreaming(h['vrt-stateless']!, facts)).rejects.toThrow(
      /streaming the audio encoder in chunks/,
    );
  });

  it('generate passes and equals the raw sessions; a feature extractor with other mel bins fails', async () => {
    const r = await checkVoxtralRtGenerate(h.vrt!, facts);
    expect(r.promptTokens).toBe(39);
    expect(r.audioTokens).toBe(42);
    expect((r.generated as number[]).length).toBeGreaterThan(0);
    const p = join(root, 'vrt-mels', 'preprocessor_config.json');
    writeFileSync(p, JSON.stringify({ ...(JSON.parse(readFileSync(p, 'utf8')) as object), feature_size: 8 }));
    await expect(checkVoxtralRtGenerate(h['vrt-mels']!, facts)).rejects.toThrow(
      /input_features is \[1,8,336\], expected \[1, 16/,
    );
  }, 60_000);
});
