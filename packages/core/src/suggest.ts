/**
 * When no loaded plugin claims or prepares a model, which installed plugin would: each installed
 * plugin that is not loaded is applied to a scratch core and asked the same question (classify
 * with the same context; prepare for a folder, or "do you synthesize this type" for a type). The
 * answer is the fix the error names: `add checkpoint to --plugins`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HfCore } from './core.ts';
import type { ClassifyContext } from './hooks.ts';
import { installedPlugins, loadPlugin, type LoadedPlugin } from './plugin.ts';
import type { Classification } from './types.ts';

/** Installed plugins not loaded in `core`, by short name; loaded once per core. */
const unloaded = new WeakMap<HfCore, Promise<{ name: string; loaded: LoadedPlugin }[]>>();

function unloadedPlugins(core: HfCore): Promise<{ name: string; loaded: LoadedPlugin }[]> {
  let found = unloaded.get(core);
  if (!found) {
    found = (async () => {
      const dirs = [...core.pluginDirs];
      const names = new Set(core.plugins.map((p) => p.name));
      const out: { name: string; loaded: LoadedPlugin }[] = [];
      for (const name of dirs.length ? installedPlugins(dirs) : []) {
        try {
          const loaded = await loadPlugin(name, dirs);
          if (!names.has(loaded.plugin.name)) out.push({ name, loaded });
        } catch {
          // a plugin that does not load cannot be the fix; `hf-core doctor` reports it
        }
      }
      return out;
    })();
    unloaded.set(core, found);
  }
  return found;
}

async function scratchCore(loaded: LoadedPlugin): Promise<HfCore | undefined> {
  const core = new HfCore();
  try {
    await core.use(loaded.plugin);
    return core;
  } catch {
    return undefined;
  }
}

/** Installed, not loaded plugins whose classify tap gives `ctx` a family. */
export async function pluginsThatClaim(core: HfCore, ctx: ClassifyContext): Promise<string[]> {
  const out: string[] = [];
  for (const { name, loaded } of await unloadedPlugins(core)) {
    const scratch = await scratchCore(loaded);
    const answer = await scratch?.hooks.classify.promise(ctx).catch(() => undefined);
    if (answer?.family) out.push(name);
  }
  return out;
}

/**
 * Installed, not loaded plugins that would prepare `c`: for a folder, one whose prepare tap
 * answers (or throws: it took the folder and found it broken); for a type, one that synthesizes it.
 */
export async function pluginsThatPrepare(core: HfCore, c: Classification): Promise<string[]> {
  const out: string[] = [];
  for (const { name, loaded } of await unloadedPlugins(core)) {
    const scratch = await scratchCore(loaded);
    if (!scratch) continue;
    if (!c.modelDir) {
      if (c.modelType && scratch.synthesizableTypes().includes(c.modelType)) out.push(name);
      continue;
    }
    const targetDir = mkdtempSync(join(tmpdir(), 'hf-core-probe-'));
    try {
      const prepared = await scratch.hooks.prepare
        .promise({ classification: c, targetDir, size: 'tiny', seed: 42 })
        .then(
          (p) => !!p,
          () => true,
        );
      if (prepared) out.push(name);
    } finally {
      rmSync(targetDir, { recursive: true, force: true });
    }
  }
  return out;
}

/** The fix to name: add installed plugins to --plugins, or install the default set. */
export function pluginFix(names: string[], what: string): string {
  if (names.length)
    return `add ${names.join(' or ')} to --plugins (installed here, not loaded), e.g. --plugins ${names[0]},cpu`;
  return `no installed plugin ${what}: install one (the default set, \`npm i -D hf-core\`, has a plugin for every built-in family and for model folders) or pass a plugin of your own (--plugins ./my-plugin)`;
}
