import type { BackendEngine } from '@hf-core/core';
import { createOpenvinoSession, detectOpenvino } from './session.ts';

/** OpenVINO device from the plugin's `device` option, passed to the test process in this variable. */
export const DEVICE_ENV = 'HF_CORE_OPENVINO_DEVICE';

/** The openvino engine: openvino-node (optional peer) on CPU, GPU or AUTO; session level only. */
export default function createEngine(): BackendEngine {
  const device = process.env[DEVICE_ENV] ?? 'CPU';
  return {
    name: 'openvino',
    detect: () => detectOpenvino(device),
    createSession: (path, options) => createOpenvinoSession(path, device, options),
  };
}
