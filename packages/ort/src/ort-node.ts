import { createRequire } from 'node:module';
import type { Detection, EngineSession, SessionOptions } from '@hf-core/core';
import type { InferenceSession } from 'onnxruntime-node';
import { wrapOrtSession } from './ort-session.ts';

/** Execution providers as onnxruntime-node takes them: names (`'cpu'`) or option objects (`{ name: 'cuda', deviceId }`). */
export type ExecutionProviders = NonNullable<InferenceSession.SessionOptions['executionProviders']>;

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
  const listed = ort.listSupportedBackends();
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
  executionProviders: ExecutionProviders,
  options: SessionOptions = {},
): Promise<EngineSession> {
  const ort = await loadOrtNode();
  const threads = options.threads ?? DEFAULT_THREADS;
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders,
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  return wrapOrtSession(ort, session);
}
