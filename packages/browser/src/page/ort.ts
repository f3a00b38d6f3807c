/**
 * The page's onnxruntime-web: the very module transformers.js imports (the bundle resolves
 * `onnxruntime-web/webgpu` from transformers.js's own dependency), so session-level and
 * pipeline-level checks exercise one runtime, configured once, with its WebAssembly files
 * served by the runner from the installed package.
 */
import * as ort from 'onnxruntime-web/webgpu';
import { ROUTES } from '../wire.ts';

/** Threads of the WebAssembly runtime: 1, like the other engines, so numbers compare. */
const THREADS = 1;

ort.env.wasm.wasmPaths = ROUTES.ort;
ort.env.wasm.numThreads = THREADS;
ort.env.wasm.proxy = false;

export { ort };
