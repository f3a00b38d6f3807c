import type { EngineSession, Feeds, TensorData, ValueInfo } from '@hf-core/core';

/**
 * The part of onnxruntime-common's API that onnxruntime-node and onnxruntime-web share, so one
 * wrapper serves the cpu, cuda, webgpu and wasm engines.
 */
export interface OrtModuleLike {
  Tensor: new (type: never, data: never, dims: number[]) => unknown;
}

interface OrtTensorLike {
  type: string;
  dims: readonly number[];
  data: unknown;
}

export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, unknown>, fetches?: string[]): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}

function toValueInfo(meta: unknown): ValueInfo | undefined {
  const m = meta as { name?: string; type?: string; shape?: (number | string)[] };
  if (!m?.name) return undefined;
  return { name: m.name, type: m.type ?? 'unknown', dims: m.shape ?? [] };
}

/** An EngineSession over an onnxruntime InferenceSession (node or web). */
export function wrapOrtSession(ort: OrtModuleLike, session: OrtSessionLike): EngineSession {
  const meta = session as unknown as { inputMetadata?: unknown[]; outputMetadata?: unknown[] };
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputs: (meta.inputMetadata ?? []).map(toValueInfo).filter((v): v is ValueInfo => !!v),
    outputs: (meta.outputMetadata ?? []).map(toValueInfo).filter((v): v is ValueInfo => !!v),
    async run(feeds: Feeds, outputNames?: readonly string[]) {
      const ortFeeds: Record<string, unknown> = {};
      for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor(t.type as never, t.data as never, [...t.dims]);
      const out = outputNames ? await session.run(ortFeeds, [...outputNames]) : await session.run(ortFeeds);
      const result: Record<string, TensorData> = {};
      for (const [name, t] of Object.entries(out)) result[name] = { type: t.type as TensorData['type'], dims: [...t.dims], data: t.data as TensorData['data'] };
      return result;
    },
    release: () => session.release(),
  };
}
