import type { TensorData } from '@hf-core/core';
import { SeededFeeds, tensor } from './tensors.ts';

export interface TextFeedsOptions {
  rows: number;
  seq: number;
  vocabSize: number;
  padId: number;
  /** Smallest id drawn, so seeded text stays clear of the special tokens below it. */
  minId: number;
  /** Real tokens per row; the rest of the row is padding (mask 0). Default: all real. */
  lengths?: number[];
  seed?: number;
}

/**
 * Seeded token ids and their attention mask, `rows` x `seq`: every backend and every run sees the
 * same text. `token_type_ids` (all zeros) for graphs that take it.
 */
export function textFeeds(o: TextFeedsOptions): {
  input_ids: TensorData;
  attention_mask: TensorData;
  token_type_ids: TensorData;
} {
  const rng = new SeededFeeds(o.seed ?? 1);
  const ids: number[] = [];
  const mask: number[] = [];
  for (let r = 0; r < o.rows; r++) {
    const len = o.lengths?.[r] ?? o.seq;
    for (let i = 0; i < o.seq; i++) {
      ids.push(i < len ? rng.int(Math.min(o.minId, o.vocabSize - 1), o.vocabSize) : o.padId);
      mask.push(i < len ? 1 : 0);
    }
  }
  const dims = [o.rows, o.seq];
  return {
    input_ids: tensor('int64', ids, dims),
    attention_mask: tensor('int64', mask, dims),
    token_type_ids: tensor('int64', new Array(ids.length).fill(0), dims),
  };
}
