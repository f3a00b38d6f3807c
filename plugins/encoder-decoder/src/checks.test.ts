import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCpuEngine } from '@hf-core/ort';
import { CheckFailure, harness } from '@hf-core/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkGreedyGeneration, checkPaddedBatch, checkTextPipeline, type Seq2SeqFacts } from './pipeline-checks.ts';
import { checkCrossAttentionPadding, checkKvCache, seq2seqGeometry, validateMergedDecoder } from './session-checks.ts';
import { synthesizeSeq2Seq } from './synthesize.ts';

/**
 * Every family check passes on a good tiny model and FAILS on a deliberately broken one:
 * a cache that drops the past, a decoder that ignores encoder padding, a decoder without cache
 * inputs, a config without the keys the cache is sized from.
 */

const root = mkdtempSync(join(tmpdir(), 'hf-core-seq2seq-checks-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dirs = {
  good: join(root, 't5'),
  brokenCache: join(root, 't5-broken-cache'),
  ignoresMask: join(root, 'bart-ignores-mask'),
  noCache: join(root, 'bart-no-cache'),
  mbart: join(root, 'mbart'),
};
const h = {
  good: harness(import.meta.url, { ref: 't5', modelType: 't5', family: 'encoder-decoder', modelDir: dirs.good }),
  brokenCache: harness(import.meta.url, {
    ref: 't5-broken-cache',
    modelType: 't5',
    family: 'encoder-decoder',
    modelDir: dirs.brokenCache,
  }),
  ignoresMask: harness(import.meta.url, {
    ref: 'bart-ignores-mask',
    modelType: 'bart',
    family: 'encoder-decoder',
    modelDir: dirs.ignoresMask,
  }),
  mbart: harness(import.meta.url, {
    ref: 'mbart',
    modelType: 'mbart',
    family: 'encoder-decoder',
    modelDir: dirs.mbart,
  }),
};
const facts: Record<string, Seq2SeqFacts> = {};
const engine = createCpuEngine();
const sessions = async (dir: string) => ({
  enc: await engine.createSession(join(dir, 'onnx/encoder_model.onnx')),
  dec: await engine.createSession(join(dir, 'onnx/decoder_model_merged.onnx')),
});
const config = (dir: string) => JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;

beforeAll(async () => {
  const opts = { size: 'tiny', seed: 5 } as const;
  facts.good = (await synthesizeSeq2Seq('t5', dirs.good, opts)).facts;
  facts.brokenCache = (await synthesizeSeq2Seq('t5', dirs.brokenCache, { ...opts, brokenCache: true })).facts;
  facts.ignoresMask = (await synthesizeSeq2Seq('bart', dirs.ignoresMask, { ...opts, ignoreEncoderMask: true })).facts;
  facts.mbart = (await synthesizeSeq2Seq('mbart', dirs.mbart, opts)).facts;
  await synthesizeSeq2Seq('bart', dirs.noCache, { ...opts, withoutCache: true });
}, 30_000);

describe('session-level seq2seq checks', () => {
  it('kv-cache: stepping through the cache equals a full forward; a cache that drops the past is caught', async () => {
    const good = await sessions(dirs.good);
    const r = await checkKvCache(good.enc, good.dec, seq2seqGeometry(config(dirs.good), 't5'));
    expect(r.maxAbsDiff as number).toBeLessThan(1e-4);
    const bad = await sessions(dirs.brokenCache);
    await expect(
      checkKvCache(bad.enc, bad.dec, seq2seqGeometry(config(dirs.brokenCache), 't5-broken-cache')),
    ).rejects.toThrow(/logits of step 2 computed through the cache differ from the full forward/);
  });

  it('cross-attention padding: masked encoder positions do not change the logits; a decoder ignoring encoder_attention_mask is caught', async () => {
    const good = await sessions(dirs.good);
    expect(
      (await checkCrossAttentionPadding(good.enc, good.dec, seq2seqGeometry(config(dirs.good), 't5'))).maxAbsDiff,
    ).toBeLessThan(1e-4);
    const bad = await sessions(dirs.ignoresMask);
    await expect(
      checkCrossAttentionPadding(bad.enc, bad.dec, seq2seqGeometry(config(dirs.ignoresMask), 'bart')),
    ).rejects.toThrow(/decoder logits change by .* when the encoder input is padded/);
  });

  it('cache-io: a decoder without cache inputs fails with the missing names', async () => {
    const dec = await engine.createSession(join(dirs.noCache, 'onnx/decoder_model_merged.onnx'));
    const g = seq2seqGeometry(config(dirs.noCache), 'bart');
    expect(() => validateMergedDecoder(dec, g)).toThrow(
      /lacks inputs past_key_values\.0\.decoder\.key, past_key_values\.0\.decoder\.value.* and outputs present\.0\.decoder\.key/,
    );
    const { dec: good } = await sessions(dirs.good);
    expect(validateMergedDecoder(good, seq2seqGeometry(config(dirs.good), 't5')).inputs).toBe(3 + 4 * 2 + 1);
  });

  it('config: missing cache keys fail with their names', () => {
    const c = config(dirs.good);
    delete c.d_kv;
    delete c.num_heads;
    expect(() => seq2seqGeometry(c, 'my-t5')).toThrow(CheckFailure);
    expect(() => seq2seqGeometry(c, 'my-t5')).toThrow(/config.json of my-t5 \(model_type "t5"\) lacks num_heads, d_kv/);
    expect(() => seq2seqGeometry({ ...config(dirs.ignoresMask), is_encoder_decoder: false }, 'b')).toThrow(
      /is_encoder_decoder \(must be true\)/,
    );
  });
});

describe('pipeline-level seq2seq checks (transformers.js, offline)', () => {
  it('generate: N new tokens equal to uncached greedy decoding; a broken cache makes them differ', async () => {
    const good = await sessions(dirs.good);
    const r = await checkGreedyGeneration(h.good, good.enc, good.dec, facts.good!, 5);
    expect((r.tokens as number[]).length).toBe(6);
    const bad = await sessions(dirs.brokenCache);
    await expect(checkGreedyGeneration(h.brokenCache, bad.enc, bad.dec, facts.brokenCache!, 5)).rejects.toThrow(
      /generation with the KV cache \(transformers.js\) gave .*, greedy decoding without a cache gave/,
    );
  });

  it('padded batch: rows equal their solo generation; a decoder ignoring encoder padding is caught', async () => {
    expect((await checkPaddedBatch(h.good, facts.good!)).paddedPositions as number).toBeGreaterThan(0);
    await expect(checkPaddedBatch(h.ignoresMask, facts.ignoresMask!)).rejects.toThrow(
      /row 0 of a padded batch generated/,
    );
  });

  it('translation: the mBART pipeline text equals the decoded generation, forced to start with the target language', async () => {
    const r = await checkTextPipeline(h.mbart, 'translation', facts.mbart!);
    expect(typeof r.text).toBe('string');
    expect(r.forcedBos).toBe(facts.mbart!.vocabSize - 3); // fr_XX, second of the trailing en_XX fr_XX de_DE <mask>
    await expect(checkTextPipeline(h.mbart, 'fill-mask', facts.mbart!)).rejects.toThrow(
      /no text pipeline check for task "fill-mask"/,
    );
  });
});
