/**
 * Coverage over the whole catalog: every catalog type is a row of the default run (a type no
 * loaded family runs is a `skip` row saying why), and the report's headline counts passing
 * types over all catalog types, by family, and over the seed-era lists.
 */
import {
  exactEntry,
  listEntries,
  partOf,
  readSyncedNewTypes,
  readSyncFile,
  SEED_LISTS,
  type CatalogEntry,
} from '@hf-core/catalog';
import type { HfCore } from './core.ts';
import { HfCoreError } from './errors.ts';
import type { Classification, ModelResult } from './types.ts';

export interface UncoveredRow {
  classification: Classification;
  reason: string;
}

/** Why a catalog type has no test in this run. `runs`: the types loaded family plugins synthesize. */
export function skipReason(e: CatalogEntry, runs: ReadonlySet<string>, loadedFamilies: ReadonlySet<string>): string {
  const removed = e.removedIn ? `removed from transformers in ${e.removedIn} (last in ${e.lastIn}); ` : '';
  if (e.parent && runs.has(e.parent)) return `${removed}a sub-config, ${partOf(e)}: tested through ${e.parent}`;
  const why = !e.tjs
    ? 'transformers.js does not register it'
    : loadedFamilies.has(e.family)
      ? `the ${e.family} plugin does not synthesize it yet`
      : `no ${e.family} family plugin is loaded`;
  const part = e.parent ? `it is ${partOf(e)}, which is not covered either; ` : '';
  return `${removed}no family covers it yet: ${part}${why}`;
}

const asClassification = (e: CatalogEntry, family: string, reason: string): Classification => ({
  ref: e.modelType,
  modelType: e.modelType,
  family,
  tasks: e.tasks,
  runtimeSupport: e.runtimeSupport,
  confidence: 'high',
  reason,
});

/**
 * A skip row for every catalog type nothing in this run tests: the types a family plugin knows
 * but cannot test (with its reason), then every other catalog type of the loaded families
 * (sub-configs tested through their parent, types no family covers, types transformers.js does
 * not register, removed ones). The default run loads every built-in family, so every catalog
 * type gets a row; `family` keeps only that family's types, as `hf-core run --family` does.
 */
export function uncoveredRows(core: HfCore, opts: { family?: string } = {}): UncoveredRow[] {
  const out: UncoveredRow[] = [];
  const runs = new Set(core.synthesizableTypes());
  const seen = new Set(runs);
  for (const f of core.families.values()) {
    for (const [modelType, reason] of Object.entries(f.uncovered ?? {})) {
      if (seen.has(modelType) || (opts.family && f.family !== opts.family)) continue;
      seen.add(modelType);
      const e = exactEntry(modelType);
      out.push({
        classification: e
          ? asClassification(e, f.family, `known to ${f.plugin}`)
          : {
              ref: modelType,
              modelType,
              family: f.family,
              tasks: [],
              runtimeSupport: 'unsupported',
              confidence: 'high',
              reason: `known to ${f.plugin}`,
            },
        reason,
      });
    }
  }
  const families = new Set([...core.families.values()].map((f) => f.family));
  for (const e of listEntries({ family: opts.family })) {
    // The families loaded are the run's scope: the default run loads every built-in one.
    if (seen.has(e.modelType) || !families.has(e.family)) continue;
    out.push({
      classification: asClassification(e, e.family, 'in the catalog'),
      reason: skipReason(e, runs, families),
    });
  }
  return out;
}

export interface CoverageCount {
  /** Types counted. */
  types: number;
  /** Types with at least one passing row and no failing one. */
  pass: number;
  /** Types with a failing row (fail, error, crash, timeout, oom). */
  fail: number;
  /** Types with only skip rows, or no row at all. */
  skip: number;
}

export interface Coverage {
  catalog: CoverageCount;
  byFamily: Record<string, CoverageCount>;
  seedLists: (CoverageCount & { name: string })[];
}

/** What a type's rows add up to: pass, fail, or skip (nothing ran). */
function typeStatus(rows: ModelResult[]): 'pass' | 'fail' | 'skip' {
  if (rows.some((r) => r.status !== 'pass' && r.status !== 'skip')) return 'fail';
  return rows.some((r) => r.status === 'pass') ? 'pass' : 'skip';
}

function count(types: string[], status: (t: string) => 'pass' | 'fail' | 'skip'): CoverageCount {
  const c: CoverageCount = { types: types.length, pass: 0, fail: 0, skip: 0 };
  for (const t of types) c[status(t)]++;
  return c;
}

/** Coverage of a run's rows over every catalog type (types without a row count as skipped), by family and seed list. */
export function coverageOf(results: readonly ModelResult[]): Coverage {
  const rowsOf = new Map<string, ModelResult[]>();
  for (const r of results) if (r.modelType) rowsOf.set(r.modelType, [...(rowsOf.get(r.modelType) ?? []), r]);
  const status = (t: string) => typeStatus(rowsOf.get(t) ?? []);
  const entries = listEntries();
  const byFamily: Record<string, string[]> = {};
  for (const e of entries) (byFamily[e.family] ??= []).push(e.modelType);
  // Families a plugin declared, whose types the catalog does not list.
  for (const r of results)
    if (r.family && r.modelType && !exactEntry(r.modelType) && !byFamily[r.family]?.includes(r.modelType))
      (byFamily[r.family] ??= []).push(r.modelType);
  return {
    catalog: count(
      entries.map((e) => e.modelType),
      status,
    ),
    byFamily: Object.fromEntries(Object.entries(byFamily).map(([f, types]) => [f, count(types, status)])),
    seedLists: SEED_LISTS.map((l) => ({ name: l.name, ...count([...l.types], status) })),
  };
}

/**
 * `hf-core run --new`: the types the last `hf-core catalog sync` in `cwd` found new. Those a
 * loaded family synthesizes run; the others are skip rows saying why. Throws (exit 0) when the
 * last sync found none, or none was run there.
 */
export function newTypesRun(core: HfCore, cwd: string): { refs: string[]; uncovered: UncoveredRow[] } {
  const file = readSyncFile(cwd);
  const fresh = readSyncedNewTypes(cwd);
  if (!fresh.length)
    throw new HfCoreError(
      file
        ? 'The last `hf-core catalog sync` here found no new types: nothing to run.'
        : 'No `hf-core catalog sync` was run in this folder: no new types to run.',
      { code: 'NO_NEW_TYPES', exitCode: 0, hint: 'Run `hf-core catalog sync --release <version>` (or --tjs) first.' },
    );
  const runs = new Set(core.synthesizableTypes());
  const families = new Set([...core.families.values()].map((f) => f.family));
  const synced = new Map((file?.added ?? []).map((e) => [e.modelType, e]));
  const refs = fresh.filter((t) => runs.has(t));
  const uncovered = fresh
    .filter((t) => !runs.has(t))
    .map((t) => {
      const e = exactEntry(t) ?? synced.get(t)!;
      const since = file?.release ? `new in transformers ${file.release.version}; ` : '';
      return {
        classification: asClassification(e, e.family, 'found new by `hf-core catalog sync`'),
        reason: since + skipReason(e, runs, families),
      };
    });
  return { refs, uncovered };
}
