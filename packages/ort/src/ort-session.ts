import type { EngineSession, Feeds, TensorData, ValueInfo } from '@hf-core/core';

/**
 * The part of onnxruntime-common's API that onnxruntime-node and onnxruntime-web share, so one
 * wrapper serves the cpu, cuda, webgpu and wasm engines.
 */
export interface OrtModuleLike {
  Tensor: new (type: TensorData['type'], data: TensorData['data'], dims: readonly number[]) => unknown;
}

interface OrtTensorLike {
  type: string;
  dims: readonly number[];
  data: unknown;
}

export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Declared inputs and outputs (name, type, shape), where the runtime exposes them. */
  readonly inputMetadata?: readonly unknown[];
  readonly outputMetadata?: readonly unknown[];
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensorLike>>;
  run(feeds: Record<string, unknown>, fetches: string[]): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}

function toValueInfo(meta: unknown): ValueInfo | undefined {
  const m = meta as { name?: string; type?: string; shape?: (number | string)[] };
  if (!m?.name) return undefined;
  return { name: m.name, type: m.type ?? 'unknown', dims: m.shape ?? [] };
}

/**
 * The runtime tensor of a feed, made once per feed object: a timing loop runs the same feeds many
 * times, and rebuilding tensors each run would add to every sample what a plain onnxruntime loop
 * does not pay. Reused only while the feed still holds the same data and dims (the tensor views
 * the same buffer, so in-place edits of the data are seen).
 */
const tensorCache = new WeakMap<TensorData, { data: unknown; dims: readonly number[]; tensor: unknown }>();
function toOrtTensor(ort: OrtModuleLike, t: TensorData): unknown {
  const hit = tensorCache.get(t);
  if (hit && hit.data === t.data && hit.dims === t.dims) return hit.tensor;
  const tensor = new ort.Tensor(t.type, t.data, [...t.dims]);
  tensorCache.set(t, { data: t.data, dims: t.dims, tensor });
  return tensor;
}

/** An EngineSession over an onnxruntime InferenceSession (node or web). */
export function wrapOrtSession(ort: OrtModuleLike, session: OrtSessionLike): EngineSession {
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputs: (session.inputMetadata ?? []).map(toValueInfo).filter((v): v is ValueInfo => !!v),
    outputs: (session.outputMetadata ?? []).map(toValueInfo).filter((v): v is ValueInfo => !!v),
    async run(feeds: Feeds, outputNames?: readonly string[]) {
      const ortFeeds: Record<string, unknown> = {};
      for (const name in feeds) ortFeeds[name] = toOrtTensor(ort, feeds[name]!);
      const out = outputNames ? await session.run(ortFeeds, [...outputNames]) : await session.run(ortFeeds);
      const result: Record<string, TensorData> = {};
      for (const name in out) {
        const t = out[name]!;
        result[name] = { type: t.type as TensorData['type'], dims: t.dims, data: t.data as TensorData['data'] };
      }
      return result;
    },
    release: () => session.release(),
  };
}
