import { describe, expect, it } from 'vitest';
import { pastNameOf, positionIdsFromMask, assertCacheLength } from './generation.ts';
import { tensor, toNumbers } from './tensors.ts';

describe('generation helpers', () => {
  it('maps present outputs to the cache inputs transformers.js feeds back', () => {
    expect(pastNameOf('present.3.key')).toBe('past_key_values.3.key');
    expect(pastNameOf('present.0.key_value')).toBe('past_key_values.0.key_value');
    expect(pastNameOf('present_conv.1')).toBe('past_conv.1');
    expect(pastNameOf('present_ssm.2')).toBe('past_ssm.2');
    expect(pastNameOf('present_recurrent.0')).toBe('past_recurrent.0');
    expect(pastNameOf('present_compressor.4.kv')).toBe('past_compressor.4.kv');
  });

  it('makes position ids as cumsum(mask) - 1 with padding at 1, keeping the last n columns', () => {
    const p = positionIdsFromMask(
      [
        [0, 0, 1, 1, 1],
        [1, 1, 1, 1, 1],
      ],
      5,
    );
    expect(p.dims).toEqual([2, 5]);
    expect(toNumbers(p)).toEqual([1, 1, 0, 1, 2, 0, 1, 2, 3, 4]);
    expect(toNumbers(positionIdsFromMask([[0, 1, 1, 1]], 1))).toEqual([2]);
    expect(toNumbers(positionIdsFromMask([[1, 1]], 2, 1))).toEqual([1, 2]);
  });

  it('accepts a cache that holds every position and names the output that does not', () => {
    const full = { 'past_key_values.0.key': tensor('float32', new Array(2 * 5 * 4).fill(0), [1, 2, 5, 4]) };
    expect(() => assertCacheLength(full, 5)).not.toThrow();
    const short = { 'past_key_values.0.key': tensor('float32', new Array(2 * 1 * 4).fill(0), [1, 2, 1, 4]) };
    expect(() => assertCacheLength(short, 5)).toThrow(
      /"present\.0\.key" has shape \[1, 2, 1, 4\], i\.e\. 1 cached positions where 5 were expected/,
    );
  });
});
