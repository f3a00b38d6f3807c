import type { HfCore } from './core.ts';
import { RUN_STAGE } from './hooks.ts';
import type { HfCorePlugin } from './plugin.ts';
import type {
  BackendSetupOptions,
  BackendSetupResult,
  Detection,
  ModelExportOptions,
  ModelExportResult,
} from './types.ts';

export interface BackendDefinition {
  /** Plugin name, used as the tap name: `hf-core:cpu`. */
  pluginName: string;
  /** Backend name on the command line and in results. */
  backend: string;
  /** Absolute path of the engine module (default export: `createEngine()`). */
  engineModule: string;
  detect(): Promise<Detection>;
  /** Extra environment for the test process (threads, provider options). */
  env?: Record<string, string>;
  /** Makes the runtime environment (`hf-core setup <backend>`), for backends that install more than their package. */
  setup?(opts: BackendSetupOptions): Promise<BackendSetupResult>;
  /** Exports a tiny model to ONNX with its reference outputs (`hf-core export`), for reference backends. */
  exportModel?(opts: ModelExportOptions): Promise<ModelExportResult>;
}

/**
 * Builds a backend plugin: registers it, and on `hooks.run.for(backend)` marks jobs skipped
 * with the detection reason when the runtime is absent, or points them at the engine.
 */
export function defineBackendPlugin(def: BackendDefinition): HfCorePlugin {
  let detection: Promise<Detection> | undefined;
  const detectOnce = () => (detection ??= def.detect());
  return {
    name: def.pluginName,
    apply(core: HfCore) {
      core.registerBackend({
        plugin: def.pluginName,
        name: def.backend,
        engineModule: def.engineModule,
        detect: detectOnce,
        ...(def.setup ? { setup: def.setup } : {}),
        ...(def.exportModel ? { exportModel: def.exportModel } : {}),
      });
      const hook = core.hooks.run.for(def.backend);
      hook.tapPromise({ name: def.pluginName, stage: RUN_STAGE.DETECT }, async (job) => {
        const d = await detectOnce();
        return d.available ? job : { ...job, skip: `${def.backend} unavailable: ${d.reason}` };
      });
      hook.tapPromise({ name: def.pluginName, stage: RUN_STAGE.CONFIGURE }, async (job) => {
        if (job.skip) return job;
        return {
          ...job,
          env: { ...job.env, ...def.env, HF_CORE_BACKEND: def.backend, HF_CORE_BACKEND_MODULE: def.engineModule },
        };
      });
    },
  };
}

/** Path of a sibling module that works both from source (.ts) and from dist (.js). */
export function siblingModule(importMetaUrl: string, base: string): string {
  const url = new URL(importMetaUrl);
  const ext = url.pathname.endsWith('.ts') ? '.ts' : '.js';
  return decodeURIComponent(new URL(`./${base}${ext}`, url).pathname);
}
