import type { SynthesizeOptions } from '@hf-core/core';

export interface TowerSize {
  hidden: number;
  layers: number;
  heads: number;
  inner: number;
}

/** Dimensions of the tiny models; `micro` is the lighter variant used after an out-of-memory. */
export interface Size {
  text: TowerSize;
  vision: TowerSize;
  projection: number;
  imageSize: number;
  patchSize: number;
  maxText: number;
  /** Language model of generative types (kv heads < heads exercises GQA). */
  decoder: TowerSize & { kvHeads: number; maxPos: number };
}

export const SIZES: Record<SynthesizeOptions['size'], Size> = {
  tiny: {
    text: { hidden: 32, layers: 2, heads: 4, inner: 64 },
    vision: { hidden: 32, layers: 2, heads: 4, inner: 64 },
    projection: 16,
    imageSize: 32,
    patchSize: 8,
    maxText: 64,
    decoder: { hidden: 32, layers: 2, heads: 4, kvHeads: 2, inner: 64, maxPos: 256 },
  },
  micro: {
    text: { hidden: 16, layers: 1, heads: 2, inner: 32 },
    vision: { hidden: 16, layers: 1, heads: 2, inner: 32 },
    projection: 8,
    imageSize: 16,
    patchSize: 8,
    maxText: 64,
    decoder: { hidden: 16, layers: 1, heads: 2, kvHeads: 1, inner: 32, maxPos: 256 },
  },
};
