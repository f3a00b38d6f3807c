/**
 * Classification in core: the catalog fallback plugin (answers whatever no family plugin
 * claimed) and `classifyRefs`, which turns user input into Classifications through the
 * classify hook.
 */
import { classifyConfig, classifyModelType, readSyncFile, type CatalogEntry } from '@hf-core/catalog';
import type { HfCore } from './core.ts';
import { hasOnnxFiles } from './discover.ts';
import { formatError } from './errors.ts';
import { CLASSIFY_STAGE, type ClassifyContext } from './hooks.ts';
import type { HfCorePlugin } from './plugin.ts';
import { pluginFix, pluginsThatClaim } from './suggest.ts';
import { downloadHubSnapshot, fetchHubConfig, parseRef, readModelConfig, type ParseRefOptions } from './sources.ts';
import type { Classification, ModelRef } from './types.ts';

export const CATALOG_FALLBACK_PLUGIN = 'hf-core:catalog-fallback';

/** Types `hf-core catalog sync` found new, for the contexts classifyRefs made in that folder. */
const syncedFor = new WeakMap<ClassifyContext, readonly CatalogEntry[]>();

/**
 * A config.json classified by every signal it has (model_type, architectures, auto_map, an ONNX
 * Runtime GenAI `model` block, nested configs, structural keys), with the types the last
 * `hf-core catalog sync` in `cwd` found new. `decidedBy` names the signal that decided.
 */
export function classifyModelConfig(
  config: Record<string, unknown>,
  ref: string,
  opts: { cwd?: string; synced?: readonly CatalogEntry[] } = {},
): Classification {
  return classifyConfig(config, ref, opts.synced ?? (opts.cwd ? syncedIn(opts.cwd) : []));
}

/** New types the last sync in `cwd` saved; none when it has not run there or its file is corrupt. */
function syncedIn(cwd: string): readonly CatalogEntry[] {
  try {
    return readSyncFile(cwd)?.added ?? [];
  } catch {
    // a corrupt sync file only loses the new types; `hf-core catalog sync` rewrites it
    return [];
  }
}

/** The catalog's answer for a classify context: by type name, else by its config. Never undefined. */
export function classifyFromCatalog(ctx: ClassifyContext): Classification {
  const { ref } = ctx;
  if (ref.kind === 'type') return classifyModelType(ref.modelType, ref.ref, syncedFor.get(ctx));
  if (ctx.config) return classifyModelConfig(ctx.config, ref.ref, { synced: syncedFor.get(ctx) });
  return {
    ref: ref.ref,
    modelType: null,
    family: null,
    tasks: [],
    runtimeSupport: 'unsupported',
    confidence: 'low',
    reason: 'no config.json was read for this ref, so there is nothing to classify it by',
  };
}

/** Taps `classify` last (CLASSIFY_STAGE.FALLBACK): the catalog and structure rules answer. */
export const catalogFallbackPlugin: HfCorePlugin = {
  name: CATALOG_FALLBACK_PLUGIN,
  apply(core: HfCore) {
    stampClaims(core);
    core.hooks.classify.tapPromise({ name: CATALOG_FALLBACK_PLUGIN, stage: CLASSIFY_STAGE.FALLBACK }, async (ctx) =>
      classifyFromCatalog(ctx),
    );
  },
};

const stamped = new WeakSet<HfCore>();

/**
 * Wraps every classify tap (present and future) so its answer carries `claimedBy: <tap name>`.
 * Wrapping each tap keeps this right when several classifications run at once.
 */
function stampClaims(core: HfCore): void {
  if (stamped.has(core)) return;
  stamped.add(core);
  const stamp = (name: string, result: Classification | undefined) =>
    result && !result.claimedBy ? { ...result, claimedBy: name } : result;
  core.hooks.classify.intercept({
    register(tap) {
      const fn = tap.fn as (...args: unknown[]) => unknown;
      if (tap.type === 'promise') {
        return {
          ...tap,
          fn: (ctx: ClassifyContext) =>
            Promise.resolve(fn(ctx)).then((r) => stamp(tap.name, r as Classification | undefined)),
        };
      }
      if (tap.type === 'sync')
        return { ...tap, fn: (ctx: ClassifyContext) => stamp(tap.name, fn(ctx) as Classification | undefined) };
      return {
        ...tap,
        fn: (ctx: ClassifyContext, cb: (err: unknown, r?: Classification) => void) =>
          fn(ctx, (err: unknown, r?: Classification) => cb(err, stamp(tap.name, r))),
      };
    },
  });
}

export interface ClassifyRefsOptions extends ParseRefOptions {
  /**
   * Fetch a hub id that is not in the cache into it (its config, tokenizer and the ONNX files of
   * the dtypes asked for), then classify that folder, so a run plans its dtype rows from the
   * files; without it, only its config.json is fetched (enough to classify). Network only where
   * parseRef allows it (--allow-network, and never with HF_HUB_OFFLINE=1).
   */
  snapshot?: { dtypesOf(ref: string): string[] | undefined; log(message: string): void };
}

function failed(input: string, reason: string, extra: Partial<Classification> = {}): Classification {
  return {
    ref: input,
    modelType: null,
    family: null,
    tasks: [],
    runtimeSupport: 'unsupported',
    confidence: 'low',
    reason,
    ...extra,
  };
}

/** The classify context of a parsed ref: reads the folder's config.json or fetches a hub config. */
async function contextFor(ref: ModelRef, opts: ClassifyRefsOptions): Promise<ClassifyContext> {
  switch (ref.kind) {
    case 'folder':
      // A folder of ONNX files is never refused for its config: without a usable config.json it
      // still runs at session level (the checkpoint plugin classifies it by its files and graph).
      if (hasOnnxFiles(ref.path)) {
        try {
          return { ref, modelDir: ref.path, config: readModelConfig(ref.path) };
        } catch {
          return { ref, modelDir: ref.path };
        }
      }
      return { ref, modelDir: ref.path, config: readModelConfig(ref.path) };
    case 'config':
      return { ref, config: ref.config };
    case 'hub': {
      if (!opts.snapshot) return { ref, config: await fetchHubConfig(ref.id, ref.revision, opts.env) };
      const dtypes = opts.snapshot.dtypesOf(ref.ref);
      opts.snapshot.log(
        `hf-core: fetching ${ref.id}${ref.revision ? `@${ref.revision}` : ''} into the Hugging Face cache${dtypes ? ` (dtypes ${dtypes.join(', ')})` : ''}`,
      );
      const got = await downloadHubSnapshot(ref.id, ref.revision, opts.env, { dtypes });
      opts.snapshot.log(`hf-core: ${got.files.length} file(s) in ${got.dir}`);
      return contextFor({ kind: 'folder', path: got.dir, ref: ref.ref }, opts);
    }
    default:
      return { ref };
  }
}

/**
 * Classifies each input through `core.hooks.classify` (family plugins first, then the catalog
 * fallback). Never throws for one bad ref: that ref gets `family: null` and the reason.
 */
export async function classifyRefs(
  core: HfCore,
  inputs: string[],
  opts: ClassifyRefsOptions,
): Promise<Classification[]> {
  stampClaims(core);
  const synced = syncedIn(opts.cwd);
  const out: Classification[] = [];
  for (const input of inputs) {
    let ctx: ClassifyContext | undefined;
    let parsed: ModelRef | undefined;
    try {
      parsed = parseRef(input, opts);
      ctx = await contextFor(parsed, opts);
      if (synced.length) syncedFor.set(ctx, synced);
      const answer = await core.hooks.classify.promise(ctx);
      let base = answer ?? failed(input, 'no plugin claimed it (load the catalog fallback plugin or a family plugin)');
      if (!base.family) {
        // Name the installed plugin that would claim it (a folder the catalog cannot place: checkpoint).
        const claim = await pluginsThatClaim(core, ctx);
        if (claim.length) base = { ...base, reason: `${base.reason}; ${pluginFix(claim, 'claims it')}` };
      }
      out.push({
        ...base,
        ref: input,
        ...(ctx.modelDir ? { modelDir: ctx.modelDir } : {}),
        ...(ctx.config ? { config: ctx.config } : {}),
      });
    } catch (err) {
      // A folder that cannot be classified keeps its folder: a run makes it an error row, not a usage error.
      const modelDir = ctx?.modelDir ?? (parsed?.kind === 'folder' ? parsed.path : undefined);
      out.push(failed(input, formatError(err).replace(/\n\s*/g, ' '), modelDir ? { modelDir } : {}));
    }
  }
  return out;
}
