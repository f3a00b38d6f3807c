import { createRequire } from 'node:module';
import type { Detection, EngineSession, Feeds, SessionOptions, TensorData, ValueInfo } from '@hf-core/core';

type Ort = typeof import('onnxruntime-node');

let ortPromise: Promise<Ort> | undefined;
/** onnxruntime-node, loaded once and only when a session is needed. */
export const loadOrtNode = (): Promise<Ort> => (ortPromise ??= import('onnxruntime-node'));

export function ortNodeVersion(): string {
  try {
    return (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** Default intra-op threads: fixed, so numbers are comparable run to run and across backends. */
export const DEFAULT_THREADS = 1;

function toValueInfo(meta: unknown): ValueInfo | undefined {
  const m = meta as { name?: string; isTensor?: boolean; type?: string; shape?: (number | string)[] };
  if (!m?.name) return undefined;
  return { name: m.name, type: m.type ?? 'unknown', dims: m.shape ?? [] };
}

/**
 * Detects an onnxruntime-node execution provider: the package loads, and the provider is among
 * `listSupportedBackends()` of this build.
 */
export async function detectOrtNodeProvider(provider: string, hint: string): Promise<Detection> {
  const versions: Record<string, string> = { node: process.version, 'onnxruntime-node': ortNodeVersion() };
  let ort: Ort;
  try {
    ort = await loadOrtNode();
  } catch (err) {
    return { available: false, reason: `onnxruntime-node failed to load: ${(err as Error).message}`, versions };
  }
  const listed = (ort as unknown as { listSupportedBackends?: () => { name: string; bundled?: boolean }[] }).listSupportedBackends?.() ?? [];
  const names = listed.map((b) => b.name);
  if (!names.includes(provider)) {
    return {
      available: false,
      reason: `onnxruntime-node ${versions['onnxruntime-node']} on ${process.platform}-${process.arch} has no "${provider}" execution provider (it has: ${names.join(', ') || 'none'}). ${hint}`,
      versions,
    };
  }
  return { available: true, reason: `onnxruntime-node ${provider} execution provider`, versions };
}

/** An EngineSession over onnxruntime-node with the given execution providers. */
export async function createOrtNodeSession(
  modelPath: string,
  executionProviders: unknown[],
  options: SessionOptions = {},
): Promise<EngineSession> {
  const ort = await loadOrtNode();
  const threads = options.threads ?? DEFAULT_THREADS;
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: executionProviders as never,
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const meta = session as unknown as { inputMetadata?: unknown[]; outputMetadata?: unknown[] };
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputs: (meta.inputMetadata ?? []).map(toValueInfo).filter((v): v is ValueInfo => !!v),
    outputs: (meta.outputMetadata ?? []).map(toValueInfo).filter((v): v is ValueInfo => !!v),
    async run(feeds: Feeds, outputNames?: readonly string[]) {
      const ortFeeds: Record<string, InstanceType<Ort['Tensor']>> = {};
      for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor(t.type as never, t.data as never, t.dims as number[]);
      const out = outputNames ? await session.run(ortFeeds, outputNames as string[]) : await session.run(ortFeeds);
      const result: Record<string, TensorData> = {};
      for (const [name, t] of Object.entries(out)) result[name] = { type: t.type as TensorData['type'], dims: [...t.dims], data: t.data as TensorData['data'] };
      return result;
    },
    release: () => session.release(),
  };
}
