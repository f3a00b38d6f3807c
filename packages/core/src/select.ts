/**
 * Which models a run or generate covers: the refs given (each parsed once, a hub id fetched into
 * the Hugging Face cache when the run may reach the network), or every type the loaded family
 * plugins synthesize; then `--family` and `--shard`.
 */
import { CATALOG_FALLBACK_PLUGIN, catalogFallbackPlugin, type ClassifyRefsOptions, classifyRefs } from './classify.ts';
import type { ModelEntry } from './config.ts';
import type { HfCore } from './core.ts';
import { HfCoreError } from './errors.ts';
import type { Classification } from './types.ts';

/** Refs from a config's `models:` list. */
export function refsOfEntries(entries: ModelEntry[] = []): string[] {
  return entries.map((e) => (typeof e === 'string' ? e : (e.path ?? e.id ?? ''))).filter(Boolean);
}

export interface SelectOptions extends ClassifyRefsOptions {
  family?: string;
  /** Keep refs nothing classifies (generate --all reports them) instead of a usage error. */
  lenient?: boolean;
}

/**
 * The models a run or generate covers: the refs given, or every type the loaded family plugins
 * synthesize. Unknown refs are a usage error (exit 2) naming the nearest known types; a folder
 * that cannot be classified stays in the list, so its row says why.
 */
export async function selectModels(core: HfCore, refs: string[], opts: SelectOptions): Promise<Classification[]> {
  if (!core.plugins.some((p) => p.name === CATALOG_FALLBACK_PLUGIN)) await core.use(catalogFallbackPlugin);
  const inputs = refs.length ? refs : core.synthesizableTypes();
  if (!inputs.length) {
    throw new HfCoreError('No models to run: no refs were given and no family plugin is loaded.', {
      code: 'NO_MODELS',
      hint: 'Pass model types or folders (e.g. `hf-core run bert ./my-model`) or load a family plugin (--plugins encoder,cpu).',
      exitCode: 2,
    });
  }
  let classified = await classifyRefs(core, inputs, opts);
  // A model folder that cannot be classified (a broken config, an unreadable graph, a path out of
  // the folder) is that model's error row; an unknown type name or a bad path is a usage error.
  const unknown = classified.filter((c) => !c.family && !c.modelDir);
  if (unknown.length && !opts.lenient) {
    throw new HfCoreError(unknown.map((c) => `Cannot run "${c.ref}": ${c.reason}`).join('\n'), {
      code: 'UNKNOWN_MODEL',
      hint: 'Check the spelling (`hf-core catalog list`), or pass a folder with config.json.',
      exitCode: 2,
    });
  }
  if (opts.family) classified = classified.filter((c) => c.family === opts.family);
  return classified;
}

/** `--shard i/n`: the i-th of n disjoint slices of the model list (1-based), for parallel CI jobs. */
export function shardOf<T>(items: T[], spec: string | undefined): T[] {
  if (!spec) return items;
  const m = /^(\d+)\/(\d+)$/.exec(spec);
  const i = Number(m?.[1]);
  const n = Number(m?.[2]);
  if (!m || n < 1 || i < 1 || i > n)
    throw new HfCoreError(`--shard expects i/n with 1 <= i <= n, got "${spec}".`, { code: 'BAD_FLAG', exitCode: 2 });
  return items.filter((_, k) => k % n === i - 1);
}
