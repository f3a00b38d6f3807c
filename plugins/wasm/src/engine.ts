import type { BackendEngine } from '@hf-core/core';
import { createOrtWebSession, detectWasm } from './ort-web.ts';

/** The wasm engine: onnxruntime-web's WebAssembly backend in Node; session level only. */
export default function createEngine(): BackendEngine {
  return {
    name: 'wasm',
    detect: detectWasm,
    createSession: (path, options) => createOrtWebSession(path, options),
  };
}
