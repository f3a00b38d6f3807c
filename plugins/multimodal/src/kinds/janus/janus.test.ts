import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from '@hf-core/harness';
import { synthesizeJanus } from './synthesize.ts';
import { checkJanusGenerate, checkJanusKvCache, checkJanusMerge, checkJanusShapes, type JanusFacts } from './checks.ts';

/** Janus (multi_modality): the checks pass on a good model and fail on broken ones. */

const root = mkdtempSync(join(tmpdir(), 'hf-janus-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const tiny = { size: 'tiny' as const, seed: 1 };
const names = ['janus', 'janus-drop-past', 'janus-tokens', 'janus-blind'];
const h = Object.fromEntries(
  names.map((n) => [
    n,
    harness(import.meta.url, { ref: n, modelType: 'multi_modality', family: 'multimodal', modelDir: join(root, n) }),
  ]),
);
let facts: JanusFacts;

beforeAll(async () => {
  facts = (await synthesizeJanus('multi_modality', join(root, 'janus'), tiny)).facts;
  await synthesizeJanus('multi_modality', join(root, 'janus-drop-past'), { ...tiny, dropPast: true });
  await synthesizeJanus('multi_modality', join(root, 'janus-tokens'), tiny);
  await synthesizeJanus('multi_modality', join(root, 'janus-blind'), { ...tiny, ignoreImages: true });
}, 30_000);

describe('Janus (multi_modality)', () => {
  it('sessions: shapes and the image merge pass; a prepare_inputs_embeds that ignores the image fails the merge', async () => {
    expect((await checkJanusShapes(h.janus!, facts)).files).toHaveLength(6);
    expect((await checkJanusMerge(h.janus!, facts)).textDiff).toBeLessThan(1e-5);
    await expect(checkJanusMerge(h['janus-blind']!, facts)).rejects.toThrow(
      /image placeholder positions did not change/,
    );
  });

  it('KV cache passes; a cache that drops the past fails', async () => {
    expect((await checkJanusKvCache(h.janus!, facts)).steps).toBe(4);
    // The masked decoder with a dropped past sees fewer keys than attention_mask positions: the step itself fails.
    await expect(checkJanusKvCache(h['janus-drop-past']!, facts)).rejects.toThrow(/KV cache|broadcast/);
  });

  it('generate passes; a num_image_tokens that miscounts the features fails', async () => {
    expect((await checkJanusGenerate(h.janus!, facts)).generated).toHaveLength(6);
    const p = join(root, 'janus-tokens', 'processor_config.json');
    const j = JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
    writeFileSync(p, JSON.stringify({ ...j, num_image_tokens: facts.imageTokens - 1 }));
    await expect(checkJanusGenerate(h['janus-tokens']!, facts)).rejects.toThrow(
      /VLChatProcessor put 15 image placeholders in the prompt, expected 16/,
    );
  }, 60_000);
});
