import { defineBackendPlugin, siblingModule, type PluginFactory } from '@hf-core/core';
import { DEVICE_ENV } from './engine.ts';
import { detectOpenvino, type OpenvinoDevice } from './session.ts';

export const PLUGIN_NAME = 'hf-core:openvino';

export interface OpenvinoOptions {
  /** OpenVINO device to compile for: CPU (default), GPU, AUTO, or a named one such as GPU.1. */
  device?: OpenvinoDevice;
}

/** openvino backend: openvino-node (an optional peer, Node >= 21), session level only. */
const openvinoPlugin: PluginFactory<OpenvinoOptions> = (options = {}) => {
  const device = options.device ?? 'CPU';
  return defineBackendPlugin({
    pluginName: PLUGIN_NAME,
    backend: 'openvino',
    engineModule: siblingModule(import.meta.url, 'engine'),
    detect: () => detectOpenvino(device),
    env: { [DEVICE_ENV]: device },
  });
};

export default openvinoPlugin;
export { loadOpenvino, NOT_INSTALLED, resolveOpenvino } from './openvino.ts';
export { createOpenvinoSession, detectOpenvino } from './session.ts';
