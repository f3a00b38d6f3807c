import type { BackendEngine } from '@hf-core/core';
import { createOrtNodeSession, detectOrtNodeProvider } from '@hf-core/ort';

/** Threads from HF_CORE_CPU_THREADS (the test process inherits the run's environment). */
export function threadsFromEnv(env = process.env): number {
  const n = Number(env.HF_CORE_CPU_THREADS ?? 2);
  return Number.isInteger(n) && n > 0 ? n : 2;
}

export default function createEngine(): BackendEngine {
  const threads = threadsFromEnv();
  return {
    name: 'cpu-threads',
    // Session level only: transformers.js picks its own thread count, so pipeline checks would
    // not measure what this backend is about.
    detect: () => detectOrtNodeProvider('cpu', 'Reinstall onnxruntime-node.'),
    createSession: (path, options) =>
      createOrtNodeSession(path, ['cpu'], { ...options, threads: options?.threads ?? threads }),
  };
}
