import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type Detection, packageReadme } from '@hf-core/core';
import { detectOrtNodeProvider, probeOrtNodeProvider } from '@hf-core/ort';
import { gpuInfo } from './nvidia-smi.ts';

export const ENABLE_HINT =
  'To enable cuda: on linux-x64 with an NVIDIA driver for CUDA 12, reinstall onnxruntime-node with its CUDA 12 provider ' +
  'libraries (`npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12`, or ONNXRUNTIME_NODE_INSTALL=cuda12; ' +
  'under pnpm also allow its build: allowBuilds onnxruntime-node: true), and make the CUDA 12 runtime and cuDNN 9 ' +
  `libraries loadable (LD_LIBRARY_PATH). See ${packageReadme('@hf-core/plugin-cuda')}.`;

/** Provider libraries onnxruntime-node's install step puts beside its binding for `cuda12`. */
export const CUDA_PROVIDER_LIBS = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'];

/** Folder of onnxruntime-node's native binding for this platform. */
export function ortNodeBinDir(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
    return join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return undefined;
  }
}

/**
 * Is cuda usable here: onnxruntime-node lists the provider, its CUDA provider libraries are
 * installed, and a tiny session really runs on GPU `deviceId` (which needs the driver, the
 * CUDA runtime and cuDNN). Each failure says which step failed and how to fix it.
 */
export async function detectCuda(deviceId = 0): Promise<Detection> {
  const base = await detectOrtNodeProvider('cuda', ENABLE_HINT);
  if (!base.available) return base;
  const versions = { ...base.versions };
  if (process.platform === 'linux') {
    const dir = ortNodeBinDir();
    const missing = dir ? CUDA_PROVIDER_LIBS.filter((f) => !existsSync(join(dir, f))) : CUDA_PROVIDER_LIBS;
    if (missing.length) {
      return {
        available: false,
        reason: `onnxruntime-node ${versions['onnxruntime-node']} lists the cuda provider but its CUDA libraries are not installed (${dir ?? 'its bin folder'} has no ${missing.join(', ')}). ${ENABLE_HINT}`,
        versions,
      };
    }
  }
  const gpu = await gpuInfo(deviceId);
  if (gpu) Object.assign(versions, { 'nvidia-driver': gpu.driver, gpu: gpu.name });
  const probe = await probeOrtNodeProvider([{ name: 'cuda', deviceId }]);
  if (!probe.ok) {
    const driver = gpu ? `driver ${gpu.driver}, ${gpu.name}` : 'nvidia-smi not found: is an NVIDIA driver installed?';
    return {
      available: false,
      reason: `a tiny session on cuda device ${deviceId} failed (${driver}): ${probe.error}. ${ENABLE_HINT}`,
      versions,
    };
  }
  return {
    available: true,
    reason: `onnxruntime-node cuda provider on device ${deviceId}${gpu ? ` (${gpu.name}, driver ${gpu.driver})` : ''}`,
    versions,
  };
}
