import { defineBackendPlugin, siblingModule, type PluginFactory } from '@hf-core/core';
import createEngine from './engine.ts';

export const PLUGIN_NAME = 'hf-core:cpu';

/** cpu backend: onnxruntime-node on the CPU, session and pipeline level. */
const cpuPlugin: PluginFactory = () =>
  defineBackendPlugin({
    pluginName: PLUGIN_NAME,
    backend: 'cpu',
    engineModule: siblingModule(import.meta.url, 'engine'),
    detect: () => createEngine().detect(),
  });

export default cpuPlugin;
export {
  createOrtNodeSession,
  detectOrtNodeProvider,
  loadOrtNode,
  ortNodeVersion,
  DEFAULT_THREADS,
} from './ort-node.ts';
export { wrapOrtSession, type OrtModuleLike, type OrtSessionLike } from './ort-session.ts';
export { probeOrtNodeProvider, type ProbeOutcome } from './probe.ts';
