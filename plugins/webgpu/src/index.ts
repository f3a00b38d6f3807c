import { defineBackendPlugin, siblingModule, type PluginFactory } from '@hf-core/core';
import { detectWebgpu } from './detect.ts';

export const PLUGIN_NAME = 'hf-core:webgpu';

/** webgpu backend: onnxruntime-node's WebGPU provider (Dawn), session and pipeline level. */
const webgpuPlugin: PluginFactory = () =>
  defineBackendPlugin({
    pluginName: PLUGIN_NAME,
    backend: 'webgpu',
    engineModule: siblingModule(import.meta.url, 'engine'),
    detect: detectWebgpu,
  });

export default webgpuPlugin;
export { detectWebgpu, ENABLE_HINT } from './detect.ts';
