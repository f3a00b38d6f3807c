import { describe, expect, it } from 'vitest';
import type { ValueInfo } from '@hf-core/core';
import { cacheLayout, checkOutputsAgainstMetadata, feedsFromMetadata, floatToHalf } from './metadata-feeds.ts';
import { halfToFloat, toNumbers } from './tensors.ts';

const v = (name: string, type: string, dims: (number | string)[]): ValueInfo => ({ name, type, dims });

describe('feedsFromMetadata', () => {
  it('sizes symbolic dims by name, sums, and position; ids stay inside the vocabulary', () => {
    const inputs = [
      v('input_ids', 'int64', ['batch_size', 'sequence_length']),
      v('attention_mask', 'int64', ['batch_size', 'past_sequence_length + sequence_length']),
      v('position_ids', 'int64', ['batch_size', 'sequence_length']),
      v('past_key_values.0.key', 'float16', ['batch_size', 4, 'past_sequence_length', 8]),
      v('past_1', 'float32', [2, 'batch', 4, 'past_len', 8]),
      v('pixel_values', 'float32', ['batch_size', 'num_channels', 'height', 'width']),
      v('use_cache_branch', 'bool', [1]),
      v('mystery', 'int32', ['batch_size', 'unk_777']),
    ];
    const { feeds, symbols } = feedsFromMetadata(
      inputs,
      { batch: 2, seq: 3, past: 5 },
      { vocabSize: 10, imageSize: 32 },
    );
    expect(Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, t.dims]))).toEqual({
      input_ids: [2, 3],
      attention_mask: [2, 8],
      position_ids: [2, 3],
      'past_key_values.0.key': [2, 4, 5, 8],
      past_1: [2, 2, 4, 5, 8],
      pixel_values: [2, 3, 32, 32],
      use_cache_branch: [1],
      mystery: [2, 3],
    });
    expect(toNumbers(feeds.input_ids!).every((id) => id >= 4 && id < 10)).toBe(true);
    expect(toNumbers(feeds.position_ids!)).toEqual([5, 6, 7, 5, 6, 7]);
    expect(feeds['past_key_values.0.key']!.data).toBeInstanceOf(Uint16Array);
    expect(symbols).toMatchObject({ batch_size: 2, sequence_length: 3, 'past_sequence_length + sequence_length': 8 });
  });

  it('gives audio inputs real lengths whatever their dims are called', () => {
    const { feeds } = feedsFromMetadata(
      [
        v('input_values', 'float32', ['batch_size', 'sequence_length']),
        v('input_features', 'float32', ['batch_size', 'feature_size', 'encoder_sequence_length']),
      ],
      { batch: 1, seq: 4, past: 0 },
      { melBins: 80 },
    );
    expect(feeds.input_values!.dims).toEqual([1, 1600]);
    expect(feeds.input_features!.dims).toEqual([1, 80, 3000]);
  });

  it('names the input, file and type it cannot make', () => {
    expect(() =>
      feedsFromMetadata([v('codes', 'uint16', [1])], { batch: 1, seq: 1, past: 0 }, {}, 'onnx/x.onnx'),
    ).toThrow('input "codes" of onnx/x.onnx has element type "uint16"');
  });

  it('round-trips float16 and finds both cache layouts', () => {
    for (const x of [0, 1, -2.5, 0.1, 65504]) expect(halfToFloat(floatToHalf(x))).toBeCloseTo(x, 2);
    const per = cacheLayout(
      [v('past_key_values.0.key', 'float32', []), v('past_key_values.0.value', 'float32', [])],
      [v('present.0.key', 'float32', []), v('present.0.value', 'float32', [])],
    );
    expect(per).toEqual({
      kind: 'per-layer',
      layers: 1,
      pastToPresent: { 'past_key_values.0.key': 'present.0.key', 'past_key_values.0.value': 'present.0.value' },
      states: [],
    });
    expect(
      cacheLayout([v('past_0', 'float32', []), v('past_1', 'float32', [])], [v('present_0', 'float32', [])]),
    ).toEqual({ kind: 'stacked', layers: 2, pastToPresent: { past_0: 'present_0' }, states: [] });
    // A hybrid conv + attention cache (LFM2): fixed-size conv states start at zeros, not empty.
    const hybrid = cacheLayout(
      [
        v('past_key_values.1.key', 'float32', ['batch_size', 4, 'past_sequence_length', 8]),
        v('past_conv.0', 'float32', ['batch_size', 32, 4]),
      ],
      [v('present.1.key', 'float32', []), v('present_conv.0', 'float32', [])],
    );
    expect(hybrid).toMatchObject({ kind: 'per-layer', layers: 2, states: ['past_conv.0'] });
    // Names a genai_config.json declares (`past_key_names: cache.%d.k`), beside the known ones.
    expect(
      cacheLayout(
        [v('cache.0.k', 'float32', [])],
        [v('cache_out.0.k', 'float32', [])],
        [['cache.%d.k', 'cache_out.%d.k']],
      ),
    ).toMatchObject({ kind: 'per-layer', pastToPresent: { 'cache.0.k': 'cache_out.0.k' } });
  });

  it('checks outputs against declared ranks, fixed dims and the symbols the feeds set', () => {
    const out = { logits: { type: 'float32' as const, dims: [2, 3, 7], data: new Float32Array(42) } };
    expect(
      checkOutputsAgainstMetadata(out, [v('logits', 'float32', ['batch_size', 'sequence_length', 7])], {
        batch_size: 2,
        sequence_length: 3,
      }),
    ).toEqual({ logits: [2, 3, 7] });
    expect(() =>
      checkOutputsAgainstMetadata(
        out,
        [v('logits', 'float32', ['batch_size', 'sequence_length', 7])],
        { batch_size: 2, sequence_length: 4 },
        'm.onnx',
      ),
    ).toThrow(
      'm.onnx: output "logits" has shape [2, 3, 7]; axis 1 is declared "sequence_length", which the feeds set to 4',
    );
    expect(() => checkOutputsAgainstMetadata(out, [v('hidden', 'float32', [])], {}, 'm.onnx')).toThrow(
      'm.onnx: declared output "hidden" is missing; the session returned logits',
    );
  });
});
