import { defineBackendPlugin, siblingModule, type PluginFactory } from '@hf-core/core';
import { detectWasm } from './ort-web.ts';

export const PLUGIN_NAME = 'hf-core:wasm';

export interface WasmOptions {
  /** WebAssembly threads (default 1, like the other engines, so numbers compare). */
  threads?: number;
}

/** wasm backend: onnxruntime-web's WebAssembly backend in Node, session level only. */
const wasmPlugin: PluginFactory<WasmOptions> = (options = {}) =>
  defineBackendPlugin({
    pluginName: PLUGIN_NAME,
    backend: 'wasm',
    engineModule: siblingModule(import.meta.url, 'engine'),
    detect: detectWasm,
    env: options.threads ? { HF_CORE_WASM_THREADS: String(options.threads) } : {},
  });

export default wasmPlugin;
export { createOrtWebSession, detectWasm, loadOrtWeb } from './ort-web.ts';
