import type { TensorData } from '@hf-core/core';
import { CheckFailure } from './errors.ts';

/** The shape of a transformers.js Tensor the checks read (type, dims, data). */
export interface TfTensorLike {
  type: string;
  dims: readonly number[];
  data: unknown;
}

/** A transformers.js tensor as the runtime-neutral TensorData engines take (no copy). */
export const fromTfTensor = (t: TfTensorLike): TensorData => ({
  type: t.type as TensorData['type'],
  dims: [...t.dims],
  data: t.data as TensorData['data'],
});

const isTfTensor = (x: unknown): x is TfTensorLike =>
  typeof x === 'object' &&
  x !== null &&
  'dims' in x &&
  Array.isArray(x.dims) &&
  'data' in x &&
  'type' in x &&
  typeof x.type === 'string';

/**
 * The tensor `generate` returned: the ids (prompt first), or the audio of a model that generates
 * audio. transformers.js types the result `ModelOutput | Tensor` (a dict of outputs when a call
 * asks for return_dict_in_generate); checks never ask, so anything but a tensor fails the check.
 */
export function generatedTensor(out: unknown): TfTensorLike {
  if (isTfTensor(out)) return out;
  const what = typeof out === 'object' && out ? Object.keys(out).join(', ') : String(out);
  throw new CheckFailure(`generate returned ${what || 'no tensor'} instead of a tensor`);
}

/** Rows of a [rows, n] int64 id tensor as plain numbers (e.g. generated token ids). */
export const idRows = (t: TfTensorLike): number[][] =>
  Array.from({ length: t.dims[0]! }, (_, r) =>
    Array.from(t.data as ArrayLike<bigint>)
      .slice(r * t.dims[1]!, (r + 1) * t.dims[1]!)
      .map(Number),
  );

/**
 * Generation metrics as optimum-benchmark names them, from a prefill time and the time of the
 * decode steps that followed (ms, rounded to microseconds).
 */
export function generationMetrics(
  prefillMs: number,
  decodeMs: number,
  decodeSteps: number,
): { prefill_ms: number; decode_ms_per_token: number; tokens_per_s: number } {
  const r = (x: number) => Math.round(x * 1000) / 1000;
  const steps = Math.max(1, decodeSteps);
  return {
    prefill_ms: r(prefillMs),
    decode_ms_per_token: r(decodeMs / steps),
    tokens_per_s: r((steps * 1000) / Math.max(decodeMs, 1e-6)),
  };
}
