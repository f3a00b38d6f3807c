import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import type { Detection, EngineSession, SessionOptions } from '@hf-core/core';
import { DEFAULT_THREADS, wrapOrtSession } from '@hf-core/ort';

type OrtWeb = typeof import('onnxruntime-web');

let ortPromise: Promise<OrtWeb> | undefined;
/** onnxruntime-web (its Node build runs the WebAssembly backend), loaded once. */
export const loadOrtWeb = (): Promise<OrtWeb> => (ortPromise ??= import('onnxruntime-web'));

/** Thread count the WebAssembly runtime started with; it cannot change afterwards. */
let startedThreads: number | undefined;

/** Threads from the plugin's `threads` option (via HF_CORE_WASM_THREADS), else the shared default. */
export const defaultThreads = (): number => Number(process.env.HF_CORE_WASM_THREADS ?? DEFAULT_THREADS);

/**
 * Is the wasm backend usable: onnxruntime-web loads, and this Node's WebAssembly accepts its
 * SIMD + threads binary (validated, not yet compiled: compiling costs ~0.7 s per process).
 */
export async function detectWasm(): Promise<Detection> {
  const versions: Record<string, string> = { node: process.version };
  if (typeof WebAssembly === 'undefined') {
    return { available: false, reason: 'this Node has no WebAssembly (was it started with --jitless?)', versions };
  }
  try {
    versions['onnxruntime-web'] = (await loadOrtWeb()).env.versions.web ?? 'unknown';
  } catch (err) {
    return {
      available: false,
      reason: `onnxruntime-web failed to load: ${(err as Error).message}. Reinstall it in the project that runs hf-core (\`npm i -D @hf-core/plugin-wasm\`, which brings it).`,
      versions,
    };
  }
  let binary: string;
  try {
    binary = createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm');
  } catch (err) {
    return {
      available: false,
      reason: `onnxruntime-web's WebAssembly binary is missing: ${(err as Error).message}. Reinstall onnxruntime-web.`,
      versions,
    };
  }
  if (!WebAssembly.validate(await readFile(binary))) {
    return {
      available: false,
      reason: `this Node's WebAssembly rejects ${binary} (it needs SIMD and threads; use Node >= 20)`,
      versions,
    };
  }
  return {
    available: true,
    reason: `onnxruntime-web ${versions['onnxruntime-web']} WebAssembly backend (session level only)`,
    versions,
  };
}

/**
 * External weights beside the model, under the names exporters use: `model.onnx.data`,
 * `model.onnx_data`, and chunked `model.onnx_data_1`, `_2`... (transformers.js exports).
 */
async function externalDataOf(modelPath: string): Promise<{ path: string; data: Uint8Array }[]> {
  const base = basename(modelPath);
  const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^${escaped}[._]data(_\\d+)?$`);
  const names = readdirSync(dirname(modelPath))
    .filter((n) => pattern.test(n))
    .sort();
  const out: { path: string; data: Uint8Array }[] = [];
  for (const name of names) out.push({ path: name, data: await readFile(join(dirname(modelPath), name)) });
  return out;
}

/**
 * A session on onnxruntime-web's wasm backend. The thread count is set explicitly before the
 * runtime starts (it is fixed for the life of the process), and the model is read from disk
 * here, because onnxruntime-web takes bytes rather than paths.
 */
export async function createOrtWebSession(modelPath: string, options: SessionOptions = {}): Promise<EngineSession> {
  const ort = await loadOrtWeb();
  const threads = options.threads ?? defaultThreads();
  if (startedThreads === undefined) {
    ort.env.wasm.numThreads = threads;
    ort.env.wasm.proxy = false;
    startedThreads = threads;
  } else if (startedThreads !== threads) {
    throw new Error(
      `onnxruntime-web started with ${startedThreads} thread(s) in this process and cannot switch to ${threads} for ${modelPath}; use one thread count per process.`,
    );
  }
  const session = await ort.InferenceSession.create(await readFile(modelPath), {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
    externalData: await externalDataOf(modelPath),
  });
  return wrapOrtSession(ort, session);
}
