import type { BackendEngine } from '@hf-core/core';
import { createOrtNodeSession, detectOrtNodeProvider } from './ort-node.ts';

/**
 * onnxruntime-node's CPU execution provider as an engine (transformers.js device `cpu`): the cpu
 * backend's engine, and the reference other backends' parity checks and the tests compare with.
 */
export default function createCpuEngine(): BackendEngine {
  return {
    name: 'cpu',
    transformersDevice: 'cpu',
    detect: () => detectOrtNodeProvider('cpu', 'Reinstall onnxruntime-node: its CPU binary ships in the package.'),
    createSession: (path, options) => createOrtNodeSession(path, ['cpu'], options),
  };
}
