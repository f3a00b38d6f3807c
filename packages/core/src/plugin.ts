import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { HfCore } from './core.ts';
import { HfCoreError } from './errors.ts';
import { type Located, locatePackage, locatePath, TS_EXTENSIONS } from './plugin-resolve.ts';

/** A plugin names itself once and taps the core's hooks in `apply`. */
export interface HfCorePlugin {
  name: string;
  apply(core: HfCore): void | Promise<void>;
}

/** What a plugin package default-exports. */
export type PluginFactory<Options = Record<string, unknown>> = (options?: Options) => HfCorePlugin;

/** A plugin as written in a config file or on the command line. */
export type PluginSpec = string | [string, Record<string, unknown>] | HfCorePlugin;

/** `./x`, `../x` or an absolute path: a file or folder, not a package name. */
const isPathSpec = (spec: string): boolean => spec.startsWith('.') || isAbsolute(spec);

/** Short name -> candidate package names, in the order they are tried. */
export function pluginCandidates(spec: string): string[] {
  if (isPathSpec(spec) || spec.startsWith('@') || spec.includes('/')) return [spec];
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

export interface LoadedPlugin {
  spec: string;
  resolved: string;
  plugin: HfCorePlugin;
}

/** The page of a published package, for hints that point an npm user at its README. */
export const packageReadme = (pkg: string): string => `the README of ${pkg} (https://www.npmjs.com/package/${pkg})`;

/** What to do when no plugin is installed, said to an npm user (pnpm users know the translation). */
export const NO_PLUGINS_HINT =
  'Install the default set with `npm i -D hf-core`, or only what you need, e.g. ' +
  '`npm i -D @hf-core/cli @hf-core/plugin-encoder @hf-core/plugin-cpu`. ' +
  'A plugin of your own is passed as a path: --plugins ./my-plugin,cpu.';

/** A plugin `name` that is not installed: how to install it, or how to pass one of your own. */
function notFoundHint(name: string, installed: string[]): string {
  if (isPathSpec(name)) return 'Check the path: a plugin is a .js, .mjs or .ts file, or a folder with a package.json.';
  const install = `If it is published, install it: \`npm i -D ${pluginCandidates(name)[0]}\`. A plugin of your own is passed as a path (./my-plugin, ./my-plugin.ts).`;
  return installed.length
    ? `Installed plugins: ${installed.join(', ')}. ${install}`
    : `No hf-core plugins are installed here. ${NO_PLUGINS_HINT}`;
}

/** Finds the module file of a plugin spec, or says why each place it was found does not do (none: not installed). */
function locatePlugin(name: string, fromDirs: string[]): Located {
  const cwd = fromDirs[0] ?? process.cwd();
  if (isPathSpec(name)) return locatePath(name, cwd);
  const tried: string[] = [];
  for (const candidate of pluginCandidates(name)) {
    const found = locatePackage(candidate, fromDirs);
    if (found.file) return found;
    tried.push(...found.tried);
  }
  return { tried };
}

let typeScriptLoader: Promise<void> | undefined;

/**
 * Imports a plugin module. A TypeScript file is imported as it is where a loader already runs
 * (vitest, `node --import tsx`); under plain Node the first try fails with
 * ERR_UNKNOWN_FILE_EXTENSION, and tsx's loader is registered once for this process.
 */
async function importModule(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  try {
    return await import(url);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw err;
    if (!TS_EXTENSIONS.some((ext) => (err as Error).message.includes(`"${ext}"`))) throw err;
    typeScriptLoader ??= import('tsx/esm/api').then(({ register }) => void register());
    await typeScriptLoader;
    // A new URL: the failed first try may be remembered for the plain one.
    return await import(`${url}?hf-core-ts`);
  }
}

/** An import that threw, as a user error: which plugin, which file, and the first lines of why. */
function loadFailed(name: string, file: string, err: unknown): HfCoreError {
  const message = (err instanceof Error ? err.message : String(err)).split('\n').slice(0, 3).join(' ');
  const missing = /Cannot find (?:package|module) '([^']+)'/.exec(message)?.[1];
  return new HfCoreError(`Plugin "${name}" (${file}) failed to load: ${message}`, {
    code: 'PLUGIN_LOAD_FAILED',
    hint: missing
      ? `It imports "${missing}", which is not installed where the plugin is: install it there (\`npm i -D ${missing}\`).`
      : 'Fix the error in the plugin (it is thrown while its module is imported).',
    exitCode: 2,
    cause: err,
  });
}

/**
 * Resolves and instantiates a plugin: `vision` -> `@hf-core/plugin-vision`, then
 * `hf-core-plugin-vision`, then the literal package name; a path is a .js, .mjs or .ts file or a
 * folder (its package.json `exports` or `main`). Packages are searched from each of `fromDirs`
 * (the project first, then hf-core's own install); paths are relative to the first.
 */
export async function loadPlugin(spec: PluginSpec, fromDirs: string[]): Promise<LoadedPlugin> {
  if (typeof spec === 'object' && !Array.isArray(spec)) {
    assertPlugin(spec, '(inline plugin object)');
    return { spec: spec.name, resolved: '(inline)', plugin: spec };
  }
  const [name, options] = Array.isArray(spec) ? spec : [spec, undefined];
  const found = locatePlugin(name, fromDirs);
  if (!found.file) {
    throw new HfCoreError(
      `Unknown plugin "${name}": tried ${pluginCandidates(name)
        .map((t) => `"${t}"`)
        .join(', ')}. ${
        found.tried.length
          ? found.tried.join('; ')
          : `None is installed where hf-core looks (node_modules of ${fromDirs.join(', ')} and the folders above them)`
      }.`,
      { code: 'PLUGIN_NOT_FOUND', hint: notFoundHint(name, installedPlugins(fromDirs)), exitCode: 2 },
    );
  }
  const resolved = found.file;
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(resolved);
  } catch (err) {
    throw loadFailed(name, resolved, err);
  }
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
