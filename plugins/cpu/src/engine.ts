import type { BackendEngine } from '@hf-core/core';
import { createOrtNodeSession, detectOrtNodeProvider } from './ort-node.ts';

/** The cpu engine: onnxruntime-node's CPU execution provider; transformers.js device `cpu`. */
export default function createEngine(): BackendEngine {
  return {
    name: 'cpu',
    transformersDevice: 'cpu',
    detect: () => detectOrtNodeProvider('cpu', 'Reinstall onnxruntime-node: its CPU binary ships in the package.'),
    createSession: (path, options) => createOrtNodeSession(path, ['cpu'], options),
  };
}
