/**
 * Release-to-release diffs (`hf-core catalog diff 4.57.6 5.18.0`): the releases the catalog
 * read answer offline from its entries; any other is read from its wheel, checkout or package.
 */
import { catalogMeta, exactEntry, listEntries } from './catalog.ts';
import { newEntries, type TypeRef } from './sync.ts';
import type { Release } from './upstream/release.ts';

export interface ReleaseDiff {
  from: { version: string; origin: string; count: number };
  to: { version: string; origin: string; count: number };
  /** Types `to` lists and `from` does not, with the family the catalog (or its rule) gives. */
  added: TypeRef[];
  removed: TypeRef[];
}

/** A release the catalog read, rebuilt from its entries (types, tables, parents), or undefined. */
export function releaseFromCatalog(version: string): Release | undefined {
  if (!catalogMeta().transformersReleases.includes(version)) return undefined;
  const types = new Map(
    listEntries({ release: version }).map((e) => [
      e.modelType,
      {
        ...(e.configClass ? { configClass: e.configClass } : {}),
        mappings: e.hfMappings,
        classes: e.classNames ?? [],
        ...(e.parent ? { parent: e.parent, role: e.role } : {}),
      },
    ]),
  );
  return { version, origin: `the catalog (transformers ${version})`, types };
}

function refs(release: Release, types: string[]): TypeRef[] {
  const unknown = types.filter((t) => !exactEntry(t));
  const judged = new Map(newEntries(release, unknown).map((e) => [e.modelType, e.family]));
  return types.map((t) => ({ modelType: t, family: exactEntry(t)?.family ?? judged.get(t)! }));
}

export function diffReleases(from: Release, to: Release): ReleaseDiff {
  const added = [...to.types.keys()].filter((t) => !from.types.has(t)).sort();
  const removed = [...from.types.keys()].filter((t) => !to.types.has(t)).sort();
  const side = (r: Release) => ({ version: r.version, origin: r.origin, count: r.types.size });
  return { from: side(from), to: side(to), added: refs(to, added), removed: refs(from, removed) };
}
