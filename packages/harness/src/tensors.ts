import type { TensorData, TensorType } from '@hf-core/core';

/** A tensor from plain numbers (int64 values become BigInt). */
export function tensor(
  type: TensorType,
  values: ArrayLike<number> | readonly number[],
  dims: readonly number[],
): TensorData {
  const size = dims.reduce((a, b) => a * b, 1);
  if (values.length !== size)
    throw new Error(`tensor: ${values.length} values do not fill dims [${dims.join(', ')}] (${size})`);
  const arr = Array.from(values as ArrayLike<number>);
  switch (type) {
    case 'int64':
      return { type, dims: [...dims], data: BigInt64Array.from(arr.map((v) => BigInt(Math.trunc(v)))) };
    case 'int32':
      return { type, dims: [...dims], data: Int32Array.from(arr) };
    case 'bool':
    case 'uint8':
      return { type, dims: [...dims], data: Uint8Array.from(arr) };
    case 'float64':
      return { type, dims: [...dims], data: Float64Array.from(arr) };
    case 'float32':
      return { type, dims: [...dims], data: Float32Array.from(arr) };
    default:
      throw new Error(`tensor: cannot build a ${type} tensor from numbers`);
  }
}

/** Values of a numeric tensor as numbers (float16 is decoded). */
export function toNumbers(t: TensorData): number[] {
  if (t.type === 'float16') return Array.from(t.data as Uint16Array, halfToFloat);
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}

export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Rows `[start, end)` along axis 0. */
export function sliceRows(t: TensorData, start: number, end: number): TensorData {
  const rowSize = t.dims.slice(1).reduce((a, b) => a * b, 1);
  const data = t.data.slice(start * rowSize, end * rowSize);
  return { type: t.type, dims: [end - start, ...t.dims.slice(1)], data };
}

/**
 * Positions `[0, n)` along `axis` (e.g. the sequence axis), keeping every other axis whole.
 */
export function sliceAxis(t: TensorData, axis: number, n: number): TensorData {
  const dims = [...t.dims];
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const len = dims[axis]!;
  const src = toNumbers(t);
  const out: number[] = [];
  for (let o = 0; o < outer; o++) for (let i = 0; i < n * inner; i++) out.push(src[o * len * inner + i]!);
  dims[axis] = n;
  return { type: 'float32', dims, data: Float32Array.from(out) };
}

export function maxAbsDiff(a: TensorData, b: TensorData): number {
  const x = toNumbers(a);
  const y = toNumbers(b);
  if (x.length !== y.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i]! - y[i]!);
    if (Number.isNaN(d)) return Number.NaN;
    if (d > m) m = d;
  }
  return m;
}

export const shapeOf = (t: TensorData) => `[${t.dims.join(', ')}]`;

/** Seeded integer feeds, so every backend sees exactly the same inputs. */
export class SeededFeeds {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  /** Uniform integer in [lo, hi). */
  int(lo: number, hi: number): number {
    this.state = (Math.imul(this.state, 1664525) + 1013904223) >>> 0;
    return lo + (this.state % Math.max(1, hi - lo));
  }
  /** Uniform float in [-1, 1). */
  float(): number {
    this.state = (Math.imul(this.state, 1664525) + 1013904223) >>> 0;
    return this.state / 2147483648 - 1;
  }
  int64(values: number[], dims: number[]) {
    return tensor('int64', values, dims);
  }
}
