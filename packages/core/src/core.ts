import { createHooks, type Hooks } from './hooks.ts';
import type {
  BackendSetupOptions,
  BackendSetupResult,
  Detection,
  Family,
  ModelExportOptions,
  ModelExportResult,
} from './types.ts';
import type { HfCorePlugin } from './plugin.ts';
import { HfCoreError } from './errors.ts';

/** A family plugin says which model types it can synthesize and test offline. */
export interface FamilyRegistration {
  plugin: string;
  family: Family;
  /** Model types it synthesizes and tests offline. */
  modelTypes: readonly string[];
  /** Types of its family it knows but cannot test yet, with the reason. */
  uncovered?: Readonly<Record<string, string>>;
}

/** A backend plugin says where its engine lives and how to detect its runtime. */
export interface BackendRegistration {
  plugin: string;
  /** Backend name used on the command line and in results: `cpu`, `wasm`, `cuda`, ... */
  name: string;
  /** Absolute path of the module the test process imports; it default-exports `createEngine()`. */
  engineModule: string;
  detect(): Promise<Detection>;
  /** Makes the runtime environment (`hf-core setup <backend>`); absent when installing the plugin is enough. */
  setup?(opts: BackendSetupOptions): Promise<BackendSetupResult>;
  /** Exports a tiny model to ONNX with reference outputs (`hf-core export`); reference backends only. */
  exportModel?(opts: ModelExportOptions): Promise<ModelExportResult>;
}

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  debug(msg: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, debug() {} };

/** The hub that plugins tap: hooks, plus registries of families and backends. */
export class HfCore {
  readonly hooks: Hooks = createHooks();
  readonly families = new Map<string, FamilyRegistration>();
  readonly backends = new Map<string, BackendRegistration>();
  readonly plugins: HfCorePlugin[] = [];
  logger: Logger;
  /** Where plugins are installed (the CLI's search folders): errors name the installed plugin that would help. */
  readonly pluginDirs: readonly string[];

  constructor(opts: { logger?: Logger; pluginDirs?: readonly string[] } = {}) {
    this.logger = opts.logger ?? silentLogger;
    this.pluginDirs = opts.pluginDirs ?? [];
  }

  async use(plugin: HfCorePlugin): Promise<this> {
    if (this.plugins.some((p) => p.name === plugin.name)) {
      throw new HfCoreError(`Plugin "${plugin.name}" was loaded twice.`, {
        code: 'PLUGIN_DUPLICATE',
        hint: 'Name each plugin once in --plugins and in the config file.',
      });
    }
    this.plugins.push(plugin);
    await plugin.apply(this);
    return this;
  }

  registerFamily(reg: FamilyRegistration): void {
    this.families.set(reg.plugin, reg);
  }

  registerBackend(reg: BackendRegistration): void {
    const existing = this.backends.get(reg.name);
    if (existing) {
      throw new HfCoreError(`Backend "${reg.name}" is registered by both ${existing.plugin} and ${reg.plugin}.`, {
        code: 'BACKEND_DUPLICATE',
        hint: 'Load only one plugin per backend name.',
      });
    }
    this.backends.set(reg.name, reg);
  }

  /** Every model type some loaded family plugin can synthesize, in catalog order of plugins. */
  synthesizableTypes(): string[] {
    const out: string[] = [];
    for (const reg of this.families.values()) out.push(...reg.modelTypes);
    return out;
  }
}
