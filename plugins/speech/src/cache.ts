import type { Feeds, TensorData } from '@hf-core/core';
import type { SpeechFacts } from './facts.ts';

export type Decoder = NonNullable<SpeechFacts['decoder']>;

export function emptyPast(d: Decoder, encFrames: number, rows = 1): Feeds {
  const feeds: Feeds = {};
  for (let l = 0; l < d.layers; l++) {
    for (const part of ['key', 'value']) {
      feeds[`past_key_values.${l}.decoder.${part}`] = {
        type: 'float32',
        dims: [rows, d.heads, 0, d.headDim],
        data: new Float32Array(0),
      };
      feeds[`past_key_values.${l}.encoder.${part}`] = {
        type: 'float32',
        dims: [rows, d.heads, 0, d.headDim],
        data: new Float32Array(0),
      };
    }
  }
  void encFrames;
  return feeds;
}

export const presentsAsPast = (out: Record<string, TensorData>): Feeds =>
  Object.fromEntries(
    Object.entries(out)
      .filter(([k]) => k.startsWith('present.'))
      .map(([k, v]) => [k.replace('present.', 'past_key_values.'), v]),
  );
