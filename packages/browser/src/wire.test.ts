import { describe, expect, it } from 'vitest';
import type { TensorData } from '@hf-core/core';
import { decodeFeeds, decodeTensor, decodeValue, encodeFeeds, encodeTensor, encodeValue } from './wire.ts';

const tensors: TensorData[] = [
  { type: 'float32', dims: [2, 3], data: Float32Array.from([0.5, -1.25, 3e-8, Number.NaN, 1e30, -0]) },
  { type: 'int64', dims: [1, 3], data: BigInt64Array.from([-1n, 2n ** 62n, 0n]) },
  { type: 'float16', dims: [2], data: Uint16Array.from([0x3c00, 0xfbff]) },
  { type: 'int32', dims: [3], data: Int32Array.from([-7, 0, 2 ** 31 - 1]) },
  { type: 'bool', dims: [2], data: Uint8Array.from([1, 0]) },
  { type: 'string', dims: [2], data: ['a', 'é "quoted"'] },
];

describe('the page <-> runner wire format', () => {
  it('carries every tensor type through JSON bit for bit, a view into a larger buffer included', () => {
    for (const t of tensors) {
      const back = decodeTensor(JSON.parse(JSON.stringify(encodeTensor(t))));
      expect(back.type).toBe(t.type);
      expect(back.dims).toEqual(t.dims);
      expect(back.data.constructor).toBe(t.data.constructor);
      expect(Object.is((back.data as Float32Array)[5], (t.data as Float32Array)[5])).toBe(true);
      expect(Array.from(back.data as ArrayLike<unknown>)).toEqual(Array.from(t.data as ArrayLike<unknown>));
    }
    const big = Float32Array.from({ length: 8 }, (_, i) => i);
    const view = { type: 'float32' as const, dims: [3], data: big.subarray(4, 7) };
    expect(Array.from(decodeFeeds(encodeFeeds({ x: view })).x!.data as Float32Array)).toEqual([4, 5, 6]);
  });

  it('carries bytes as base64 and leaves other JSON alone', () => {
    const bytes = Uint8Array.from({ length: 40_000 }, (_, i) => (i * 31) % 256); // past one 32 KiB chunk
    const back = decodeValue(JSON.parse(JSON.stringify(encodeValue([bytes, 'x', 3])))) as [Uint8Array, string, number];
    expect(Buffer.from(back[0]).equals(Buffer.from(bytes))).toBe(true);
    expect(back.slice(1)).toEqual(['x', 3]);
  });

  it('refuses a tensor type it cannot rebuild, naming it', () => {
    expect(() => decodeTensor({ type: 'complex64' as never, dims: [1], data: '' })).toThrow(/complex64 cannot cross/);
  });
});
