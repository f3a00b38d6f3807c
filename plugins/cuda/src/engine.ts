import type { BackendEngine } from '@hf-core/core';
import { createOrtNodeSession } from '@hf-core/ort';
import { detectCuda } from './detect.ts';
import { VramSampler } from './nvidia-smi.ts';

/** GPU index from the plugin's `deviceId` option, passed to the test process in this variable. */
export const DEVICE_ENV = 'HF_CORE_CUDA_DEVICE';

/**
 * The cuda engine: onnxruntime-node's CUDA execution provider; transformers.js device `cuda`.
 * memory() is the peak device memory.used over the reading before the first session.
 */
export default function createEngine(): BackendEngine {
  const deviceId = Number(process.env[DEVICE_ENV] ?? 0);
  const vram = new VramSampler(deviceId);
  return {
    name: 'cuda',
    transformersDevice: 'cuda',
    detect: () => detectCuda(deviceId),
    async createSession(path, options) {
      await vram.start();
      return createOrtNodeSession(path, [{ name: 'cuda', deviceId }], options);
    },
    async memory() {
      const mb = await vram.peakMb();
      return mb === undefined ? undefined : { vram_mb: mb };
    },
  };
}
