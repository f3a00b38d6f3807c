import { defineBackendPlugin, siblingModule, type PluginFactory } from '@hf-core/core';
import { createCpuEngine } from '@hf-core/ort';

export const PLUGIN_NAME = 'hf-core:cpu';

/** cpu backend: onnxruntime-node on the CPU, session and pipeline level. */
const cpuPlugin: PluginFactory = () =>
  defineBackendPlugin({
    pluginName: PLUGIN_NAME,
    backend: 'cpu',
    engineModule: siblingModule(import.meta.url, 'engine'),
    detect: () => createCpuEngine().detect(),
  });

export default cpuPlugin;
