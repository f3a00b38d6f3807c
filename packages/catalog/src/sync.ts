/**
 * `catalog sync`: compares a transformers release (read by upstream/release.ts from a wheel, a
 * checkout, an installed package or the auto files) with the catalog: which config types are
 * new, which the catalog lists but the release no longer has, which come back, and which moved
 * to another family because their tables changed. The result is saved to
 * `<cwd>/.hf-core/catalog-sync.json` for `hf-core generate --new` and `hf-core run --new`.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { catalogMeta, exactEntry, listEntries } from './catalog.ts';
import { derive, type DeriveContext } from './derive.ts';
import { familyFromMappings } from './mappings.ts';
import type { BuiltinFamily, CatalogEntry, Family } from './types.ts';
import type { Release } from './upstream/release.ts';
import type { TjsDiff } from './upstream/tjs.ts';

export interface RemappedType {
  modelType: string;
  /** Family the catalog's mapping tables gave, and the one the new tables give. */
  from: Family;
  to: Family;
  mappingsAdded: string[];
  mappingsRemoved: string[];
}

export interface TypeRef {
  modelType: string;
  family: Family;
}

export interface SyncDiff {
  /** The release read: its version and where it was read from. */
  release: { version: string; origin: string };
  /** The transformers release the catalog was built from. */
  catalogVersion: string;
  upstreamCount: number;
  /** Hugging Face types the catalog lists as current (not marked removed). */
  catalogCount: number;
  added: CatalogEntry[];
  removed: TypeRef[];
  /** Types the catalog marks removed that this release lists again. */
  returned: TypeRef[];
  remapped: RemappedType[];
}

export interface SyncFile extends Partial<SyncDiff> {
  syncedAt: string;
  sources: string[];
  added: CatalogEntry[];
  /** What `catalog sync --tjs` found in the installed transformers.js. */
  tjs?: TjsDiff;
}

export const SYNC_FILE = join('.hf-core', 'catalog-sync.json');

/** A sync that would drop more than this share of the catalog's current types writes nothing without --force. */
export const SYNC_REMOVAL_LIMIT = 0.1;

/** The catalog's current Hugging Face types (not marked removed). */
function currentHfTypes(): CatalogEntry[] {
  return listEntries().filter((e) => e.sources?.includes('transformers') && !e.removedIn);
}

/** Entries for types the catalog lacks, judged by the rule the catalog build uses (derive.ts). */
export function newEntries(release: Release, types: string[]): CatalogEntry[] {
  const made = new Map<string, CatalogEntry>();
  const ctx: DeriveContext = {
    familyOf: (t) => {
      const e = made.get(t) ?? exactEntry(t);
      return e && { family: e.family as BuiltinFamily, tasks: e.tasks };
    },
    sharingConfig: (configClass, except) => {
      const e = [...made.values(), ...listEntries()].find(
        (o) => o.configClass === configClass && o.modelType !== except,
      );
      return e && { modelType: e.modelType, family: e.family as BuiltinFamily };
    },
  };
  for (let pass = 0; pass < 2; pass++) {
    for (const type of types) {
      const t = release.types.get(type)!;
      const d = derive({ modelType: type, ...t }, ctx);
      made.set(type, {
        modelType: type,
        family: d.family,
        tasks: d.tasks,
        ...(t.configClass ? { configClass: t.configClass } : {}),
        hfMappings: t.mappings,
        runtimeSupport: 'unsupported',
        configKeys: {},
        proposedFamily: d.family,
        familyRule: d.rule,
        sources: ['transformers'],
        ...(t.classes.length ? { classNames: t.classes } : {}),
        ...(t.parent ? { parent: t.parent, role: t.role } : {}),
        releases: [release.version],
      });
    }
  }
  return types.map((t) => made.get(t)!);
}

/** Diffs a release against the catalog. */
export function diffRelease(release: Release): SyncDiff {
  const current = currentHfTypes();
  const currentSet = new Set(current.map((e) => e.modelType));
  const added: string[] = [];
  const returned: TypeRef[] = [];
  const remapped: RemappedType[] = [];
  for (const [type, t] of release.types) {
    const entry = exactEntry(type);
    if (!entry?.sources?.includes('transformers')) {
      added.push(type);
      continue;
    }
    if (entry.removedIn) returned.push({ modelType: type, family: entry.family });
    const before = familyFromMappings(entry.hfMappings) ?? entry.proposedFamily ?? entry.family;
    const after = familyFromMappings(t.mappings) ?? before;
    if (before !== after)
      remapped.push({
        modelType: type,
        from: before,
        to: after,
        mappingsAdded: t.mappings.filter((m) => !entry.hfMappings.includes(m)),
        mappingsRemoved: entry.hfMappings.filter((m) => !t.mappings.includes(m)),
      });
  }
  const removed = [...currentSet]
    .filter((t) => !release.types.has(t))
    .map((t) => ({ modelType: t, family: exactEntry(t)!.family }));
  return {
    release: { version: release.version, origin: release.origin },
    catalogVersion: catalogMeta().transformers,
    upstreamCount: release.types.size,
    catalogCount: currentSet.size,
    added: newEntries(release, added),
    removed,
    returned,
    remapped,
  };
}

/** True when a sync would drop more than a tenth of the catalog's current types. */
export function removesTooMuch(diff: Pick<SyncDiff, 'removed' | 'catalogCount'>): boolean {
  return diff.removed.length > SYNC_REMOVAL_LIMIT * diff.catalogCount;
}

/** Saves the diff where `hf-core generate --new` finds it, keeping what the other kind of sync saved; returns the file's path. */
export function writeSyncFile(
  cwd: string,
  diff: Partial<SyncDiff> & { tjs?: TjsDiff },
  sources: string[],
  now = new Date(),
): string {
  const file = join(cwd, SYNC_FILE);
  mkdirSync(dirname(file), { recursive: true });
  let previous: SyncFile | null = null;
  try {
    previous = readSyncFile(cwd);
  } catch {
    // a corrupt file is rewritten
  }
  const body: SyncFile = {
    ...previous,
    ...diff,
    syncedAt: now.toISOString(),
    sources,
    added: diff.added ?? previous?.added ?? [],
  };
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}

/** The last sync's result in `cwd`, or null when none was run there. Throws (naming the file) when it is corrupt. */
export function readSyncFile(cwd: string): SyncFile | null {
  const file = join(cwd, SYNC_FILE);
  if (!existsSync(file)) return null;
  let parsed: Partial<SyncFile>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<SyncFile>;
  } catch (err) {
    throw new Error(
      `${file} is not valid JSON (${(err as Error).message}); run \`hf-core catalog sync\` again to rewrite it.`,
    );
  }
  if (!Array.isArray(parsed.added))
    throw new Error(`${file} has no "added" list; run \`hf-core catalog sync\` again to rewrite it.`);
  return parsed as SyncFile;
}

/**
 * Model types the last `hf-core catalog sync` in `cwd` found new: types a transformers release
 * added, then types an installed transformers.js newly registers (for `hf-core generate --new`
 * and `hf-core run --new`); empty when none was run there.
 */
export function readSyncedNewTypes(cwd: string): string[] {
  const file = readSyncFile(cwd);
  const types = (file?.added ?? []).map((e) => e.modelType);
  for (const t of file?.tjs?.added ?? []) if (!types.includes(t.modelType)) types.push(t.modelType);
  return types;
}
