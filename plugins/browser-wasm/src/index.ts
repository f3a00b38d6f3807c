import type { PluginFactory } from '@hf-core/core';
import { defineBrowserBackend } from '@hf-core/browser';

export const PLUGIN_NAME = 'hf-core:browser-wasm';

/**
 * browser-wasm backend: each model's generated test in a real Chromium page, on onnxruntime-web's
 * WebAssembly backend (transformers.js `device: 'wasm'`), session and pipeline level.
 */
const browserWasmPlugin: PluginFactory = () =>
  defineBrowserBackend({ pluginName: PLUGIN_NAME, backend: 'browser-wasm', device: 'wasm' });

export default browserWasmPlugin;
