/**
 * Rows a run reports as `skip` without running anything: the one place that decides which
 * models a report lists besides those it runs (runRequest passes what `skipRowsFor` returns to
 * runModels as `skipRows`). Today: the types a loaded family plugin knows but cannot test yet,
 * with its reason. Another source of skip rows (every catalog type no family runs, say) is added
 * in `skipRowsFor`.
 */
import { getEntry } from '@hf-core/catalog';
import type { HfCore } from './core.ts';
import type { Classification } from './types.ts';

/** A model reported as `skip` on every backend of the run, with the reason. */
export interface SkipRow {
  classification: Classification;
  reason: string;
}

/** Types the loaded families know but cannot test yet (a family's `uncovered` map), with its reason. */
function knownUntested(core: HfCore, family?: string): SkipRow[] {
  const out: SkipRow[] = [];
  for (const f of core.families.values()) {
    if (family && f.family !== family) continue;
    for (const [modelType, reason] of Object.entries(f.uncovered ?? {})) {
      const e = getEntry(modelType);
      out.push({
        classification: {
          ref: modelType,
          modelType,
          family: f.family,
          tasks: e?.tasks ?? [],
          runtimeSupport: e?.runtimeSupport ?? 'unsupported',
          confidence: 'high',
          reason: `known to ${f.plugin}`,
        },
        reason,
      });
    }
  }
  return out;
}

/**
 * The skip rows of a run: none when the user named models (they asked for those alone), else
 * every source above, filtered to `family` when one was asked for; each reason says so.
 */
export function skipRowsFor(core: HfCore, opts: { refsGiven: boolean; family?: string }): SkipRow[] {
  if (opts.refsGiven) return [];
  return knownUntested(core, opts.family).map((r) => ({ ...r, reason: `not covered yet: ${r.reason}` }));
}
