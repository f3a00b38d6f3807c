import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from '@hf-core/harness';
import { synthesizeCaptioning } from './synthesize.ts';
import { checkGreedyCaption, checkPrefixKvCache, type CaptionFacts } from './checks.ts';
import { checkV2sKvCache } from '../v2s/checks.ts';

/** blip and git (session level only): the captioning checks pass on good models and fail on a cache that drops the past. */

const root = mkdtempSync(join(tmpdir(), 'hf-captioning-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const tiny = { size: 'tiny' as const, seed: 1 };
const harnesses = Object.fromEntries(
  ['blip', 'blip-drop-past', 'git', 'git-drop-past'].map((name) => [
    name,
    harness(import.meta.url, {
      ref: name,
      modelType: name.split('-')[0]!,
      family: 'multimodal',
      modelDir: join(root, name),
    }),
  ]),
);
const h = (name: string, _modelType: string) => harnesses[name]!;
const facts: Record<string, CaptionFacts> = {};

beforeAll(async () => {
  for (const t of ['blip', 'git']) {
    facts[t] = (await synthesizeCaptioning(t, join(root, t), tiny)).facts;
    await synthesizeCaptioning(t, join(root, `${t}-drop-past`), { ...tiny, dropPast: true });
  }
}, 30_000);

describe('session-level captioners (types transformers.js 4.3.2 does not register)', () => {
  it('blip: cross-attention layout and config keys; greedy captions pass; a dropped past fails greedy and KV cache', async () => {
    const f = facts.blip!;
    expect(f.layout).toBe('cross-attention');
    expect(f.pipelineUnsupported).toMatch(/transformers.js 4.3.2 does not register blip/);
    expect((await checkGreedyCaption(h('blip', 'blip'), f)).captions).toHaveLength(2);
    await expect(checkGreedyCaption(h('blip-drop-past', 'blip'), f)).rejects.toThrow(
      /with the KV cache gave .* without it gives/,
    );
    await expect(checkV2sKvCache(h('blip-drop-past', 'blip'), f.v2s!)).rejects.toThrow(/KV cache/);
  }, 60_000);

  it('git: image-prefix layout; KV cache after the prefix and greedy captions pass; a dropped past fails both', async () => {
    const f = facts.git!;
    expect(f.layout).toBe('prefix');
    const kv = await checkPrefixKvCache(h('git', 'git'), f);
    expect(kv.imageTokens).toBe(f.vlm!.imageTokens);
    expect((await checkGreedyCaption(h('git', 'git'), f)).captions).toHaveLength(2);
    // The masked decoder with a dropped past sees fewer keys than attention_mask positions: the step itself fails.
    await expect(checkPrefixKvCache(h('git-drop-past', 'git'), f)).rejects.toThrow(
      /KV cache: logits at caption position|broadcast/,
    );
    await expect(checkGreedyCaption(h('git-drop-past', 'git'), f)).rejects.toThrow(
      /with the KV cache gave .* without it gives|broadcast/,
    );
  }, 60_000);

  it('unknown types are refused', async () => {
    await expect(synthesizeCaptioning('nope', join(root, 'nope'), tiny)).rejects.toThrow(/no captioning spec/);
  });
});
