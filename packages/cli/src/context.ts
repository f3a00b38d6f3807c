import { delimiter, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CAC } from 'cac';
import type { HfCore, Logger, PluginSpec } from '@hf-core/core';

// Only type imports of @hf-core/core at the top: `hf-core --version` and `--help` load no command
// and none of core; a command loads what it uses when it runs.

/** A command registers itself on the CLI; its action resolves to the process exit code. */
export interface CommandModule {
  register(cli: CAC, io: CliIO, done: (code: Promise<number> | number) => void): void;
}

/**
 * Extra folders to look for plugins in, separated like PATH. The `hf-core` package sets it to its
 * own folder, so the plugins it brings are found under package managers that do not hoist them.
 */
export const PLUGIN_PATH_ENV = 'HF_CORE_PLUGIN_PATH';

/**
 * Where plugin names are resolved from: the user's project first, then the folders of
 * HF_CORE_PLUGIN_PATH, then hf-core's own install.
 */
export function pluginSearchDirs(cwd: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const extra = (env[PLUGIN_PATH_ENV] ?? '').split(delimiter).filter(Boolean);
  return [cwd, ...extra, dirname(fileURLToPath(import.meta.url))];
}

export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export const processIO = (): CliIO => ({
  stdout: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
  stderr: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
  cwd: process.cwd(),
  env: process.env,
});

export function stderrLogger(io: CliIO, verbose = false): Logger {
  return {
    info: (m) => io.stderr(m),
    warn: (m) => io.stderr(`warning: ${m}`),
    debug: (m) => (verbose ? io.stderr(m) : undefined),
  };
}

/** `--plugins a,b` (repeatable) into a list; undefined when the flag was not given. */
export function splitList(value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === false) return undefined;
  const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','));
  return parts.map((s) => s.trim()).filter(Boolean);
}

/** What `--plugins` means when it is not given (and no config file names plugins). */
export const DEFAULT_PLUGINS_TEXT = 'every installed plugin';

/**
 * The plugins a command uses when none are named: every hf-core plugin installed where a search
 * looks (`hf-core plugins` lists them). Says which on stderr, so a run is never a guess.
 */
export async function defaultPlugins(io: CliIO, command: string): Promise<string[]> {
  const { HfCoreError, installedPlugins, NO_PLUGINS_HINT } = await import('@hf-core/core');
  const names = installedPlugins(pluginSearchDirs(io.cwd, io.env));
  if (!names.length)
    throw new HfCoreError(`hf-core ${command}: no --plugins given, and no hf-core plugin is installed here.`, {
      code: 'NO_PLUGINS',
      hint: NO_PLUGINS_HINT,
    });
  io.stderr(`hf-core ${command}: no --plugins given; using the installed plugins: ${names.join(', ')}.`);
  return names;
}

export async function createCore(io: CliIO, specs: PluginSpec[], verbose = false): Promise<HfCore> {
  const { HfCore, loadPlugin } = await import('@hf-core/core');
  const core = new HfCore({ logger: stderrLogger(io, verbose), pluginDirs: pluginSearchDirs(io.cwd, io.env) });
  for (const spec of specs) {
    const loaded = await loadPlugin(spec, pluginSearchDirs(io.cwd, io.env));
    await core.use(loaded.plugin);
  }
  return core;
}

export const resolveFrom = (io: CliIO, p: string) => resolve(io.cwd, p);
