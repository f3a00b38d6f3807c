import { type Detection, packageReadme } from '@hf-core/core';
import { detectOrtNodeProvider, probeOrtNodeProvider } from '@hf-core/ort';

export const ENABLE_HINT =
  'onnxruntime-node runs WebGPU through Dawn, which needs a GPU adapter: on Linux a Vulkan loader (libvulkan.so.1) ' +
  'and a Vulkan driver for the GPU (check with `vulkaninfo --summary`); on Windows D3D12, on macOS Metal. ' +
  `See ${packageReadme('@hf-core/plugin-webgpu')}.`;

/**
 * Is webgpu usable here: onnxruntime-node has the provider, and a tiny session really runs on it
 * (that is when Dawn asks for an adapter). The reason carries the runtime's own error.
 */
export async function detectWebgpu(): Promise<Detection> {
  const base = await detectOrtNodeProvider('webgpu', ENABLE_HINT);
  if (!base.available) return base;
  const probe = await probeOrtNodeProvider(['webgpu']);
  if (!probe.ok) {
    return {
      available: false,
      reason: `a tiny session on onnxruntime-node's webgpu provider failed: ${probe.error}. ${ENABLE_HINT}`,
      versions: base.versions,
    };
  }
  return {
    available: true,
    reason: `onnxruntime-node webgpu provider (a tiny session ran in ${probe.ms} ms)`,
    versions: base.versions,
  };
}
