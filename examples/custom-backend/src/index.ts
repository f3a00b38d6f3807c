import { defineBackendPlugin, siblingModule, type PluginFactory } from '@hf-core/core';
import createEngine from './engine.ts';

export const PLUGIN_NAME = 'example:cpu-threads';

/** `cpu-threads`: onnxruntime-node on the CPU with HF_CORE_CPU_THREADS intra-op threads. */
const cpuThreadsPlugin: PluginFactory = () =>
  defineBackendPlugin({
    pluginName: PLUGIN_NAME,
    backend: 'cpu-threads',
    engineModule: siblingModule(import.meta.url, 'engine'),
    detect: () => createEngine().detect(),
  });

export default cpuThreadsPlugin;
