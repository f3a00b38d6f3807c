import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HfCoreError } from './errors.ts';
import type { PluginSpec } from './plugin.ts';

/** A model entry of a config file: a ref, or a folder with its options. */
export type ModelEntry = string | { id?: string; path?: string; dtype?: string | string[]; backends?: string[] };

/** hf-core.config.{ts,mjs,json}: every key has a command-line flag of the same meaning. */
export interface HfCoreConfig {
  plugins?: PluginSpec[];
  models?: ModelEntry[];
  backends?: string[];
  out?: string;
  timeoutMs?: number;
  memoryCapMb?: number;
  measure?: { warmup?: number; runs?: number; minMs?: number };
  reporters?: string[];
  seed?: number;
  allowNetwork?: boolean;
  /** Test processes at once (`--jobs`). */
  jobs?: number;
  /** Intra-op threads of the runtime in each test process (`--threads`). */
  threads?: number;
}

export const CONFIG_FILES = ['hf-core.config.ts', 'hf-core.config.mjs', 'hf-core.config.js', 'hf-core.config.json'];

const KNOWN_KEYS = new Set([
  'plugins',
  'models',
  'backends',
  'out',
  'timeoutMs',
  'memoryCapMb',
  'measure',
  'reporters',
  'seed',
  'allowNetwork',
  'jobs',
  'threads',
]);

/** Loads the config file named, or the first of CONFIG_FILES in `cwd`; undefined when none. */
export async function loadConfig(
  cwd: string,
  explicit?: string,
): Promise<{ path: string; config: HfCoreConfig } | undefined> {
  const path = explicit ? resolve(cwd, explicit) : CONFIG_FILES.map((f) => resolve(cwd, f)).find(existsSync);
  if (!path) return undefined;
  if (!existsSync(path))
    throw new HfCoreError(`Config file ${path} does not exist.`, { code: 'CONFIG_MISSING', exitCode: 2 });
  let config: unknown;
  try {
    if (path.endsWith('.json')) config = JSON.parse(readFileSync(path, 'utf8'));
    else if (path.endsWith('.ts')) {
      const { tsImport } = await import('tsx/esm/api');
      config = ((await tsImport(pathToFileURL(path).href, import.meta.url)) as { default?: unknown }).default;
    } else config = ((await import(pathToFileURL(path).href)) as { default?: unknown }).default;
  } catch (err) {
    throw new HfCoreError(`Config file ${path} could not be read: ${(err as Error).message}`, {
      code: 'CONFIG_INVALID',
      exitCode: 2,
      hint: 'A .json file holds one object; a .ts/.mjs file default-exports one.',
    });
  }
  if (!config || typeof config !== 'object' || Array.isArray(config)) {
    throw new HfCoreError(`Config file ${path} must hold (or default-export) an object.`, {
      code: 'CONFIG_INVALID',
      exitCode: 2,
    });
  }
  const unknown = Object.keys(config).filter((k) => !KNOWN_KEYS.has(k));
  if (unknown.length) {
    throw new HfCoreError(`Config file ${path} has unknown key(s): ${unknown.join(', ')}.`, {
      code: 'CONFIG_INVALID',
      exitCode: 2,
      hint: `Known keys: ${[...KNOWN_KEYS].join(', ')}.`,
    });
  }
  return { path, config: config as HfCoreConfig };
}
