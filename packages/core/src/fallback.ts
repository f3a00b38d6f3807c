import { existsSync, renameSync } from 'node:fs';
import type { HfCore } from './core.ts';
import { generateTest, type Generated, type GenerateOptions } from './generate.ts';
import type { Classification, ModelResult } from './types.ts';

/** The lighter synthesized size tried once after an oom. */
export const FALLBACK_SIZE = 'micro' as const;

/**
 * After an `oom` on a synthesized model, generates the `micro` variant (its own model folder and
 * test file, so the tiny one other backends use stays as it was) and runs it once. The row then
 * carries `fallback: 'micro'` and the first attempt's evidence; its log is kept beside the new
 * one. Real checkpoints have no lighter variant: their oom row is returned as it is.
 */
export async function withOomFallback(
  core: HfCore,
  c: Classification,
  generated: Generated,
  first: ModelResult,
  opts: Pick<GenerateOptions, 'outDir' | 'seed' | 'fixer'>,
  rerun: (micro: Generated) => Promise<ModelResult>,
): Promise<ModelResult> {
  if (first.status !== 'oom' || !generated.prepared.synthesized) return first;
  const firstAttempt: Record<string, unknown> = { status: first.status, reason: first.reason, ...first.evidence };
  const log = first.evidence?.logFile;
  if (typeof log === 'string' && existsSync(log)) {
    const kept = log.replace(/\.log$/, '.first-attempt.log');
    renameSync(log, kept);
    firstAttempt.logFile = kept;
  }
  let micro: Generated;
  try {
    micro = await generateTest(
      core,
      { ...c, ref: `${c.ref}.${FALLBACK_SIZE}` },
      { ...opts, size: FALLBACK_SIZE, reuseModels: true },
    );
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return {
      ...first,
      reason: `${first.reason}; the ${FALLBACK_SIZE} fallback could not be generated: ${why}`,
      evidence: { ...first.evidence, firstAttempt },
    };
  }
  const second = await rerun(micro);
  return {
    ...second,
    fallback: FALLBACK_SIZE,
    reason: second.reason
      ? `${second.reason} (ran the ${FALLBACK_SIZE} size after an oom)`
      : `ran the ${FALLBACK_SIZE} size after an oom of the tiny one`,
    evidence: { ...second.evidence, firstAttempt },
  };
}
