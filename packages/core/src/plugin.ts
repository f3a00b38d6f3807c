import { createRequire } from 'node:module';
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { HfCore } from './core.ts';
import { HfCoreError } from './errors.ts';

/** A plugin names itself once and taps the core's hooks in `apply`. */
export interface HfCorePlugin {
  name: string;
  apply(core: HfCore): void | Promise<void>;
}

/** What a plugin package default-exports. */
export type PluginFactory<Options = Record<string, unknown>> = (options?: Options) => HfCorePlugin;

/** A plugin as written in a config file or on the command line. */
export type PluginSpec = string | [string, Record<string, unknown>] | HfCorePlugin;

/** Short name -> candidate package names, in the order they are tried. */
export function pluginCandidates(spec: string): string[] {
  if (spec.startsWith('.') || isAbsolute(spec)) return [spec];
  if (spec.startsWith('@') || spec.includes('/')) return [spec];
  return [`@hf-core/plugin-${spec}`, `hf-core-plugin-${spec}`, spec];
}

/** Plugins installed where a search would look, as short names where they have one. */
export function installedPlugins(searchDirs: string[]): string[] {
  const found = new Set<string>();
  for (const dir of searchDirs) {
    for (let d = resolve(dir); ; d = resolve(d, '..')) {
      const scoped = join(d, 'node_modules', '@hf-core');
      if (existsSync(scoped)) {
        for (const name of readdirSync(scoped)) {
          if (name.startsWith('plugin-')) found.add(name.slice('plugin-'.length));
        }
      }
      const plain = join(d, 'node_modules');
      if (existsSync(plain)) {
        for (const name of readdirSync(plain)) {
          if (name.startsWith('hf-core-plugin-')) found.add(name.slice('hf-core-plugin-'.length));
        }
      }
      if (d === resolve(d, '..')) break;
    }
  }
  return [...found].sort();
}

function tryResolve(candidate: string, fromDirs: string[], problems: string[]): string | undefined {
  for (const dir of fromDirs) {
    if (candidate.startsWith('.') || isAbsolute(candidate)) {
      const p = resolve(dir, candidate);
      if (existsSync(p)) return p;
      continue;
    }
    try {
      return createRequire(join(dir, 'noop.js')).resolve(candidate);
    } catch (err) {
      // Not resolvable from this directory. A package that exists but whose entry is broken is
      // worth saying so, rather than "not found".
      const msg = (err as Error).message.split('\n')[0] ?? '';
      if (!/Cannot find module '[^']*'$/.test(msg) || !msg.includes(`'${candidate}'`))
        problems.push(`${candidate}: ${msg}`);
    }
  }
  return undefined;
}

export interface LoadedPlugin {
  spec: string;
  resolved: string;
  plugin: HfCorePlugin;
}

/**
 * Resolves and instantiates a plugin: `vision` -> `@hf-core/plugin-vision`, then
 * `hf-core-plugin-vision`, then the literal package name or path. Searched from each of
 * `fromDirs` (the project first, then hf-core's own install).
 */
export async function loadPlugin(spec: PluginSpec, fromDirs: string[]): Promise<LoadedPlugin> {
  if (typeof spec === 'object' && !Array.isArray(spec)) {
    assertPlugin(spec, '(inline plugin object)');
    return { spec: spec.name, resolved: '(inline)', plugin: spec };
  }
  const [name, options] = Array.isArray(spec) ? spec : [spec, undefined];
  const tried = pluginCandidates(name);
  let resolved: string | undefined;
  const problems: string[] = [];
  for (const candidate of tried) {
    resolved = tryResolve(candidate, fromDirs, problems);
    if (resolved) break;
  }
  if (!resolved) {
    const available = installedPlugins(fromDirs);
    throw new HfCoreError(
      `Unknown plugin "${name}": tried ${tried.map((t) => `"${t}"`).join(', ')}.` +
        (problems.length ? ` Problems: ${[...new Set(problems)].join('; ')}.` : ''),
      {
        code: 'PLUGIN_NOT_FOUND',
        hint: available.length
          ? `Installed plugins: ${available.join(', ')}. Install the package, or pass a path.`
          : 'No hf-core plugins are installed here. Install one, e.g. `pnpm add @hf-core/plugin-cpu`.',
        exitCode: 2,
      },
    );
  }
  const mod = (await import(pathToFileURL(resolved).href)) as { default?: unknown };
  const factory = mod.default;
  if (typeof factory !== 'function') {
    throw new HfCoreError(`Plugin "${name}" (${resolved}) has no default-exported factory.`, {
      code: 'PLUGIN_INVALID',
      hint: 'A plugin module must `export default (options) => ({ name, apply(core) { ... } })`.',
      exitCode: 2,
    });
  }
  const plugin = (factory as PluginFactory)(options);
  assertPlugin(plugin, resolved);
  return { spec: name, resolved, plugin };
}

function assertPlugin(plugin: unknown, where: string): asserts plugin is HfCorePlugin {
  const p = plugin as Partial<HfCorePlugin> | undefined;
  if (!p || typeof p.name !== 'string' || typeof p.apply !== 'function') {
    throw new HfCoreError(`Plugin at ${where} did not return { name, apply }.`, {
      code: 'PLUGIN_INVALID',
      hint: 'The factory must return an object with a string `name` and an `apply(core)` function.',
      exitCode: 2,
    });
  }
}
