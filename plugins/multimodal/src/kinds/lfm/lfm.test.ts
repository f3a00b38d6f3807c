import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from '@hf-core/harness';
import { checkLfmGenerate, checkLfmProcessor, checkLfmShapes, checkLfmVisionBatch, type LfmFacts } from './checks.ts';
import { checkEmbedsKvCache } from '../vlm/checks.ts';
import { synthesizeLfmVl } from './synthesize.ts';

/** LFM2-VL / LFM3-VL: the checks pass on the synthesized models and FAIL on deliberately broken ones. */
const root = mkdtempSync(join(tmpdir(), 'hf-lfm-vl-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dir = (name: string) => join(root, name);
const NAMES: Record<string, string> = {
  lfm2_vl: 'lfm2_vl',
  lfm3_vl: 'lfm3_vl',
  'lfm2-drop-past': 'lfm2_vl',
  'lfm2-stale-conv': 'lfm2_vl',
  'lfm2-no-mask': 'lfm2_vl',
  'lfm2-tokens': 'lfm2_vl',
  'lfm2-patch': 'lfm2_vl',
  'lfm3-merge': 'lfm3_vl',
  'lfm3-eos': 'lfm3_vl',
};
// Harnesses register their beforeAll hooks, so they are made at module level.
const HARNESSES = Object.fromEntries(
  Object.entries(NAMES).map(([name, modelType]) => [
    name,
    harness(import.meta.url, { ref: name, modelType, family: 'multimodal', modelDir: dir(name) }),
  ]),
);
const h = (name: string, _modelType: string) => HARNESSES[name]!;
const tiny = { size: 'tiny' as const, seed: 1 };
const facts: Record<string, LfmFacts> = {};
const editJson = (path: string, edit: (j: Record<string, unknown>) => void) => {
  const j = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(j);
  writeFileSync(path, JSON.stringify(j));
};

beforeAll(async () => {
  for (const t of ['lfm2_vl', 'lfm3_vl']) facts[t] = (await synthesizeLfmVl(t, dir(t), tiny)).facts;
  await synthesizeLfmVl('lfm2_vl', dir('lfm2-drop-past'), { ...tiny, dropPast: true });
  await synthesizeLfmVl('lfm2_vl', dir('lfm2-stale-conv'), { ...tiny, staleConv: true });
  await synthesizeLfmVl('lfm2_vl', dir('lfm2-no-mask'), { ...tiny, ignoreMask: true });
  await synthesizeLfmVl('lfm2_vl', dir('lfm2-tokens'), tiny);
  await synthesizeLfmVl('lfm2_vl', dir('lfm2-patch'), tiny);
  await synthesizeLfmVl('lfm3_vl', dir('lfm3-merge'), tiny);
  // Seed 42: raw greedy decoding would pick the end-of-sequence id at the 5th new token.
  facts['lfm3-eos'] = (await synthesizeLfmVl('lfm3_vl', dir('lfm3-eos'), { ...tiny, seed: 42 })).facts;
});

describe('LFM-VL checks', () => {
  it.each(['lfm2_vl', 'lfm3_vl'])('%s: shapes, KV/conv cache, processor and generate pass', async (t) => {
    const f = facts[t]!;
    const m = h(t, t);
    await checkLfmShapes(m, f);
    expect((await checkEmbedsKvCache(m, f)).maxAbsDiff).toBeLessThan(1e-4);
    await checkLfmProcessor(m, f);
    expect((await checkLfmGenerate(m, f)).generated).toHaveLength(6);
    if (t === 'lfm2_vl') expect((await checkLfmVisionBatch(m, f)).paddingDiff).toBeLessThan(1e-4);
  });

  it('raw greedy masks the end-of-sequence id as generate does under min_new_tokens', async () => {
    expect((await checkLfmGenerate(h('lfm3-eos', 'lfm3_vl'), facts['lfm3-eos']!)).generated).toHaveLength(6);
  });

  it('fail on broken fixtures', async () => {
    const f = facts.lfm2_vl!;
    // present.* without the past: the decoder cannot even run a cached step.
    await expect(checkEmbedsKvCache(h('lfm2-drop-past', 'lfm2_vl'), f)).rejects.toThrow();
    // present_conv.* that never advances: step-by-step logits drift from the full forward.
    await expect(checkEmbedsKvCache(h('lfm2-stale-conv', 'lfm2_vl'), f)).rejects.toThrow(
      /KV cache: logits at position/,
    );
    await expect(checkLfmVisionBatch(h('lfm2-no-mask', 'lfm2_vl'), f)).rejects.toThrow(/padded patch slots/);
    // The processor computes fewer tokens than the encoder gives features.
    editJson(join(dir('lfm2-tokens'), 'preprocessor_config.json'), (j) =>
      Object.assign(j, { downsample_factor: 4, max_image_tokens: 4 }),
    );
    await expect(checkLfmGenerate(h('lfm2-tokens', 'lfm2_vl'), f)).rejects.toThrow(
      /tokens: 4, features 16|image tokens in the prompt/,
    );
    editJson(
      join(dir('lfm2-patch'), 'config.json'),
      (j) => ((j.vision_config as Record<string, unknown>).patch_size = 16),
    );
    await expect(checkLfmProcessor(h('lfm2-patch', 'lfm2_vl'), f)).rejects.toThrow(/patches of 768 values/);
    editJson(join(dir('lfm3-merge'), 'preprocessor_config.json'), (j) => (j.merge_size = 1));
    await expect(checkLfmGenerate(h('lfm3-merge', 'lfm3_vl'), facts.lfm3_vl!)).rejects.toThrow(
      /tokens: 48, features 12|image tokens in the prompt/,
    );
  });
});
