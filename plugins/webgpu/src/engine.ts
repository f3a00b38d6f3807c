import type { BackendEngine } from '@hf-core/core';
import { createOrtNodeSession } from '@hf-core/ort';
import { detectWebgpu } from './detect.ts';

/** The webgpu engine: onnxruntime-node's WebGPU execution provider; transformers.js device `webgpu`. */
export default function createEngine(): BackendEngine {
  return {
    name: 'webgpu',
    transformersDevice: 'webgpu',
    detect: detectWebgpu,
    createSession: (path, options) => createOrtNodeSession(path, ['webgpu'], options),
  };
}
