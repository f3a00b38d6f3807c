import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from './graph.ts';
import {
  buildMergedDecoder,
  relativePositionBias,
  serializeMergedDecoder,
  sinusoidalTable,
  type Seq2SeqArch,
} from './nn-seq2seq.ts';
import { SeededRandom, subSeed } from './random.ts';

const T5: Seq2SeqArch = {
  vocab: 40,
  dModel: 16,
  heads: 2,
  headDim: 8,
  ffn: 32,
  encoderLayers: 1,
  decoderLayers: 2,
  norm: 'rms',
  preNorm: true,
  act: 'relu',
  positions: { kind: 'relative', buckets: 32, maxDistance: 128 },
  embeddingNorm: false,
  finalNorm: true,
  embedScale: 1,
  bias: false,
};

/** Hugging Face's T5Attention._relative_position_bucket, written out in plain numbers. */
function hfBucket(rel: number, bidirectional: boolean, numBuckets = 32, maxDistance = 128): number {
  let bucket = 0;
  let n: number;
  if (bidirectional) {
    numBuckets = Math.floor(numBuckets / 2);
    bucket += rel > 0 ? numBuckets : 0;
    n = Math.abs(rel);
  } else {
    n = -Math.min(rel, 0);
  }
  const maxExact = Math.floor(numBuckets / 2);
  if (n < maxExact) return bucket + n;
  const large =
    maxExact + Math.trunc((Math.log(n / maxExact) / Math.log(maxDistance / maxExact)) * (numBuckets - maxExact));
  return bucket + Math.min(large, numBuckets - 1);
}

describe('relativePositionBias', () => {
  it.each([true, false])(
    'matches T5 bucketing at every query/key pair up to distance 200 (bidirectional %s)',
    async (bidirectional) => {
      const g = new GraphBuilder({ seed: 7 });
      const q = g.input('q', 'int64', ['q']);
      const k = g.input('k', 'int64', ['k']);
      g.output(relativePositionBias(g, T5, q, k, bidirectional, 'rel'), 'bias', 'float32', [1, 2, 'q', 'k']);
      const session = await ort.InferenceSession.create(g.serialize().model);
      const L = 200;
      const pos = new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: L }, (_, i) => BigInt(i)),
        [L],
      );
      const bias = (await session.run({ q: pos, k: pos })).bias!.data as Float32Array;
      // The table the graph holds: param 'rel.relative_attention_bias.weight' [32, heads], seeded by its name.
      const rng = new SeededRandom(subSeed(7, 'rel.relative_attention_bias.weight'));
      const table = Array.from({ length: 32 * 2 }, () => Math.fround(rng.normal() * 0.5));
      let checked = 0;
      for (let h = 0; h < 2; h++) {
        for (let qi = 0; qi < L; qi += 3) {
          for (let ki = 0; ki < L; ki += 7) {
            expect(bias[(h * L + qi) * L + ki]).toBe(table[hfBucket(ki - qi, bidirectional) * 2 + h]);
            checked++;
          }
        }
      }
      expect(checked).toBeGreaterThan(3000);
    },
  );
});

describe('merged decoder', () => {
  it('computes cross-attention K/V on the first step and passes them through when use_cache_branch is true; the self-attention cache grows by one', async () => {
    const bytes = serializeMergedDecoder(buildMergedDecoder(T5, 1));
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames.at(-1)).toBe('use_cache_branch');
    const enc = new ort.Tensor(
      'float32',
      Float32Array.from({ length: 4 * 16 }, (_, i) => Math.sin(i)),
      [1, 4, 16],
    );
    const mask = new ort.Tensor('int64', BigInt64Array.from([1n, 1n, 1n, 1n]), [1, 4]);
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from([0n]), [1, 1]),
      encoder_hidden_states: enc,
      encoder_attention_mask: mask,
      use_cache_branch: new ort.Tensor('bool', [false], [1]),
    };
    for (let l = 0; l < 2; l++)
      for (const s of ['decoder', 'encoder'])
        for (const kv of ['key', 'value'])
          feeds[`past_key_values.${l}.${s}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [1, 2, 0, 8]);
    const first = await session.run(feeds);
    expect(first['present.1.encoder.value']!.dims).toEqual([1, 2, 4, 8]);
    const next: Record<string, ort.Tensor> = {
      ...feeds,
      input_ids: new ort.Tensor('int64', BigInt64Array.from([5n]), [1, 1]),
      use_cache_branch: new ort.Tensor('bool', [true], [1]),
    };
    for (const [name, t] of Object.entries(first))
      if (name.startsWith('present')) next[name.replace('present', 'past_key_values')] = t;
    const second = await session.run(next);
    // The cached branch passes the encoder K/V through unchanged; the self-attention cache grows by one.
    expect(Array.from(second['present.0.encoder.key']!.data as Float32Array)).toEqual(
      Array.from(first['present.0.encoder.key']!.data as Float32Array),
    );
    expect(second['present.0.decoder.key']!.dims).toEqual([1, 2, 2, 8]);
  });
});

describe('sinusoidalTable', () => {
  it('puts sin in the first half and cos in the second, position 0 = [0..0, 1..1]', () => {
    const t = sinusoidalTable(3, 4);
    expect(Array.from(t.slice(0, 4))).toEqual([0, 0, 1, 1]);
    expect(t[4]).toBeCloseTo(Math.sin(1));
    expect(t[5]).toBeCloseTo(Math.sin(1 / 100));
    expect(t[6]).toBeCloseTo(Math.cos(1));
  });
});
