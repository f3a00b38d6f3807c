import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCpuEngine } from '@hf-core/ort';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheInputNames, seq2seqGeometry } from './session-checks.ts';
import { SEQ2SEQ_TYPES } from './specs.ts';
import { synthesizeSeq2Seq } from './synthesize.ts';

const root = mkdtempSync(join(tmpdir(), 'hf-core-seq2seq-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const engine = createCpuEngine();
const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;

describe('synthesizeSeq2Seq', () => {
  it.each(SEQ2SEQ_TYPES)(
    '%s: onnxruntime-node loads encoder_model and decoder_model_merged with the names transformers.js feeds',
    async (type) => {
      const dir = join(root, type);
      const prepared = await synthesizeSeq2Seq(type, dir, { size: 'micro', seed: 3 });
      expect(prepared.files).toEqual(
        expect.arrayContaining([
          'onnx/encoder_model.onnx',
          'onnx/decoder_model_merged.onnx',
          'config.json',
          'generation_config.json',
          'tokenizer.json',
          'tokenizer_config.json',
        ]),
      );
      const config = readJson(join(dir, 'config.json'));
      expect(config.model_type).toBe(type === 'flan-t5' ? 't5' : type);
      const g = seq2seqGeometry(config, type);
      const enc = await engine.createSession(join(dir, 'onnx/encoder_model.onnx'));
      const dec = await engine.createSession(join(dir, 'onnx/decoder_model_merged.onnx'));
      try {
        expect([enc.inputNames, enc.outputNames]).toEqual([['input_ids', 'attention_mask'], ['last_hidden_state']]);
        expect(dec.inputNames).toEqual([
          'encoder_attention_mask',
          'input_ids',
          'encoder_hidden_states',
          ...cacheInputNames(g),
          'use_cache_branch',
        ]);
        expect([...dec.outputNames].sort()).toEqual(
          ['logits', ...cacheInputNames(g).map((n) => n.replace('past_key_values', 'present'))].sort(),
        );
        expect(readJson(join(dir, 'generation_config.json')).decoder_start_token_id).toBe(g.decoderStartTokenId);
      } finally {
        await enc.release();
        await dec.release();
      }
    },
  );

  it('writes each family its real config keys (T5: d_kv, num_heads, relative buckets; BART-like: decoder_attention_heads, ffn dims)', async () => {
    await synthesizeSeq2Seq('t5', join(root, 'keys-t5'), { size: 'tiny', seed: 1 });
    await synthesizeSeq2Seq('m2m_100', join(root, 'keys-m2m'), { size: 'tiny', seed: 1 });
    const t5 = readJson(join(root, 'keys-t5', 'config.json'));
    expect(t5).toMatchObject({
      d_model: 32,
      d_kv: 8,
      d_ff: 64,
      num_layers: 2,
      num_decoder_layers: 2,
      num_heads: 4,
      relative_attention_num_buckets: 32,
      decoder_start_token_id: 0,
      is_encoder_decoder: true,
    });
    const m2m = readJson(join(root, 'keys-m2m', 'config.json'));
    expect(m2m).toMatchObject({
      d_model: 32,
      encoder_layers: 2,
      decoder_layers: 2,
      encoder_attention_heads: 4,
      decoder_attention_heads: 4,
      encoder_ffn_dim: 64,
      decoder_ffn_dim: 64,
      decoder_start_token_id: 2,
      scale_embedding: true,
    });
    await synthesizeSeq2Seq('flan-t5', join(root, 'keys-flan'), { size: 'tiny', seed: 1 });
    expect(readJson(join(root, 'keys-flan', 'config.json'))).toMatchObject({
      model_type: 't5',
      feed_forward_proj: 'gated-gelu',
      tie_word_embeddings: false,
    });
    const tok = readJson(join(root, 'keys-m2m', 'tokenizer_config.json'));
    expect(tok).toMatchObject({ tokenizer_class: 'M2M100Tokenizer', src_lang: 'en', tgt_lang: 'fr' });
  });

  it('refuses a type it does not know, naming the ones it does', async () => {
    await expect(synthesizeSeq2Seq('gpt2', join(root, 'gpt2'), { size: 'micro', seed: 1 })).rejects.toThrow(
      /cannot synthesize "gpt2".*t5, mt5/,
    );
  });
});
