import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HfCore, loadPlugin, type Logger, type PluginSpec } from '@hf-core/core';

/** Plugins a bare `hf-core run` loads: every built-in family, on cpu. */
export const DEFAULT_PLUGINS = [
  'encoder',
  'decoder',
  'encoder-decoder',
  'vision',
  'speech',
  'multimodal',
  'other',
  'checkpoint',
  'cpu',
];

/** Where plugin names are resolved from: the user's project first, then hf-core's own install. */
export function pluginSearchDirs(cwd: string): string[] {
  return [cwd, dirname(fileURLToPath(import.meta.url))];
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

export async function createCore(io: CliIO, specs: PluginSpec[], verbose = false): Promise<HfCore> {
  const core = new HfCore({ logger: stderrLogger(io, verbose) });
  for (const spec of specs) {
    const loaded = await loadPlugin(spec, pluginSearchDirs(io.cwd));
    await core.use(loaded.plugin);
  }
  return core;
}

export const resolveFrom = (io: CliIO, p: string) => resolve(io.cwd, p);
