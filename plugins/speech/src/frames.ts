import { convOutLength } from '@hf-core/onnx-builder';
import type { SpeechSpec } from './specs.ts';

/** Frames the encoder yields for `samples` raw samples (raw front ends only). */
export function rawFrames(spec: SpeechSpec, samples: number): number {
  if (spec.frontEnd.kind !== 'raw') throw new Error('rawFrames: not a raw-audio front end');
  const { convKernel, convStride } = spec.frontEnd;
  return convKernel.reduce((len, k, i) => convOutLength(len, k, convStride[i]!), samples);
}
