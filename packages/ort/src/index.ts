/**
 * ONNX Runtime as hf-core engines: sessions over onnxruntime-node (any execution provider) and
 * onnxruntime-web, provider detection and probing, and the cpu reference engine. Backend plugins
 * and the harness share these; no plugin owns them.
 */
export { default as createCpuEngine } from './cpu-engine.ts';
export {
  createOrtNodeSession,
  detectOrtNodeProvider,
  loadOrtNode,
  ortNodeVersion,
  DEFAULT_THREADS,
  type ExecutionProviders,
} from './ort-node.ts';
export { wrapOrtSession, type OrtModuleLike, type OrtSessionLike } from './ort-session.ts';
export { probeOrtNodeProvider, type ProbeOutcome } from './probe.ts';
