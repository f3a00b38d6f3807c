/**
 * The dtype matrix of real checkpoints: which variants of a folder to test (`--dtype
 * fp32,fp16,q8,q4`), the lighter variant to fall back to after an oom (fallback.ts runs it),
 * and how close a variant's outputs must stay to fp32's.
 */
import { discoverModelFolder, DTYPE_ORDER, DTYPE_SUFFIXES, type ModelFolder } from './discover.ts';
import { HfCoreError } from './errors.ts';
import type { Classification } from './types.ts';

/** `fp32,fp16` or ['q8', 'q4'] into known dtype names; an unknown name is a usage error. */
export function parseDtypes(spec: string | readonly string[] | undefined): string[] | undefined {
  if (spec === undefined) return undefined;
  const list = (typeof spec === 'string' ? [spec] : [...spec])
    .flatMap((s) => String(s).split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.filter((d) => !(d in DTYPE_SUFFIXES));
  if (bad.length) {
    throw new HfCoreError(`Unknown dtype(s): ${bad.join(', ')}.`, {
      code: 'BAD_FLAG',
      exitCode: 2,
      hint: `Known dtypes: ${Object.keys(DTYPE_SUFFIXES).join(', ')}.`,
    });
  }
  return [...new Set(list)];
}

/**
 * Largest relative difference (max |a - b| / max |fp32|) a variant may have against fp32, by
 * dtype: fp16 rounds each weight to ~3 decimal digits; 8-bit and 4-bit quantization move logits
 * much more, so their bound is a sanity bound (same scale, no garbage), not an accuracy claim.
 */
export const PARITY_TOLERANCE: Readonly<Record<string, number>> = Object.freeze({
  fp16: 1e-2,
  q8: 0.1,
  int8: 0.1,
  uint8: 0.1,
  q4f16: 0.3,
  q4: 0.3,
  bnb4: 0.3,
  q2f16: 0.6,
  q2: 0.6,
  q1f16: 1,
  q1: 1,
});

export const parityToleranceOf = (dtype: string): number | undefined => PARITY_TOLERANCE[dtype];

/** The dtype a run uses when none is asked for: fp32 when present (transformers.js's cpu default), else the heaviest. */
export function defaultDtype(folder: ModelFolder): string {
  return folder.variants.fp32 ? 'fp32' : Object.keys(folder.variants)[0]!;
}

/** The next lighter dtype the folder has after `dtype`, for an oom fallback. */
export function lighterDtype(folder: ModelFolder, dtype: string): string | undefined {
  const i = DTYPE_ORDER.indexOf(dtype);
  return DTYPE_ORDER.slice(i + 1).find((d) => folder.variants[d]);
}

/** The ref of one dtype row: `./model#q8` (so result keys, test files and reports keep dtypes apart). */
export const variantRef = (ref: string, dtype: string) => `${ref}#${dtype}`;

/** Per-model options from a config file's `models:` entry, keyed by the ref it names. */
export interface ModelOptions {
  dtypes?: string[];
  backends?: string[];
}

export interface PlannedRun {
  classification: Classification;
  backends: string[];
}

export interface VariantPlan {
  runs: PlannedRun[];
  /** Requested dtypes a folder does not have: reported as skip rows, never silently dropped. */
  missing: { classification: Classification; backends: string[]; reason: string }[];
}

/**
 * Expands each real checkpoint folder into one run per dtype asked for and present (default: one
 * run of its default dtype, under its own ref). Synthesized models pass through unchanged. A
 * folder that cannot be listed passes through too: its prepare step reports the error.
 */
export function planVariants(
  classifications: Classification[],
  opts: { backends: string[]; dtypes?: string[]; perModel?: Record<string, ModelOptions> },
): VariantPlan {
  const plan: VariantPlan = { runs: [], missing: [] };
  for (const c of classifications) {
    const own = opts.perModel?.[c.ref];
    const backends = own?.backends?.length ? own.backends : opts.backends;
    const dtypes = own?.dtypes ?? opts.dtypes;
    let folder: ModelFolder | undefined;
    if (c.modelDir) {
      try {
        folder = discoverModelFolder(c.modelDir);
      } catch {
        folder = undefined;
      }
    }
    if (!folder) {
      plan.runs.push({ classification: c, backends });
      continue;
    }
    if (!dtypes?.length) {
      plan.runs.push({ classification: { ...c, dtype: c.dtype ?? defaultDtype(folder) }, backends });
      continue;
    }
    const has = Object.keys(folder.variants);
    for (const dtype of dtypes) {
      const v: Classification = { ...c, ref: variantRef(c.ref, dtype), dtype };
      if (folder.variants[dtype]) plan.runs.push({ classification: v, backends });
      else
        plan.missing.push({
          classification: v,
          backends,
          reason: `dtype ${dtype} was asked for, but ${folder.dir} has no ${dtype} variant (it has ${has.join(', ')}; files named <name>${DTYPE_SUFFIXES[dtype] ?? ''}.onnx)`,
        });
    }
  }
  return plan;
}

/** The same checkpoint at the next lighter dtype its folder has, or undefined. */
export function lighterVariant(c: Classification): Classification | undefined {
  if (!c.modelDir || !c.dtype) return undefined;
  let folder: ModelFolder;
  try {
    folder = discoverModelFolder(c.modelDir);
  } catch {
    return undefined;
  }
  const dtype = lighterDtype(folder, c.dtype);
  return dtype ? { ...c, dtype, fallbackFrom: c.fallbackFrom ?? c.dtype } : undefined;
}
