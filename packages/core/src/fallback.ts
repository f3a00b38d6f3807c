/**
 * The fallbacks core ships, as taps on `hooks.fallback` (FALLBACK_STAGE): after an `oom`, a
 * synthesized model runs again at the `micro` size, and a real checkpoint at the next lighter
 * dtype its folder has. A plugin adds its own fallback by tapping the same hook.
 */
import { existsSync, renameSync } from 'node:fs';
import type { HfCore } from './core.ts';
import { FALLBACK_STAGE, type FallbackContext } from './hooks.ts';
import type { HfCorePlugin } from './plugin.ts';
import type { ModelResult } from './types.ts';
import { lighterVariant } from './variants.ts';

export const FALLBACK_PLUGIN = 'hf-core:fallbacks';

/** The lighter synthesized size tried once after an oom. */
export const FALLBACK_SIZE = 'micro' as const;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * After an `oom` on a synthesized model, runs the `micro` variant once (its own model folder and
 * test file, so the tiny one other backends use stays as it was). The row then carries
 * `fallback: 'micro'` and the first attempt's evidence; its log is kept beside the new one.
 * Real checkpoints have no smaller size: their row passes on unchanged.
 */
export async function smallerSizeFallback(first: ModelResult, ctx: FallbackContext): Promise<ModelResult> {
  if (first.status !== 'oom' || !ctx.prepared.synthesized) return first;
  const firstAttempt: Record<string, unknown> = { status: first.status, reason: first.reason, ...first.evidence };
  const log = first.evidence?.logFile;
  if (typeof log === 'string' && existsSync(log)) {
    const kept = log.replace(/\.log$/, '.first-attempt.log');
    renameSync(log, kept);
    firstAttempt.logFile = kept;
  }
  let second: ModelResult;
  try {
    second = await ctx.retry(
      { ...ctx.classification, ref: `${ctx.classification.ref}.${FALLBACK_SIZE}` },
      { size: FALLBACK_SIZE },
    );
  } catch (err) {
    return {
      ...first,
      reason: `${first.reason}; the ${FALLBACK_SIZE} fallback could not be generated: ${message(err)}`,
      evidence: { ...first.evidence, firstAttempt },
    };
  }
  return {
    ...second,
    ref: first.ref,
    fallback: FALLBACK_SIZE,
    reason: second.reason
      ? `${second.reason} (ran the ${FALLBACK_SIZE} size after an oom)`
      : `ran the ${FALLBACK_SIZE} size after an oom of the tiny one`,
    evidence: { ...second.evidence, firstAttempt },
  };
}

/**
 * After an oom of a real checkpoint, runs the next lighter dtype the folder has (and the next,
 * while it stays oom); the row says which dtype ran in `fallback` and `model.dtype`, and why.
 */
export async function lighterDtypeFallback(first: ModelResult, ctx: FallbackContext): Promise<ModelResult> {
  let result = first;
  let raw = first.reason;
  let tried = ctx.classification;
  const chain: string[] = [];
  for (let lighter = lighterVariant(tried); result.status === 'oom' && lighter; lighter = lighterVariant(lighter)) {
    chain.push(`${tried.dtype} went past the memory cap (${raw})`);
    let next: ModelResult;
    try {
      next = await ctx.retry(lighter);
    } catch (err) {
      return {
        ...result,
        reason: `${result.reason}; the lighter ${lighter.dtype} variant could not be prepared: ${message(err)}`,
      };
    }
    raw = next.reason;
    result = {
      ...next,
      fallback: lighter.dtype,
      reason: `${chain.join('; ')}; ran ${lighter.dtype} instead${next.reason ? `: ${next.reason}` : ''}`,
      evidence: { ...next.evidence, oomOf: chain },
    };
    tried = lighter;
  }
  return result;
}

/** Taps core's two fallbacks; runModels loads it when no plugin of this name is loaded. */
export const fallbackPlugin: HfCorePlugin = {
  name: FALLBACK_PLUGIN,
  apply(core: HfCore) {
    core.hooks.fallback.tapPromise({ name: FALLBACK_PLUGIN, stage: FALLBACK_STAGE.SMALLER_SIZE }, smallerSizeFallback);
    core.hooks.fallback.tapPromise(
      { name: FALLBACK_PLUGIN, stage: FALLBACK_STAGE.LIGHTER_DTYPE },
      lighterDtypeFallback,
    );
  },
};
