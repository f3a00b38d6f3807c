import type { PluginFactory } from '@hf-core/core';
import { defineBrowserBackend } from '@hf-core/browser';

export const PLUGIN_NAME = 'hf-core:browser-webgpu';

/**
 * browser-webgpu backend: each model's generated test in a real Chromium page, on onnxruntime-web's
 * WebGPU backend (transformers.js `device: 'webgpu'`), session and pipeline level. Where Chromium
 * has only its software adapter (SwiftShader) every row says so: those are not GPU numbers.
 */
const browserWebgpuPlugin: PluginFactory = () =>
  defineBrowserBackend({ pluginName: PLUGIN_NAME, backend: 'browser-webgpu', device: 'webgpu' });

export default browserWebgpuPlugin;
