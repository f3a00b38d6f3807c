import {
  catalogFallbackPlugin,
  classifyRefs,
  HfCoreError,
  type Classification,
  type HfCore,
  type ModelEntry,
} from '@hf-core/core';
import type { CliIO } from './context.ts';

/** Refs from a config's `models:` list. */
export function refsOfEntries(entries: ModelEntry[] = []): string[] {
  return entries.map((e) => (typeof e === 'string' ? e : (e.path ?? e.id ?? ''))).filter(Boolean);
}

/**
 * The models a run or generate covers: the refs given, or every type the loaded family plugins
 * synthesize. Unknown refs are a usage error (exit 2) naming the nearest known types; a folder
 * that cannot be classified stays in the list, so its row says why.
 */
export async function selectModels(
  core: HfCore,
  io: CliIO,
  refs: string[],
  opts: { family?: string; allowNetwork?: boolean; lenient?: boolean },
): Promise<Classification[]> {
  if (!core.plugins.some((p) => p.name === catalogFallbackPlugin.name)) await core.use(catalogFallbackPlugin);
  const inputs = refs.length ? refs : core.synthesizableTypes();
  if (!inputs.length) {
    throw new HfCoreError('No models to run: no refs were given and no family plugin is loaded.', {
      code: 'NO_MODELS',
      hint: 'Pass model types or folders (e.g. `hf-core run bert ./my-model`) or load a family plugin (--plugins encoder,cpu).',
    });
  }
  let classified = await classifyRefs(core, inputs, { cwd: io.cwd, env: io.env, allowNetwork: opts.allowNetwork });
  // A model folder that cannot be classified (a broken config, an unreadable graph, a path out of
  // the folder) is that model's error row; an unknown type name or a bad path is a usage error.
  const unknown = classified.filter((c) => !c.family && !c.modelDir);
  if (unknown.length && !opts.lenient) {
    throw new HfCoreError(unknown.map((c) => `Cannot run "${c.ref}": ${c.reason}`).join('\n'), {
      code: 'UNKNOWN_MODEL',
      hint: 'Check the spelling (`hf-core catalog list`), or pass a folder with config.json.',
    });
  }
  if (opts.family) classified = classified.filter((c) => c.family === opts.family);
  return classified;
}
