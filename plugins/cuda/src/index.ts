import { defineBackendPlugin, siblingModule, type PluginFactory } from '@hf-core/core';
import { detectCuda } from './detect.ts';
import { DEVICE_ENV } from './engine.ts';

export const PLUGIN_NAME = 'hf-core:cuda';

export interface CudaOptions {
  /** CUDA device index (default 0). */
  deviceId?: number;
}

/** cuda backend: onnxruntime-node's CUDA provider, session and pipeline level; VRAM via nvidia-smi. */
const cudaPlugin: PluginFactory<CudaOptions> = (options = {}) => {
  const deviceId = options.deviceId ?? 0;
  return defineBackendPlugin({
    pluginName: PLUGIN_NAME,
    backend: 'cuda',
    engineModule: siblingModule(import.meta.url, 'engine'),
    detect: () => detectCuda(deviceId),
    env: { [DEVICE_ENV]: String(deviceId) },
  });
};

export default cudaPlugin;
export { CUDA_PROVIDER_LIBS, detectCuda, ENABLE_HINT, ortNodeBinDir } from './detect.ts';
export { memoryUsedMb, parseCsvNumbers, VramSampler } from './nvidia-smi.ts';
