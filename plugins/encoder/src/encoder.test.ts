import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { checkPaddingInvariance } from '@hf-core/harness';
import { createCpuEngine } from '@hf-core/ort';
import { encoderFeeds, expectedShapes, paddingPair } from './checks.ts';
import { ENCODER_SPECS, ENCODER_TYPES } from './specs.ts';
import { synthesizeEncoder } from './synthesize.ts';

async function synth(type: string, opts: { ignoreMask?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), `hf-enc-${type}-`));
  const prepared = await synthesizeEncoder(type, join(dir, type), { size: 'micro', seed: 2, ...opts });
  const session = await createCpuEngine().createSession(join(prepared.dir, 'onnx/model.onnx'));
  return { prepared, session, facts: prepared.facts };
}

describe('encoder synthesizer', () => {
  it('covers the 21 encoder-only types transformers.js registers', () => {
    expect(ENCODER_TYPES).toHaveLength(21);
  });

  it.each([
    [
      'bert',
      ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size', 'type_vocab_size'],
      true,
    ],
    ['distilbert', ['vocab_size', 'dim', 'n_layers', 'n_heads', 'hidden_dim'], false],
    ['xlm', ['emb_dim', 'n_layers', 'n_heads'], false],
    ['nomic_bert', ['n_embd', 'n_layer', 'n_head', 'n_inner'], true],
  ])(
    "%s: config.json uses the type's own keys and the graph takes token_type_ids only where the type does",
    async (type, keys, tti) => {
      const { prepared, session } = await synth(type);
      const config = JSON.parse(readFileSync(join(prepared.dir, 'config.json'), 'utf8'));
      expect(config.model_type).toBe(type);
      for (const k of keys) expect(config).toHaveProperty(k);
      expect(session.inputNames.includes('token_type_ids')).toBe(tti);
      expect(ENCODER_SPECS[type]!.tokenTypeIds).toBe(tti);
    },
  );

  it('writes a tokenizer transformers.js loads offline, with the mask token the fill-mask pipeline needs', async () => {
    const { prepared, facts } = await synth('roberta');
    env.allowRemoteModels = false;
    env.localModelPath = `${join(prepared.dir, '..')}/`;
    const tok = await AutoTokenizer.from_pretrained('roberta');
    expect(tok.mask_token).toBe(facts.maskToken);
    expect(tok.mask_token_id).toBeGreaterThanOrEqual(0);
    const ids = tok.encode('hello world');
    expect(ids.length).toBeGreaterThan(2);
  });

  it('outputs last_hidden_state and MLM logits of the declared shapes', async () => {
    const { session, facts } = await synth('bert');
    const out = await session.run(encoderFeeds(session, facts, { rows: 2, seq: 6 }));
    for (const [name, dims] of Object.entries(expectedShapes(facts, 2, 6))) expect(out[name]!.dims).toEqual(dims);
  });

  it('padding invariance passes on the real graph and fails on a graph that ignores the attention mask', async () => {
    const good = await synth('bert');
    const p = paddingPair(good.session, good.facts);
    await expect(
      checkPaddingInvariance(good.session, p.short, p.padded, { n: p.n, outputs: ['last_hidden_state'] }),
    ).resolves.toBeDefined();
    const bad = await synth('bert', { ignoreMask: true });
    const q = paddingPair(bad.session, bad.facts);
    await expect(
      checkPaddingInvariance(bad.session, q.short, q.padded, { n: q.n, outputs: ['last_hidden_state'] }),
    ).rejects.toThrow(/padding invariance: "last_hidden_state" differs/);
  });
});
