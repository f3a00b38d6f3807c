import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineSession, TensorData, TensorType } from '@hf-core/core';
import { CheckFailure, maxAbsDiff, tensor } from '@hf-core/harness';

/** reference.json (format hf-core-reference/1): PyTorch outputs for fixed inputs, per ONNX file. */
export interface ReferenceFile {
  format: 'hf-core-reference/1';
  producer: Record<string, unknown>;
  dtype: string;
  cases: ReferenceCase[];
}

export interface JsonTensor {
  type: TensorType;
  dims: number[];
  data: (number | null)[];
}

export interface ReferenceCase {
  name: string;
  file: string;
  inputs: Record<string, JsonTensor>;
  outputs: Record<string, JsonTensor>;
}

/** Max abs difference allowed per dtype of the reference (fp32: the issue's 1e-4). */
export const PARITY_TOLERANCE: Record<string, number> = { fp32: 1e-4, fp16: 1e-2 };

export function readReferenceFile(dir: string): ReferenceFile {
  const path = join(dir, 'reference.json');
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as ReferenceFile;
  if (parsed.format !== 'hf-core-reference/1')
    throw new Error(`${path}: format is ${JSON.stringify(parsed.format)}, expected "hf-core-reference/1"`);
  return parsed;
}

const fromJson = (t: JsonTensor): TensorData =>
  tensor(
    t.type,
    t.data.map((x) => (x === null ? Number.NaN : x)),
    t.dims,
  );

/**
 * Runs one case's inputs through `session` and holds every reference output present to the
 * dtype's tolerance; returns the max abs difference per output.
 */
export async function compareCase(
  session: EngineSession,
  c: ReferenceCase,
  dtype: string,
): Promise<{ maxAbsDiff: number; perOutput: Record<string, number>; tolerance: number }> {
  const tol = PARITY_TOLERANCE[dtype] ?? PARITY_TOLERANCE.fp32!;
  const feeds = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, fromJson(v)]));
  const got = await session.run(feeds, Object.keys(c.outputs));
  const perOutput: Record<string, number> = {};
  for (const [name, want] of Object.entries(c.outputs)) {
    const out = got[name];
    if (!out)
      throw new CheckFailure(`${c.file}: no output "${name}" (the session returned ${Object.keys(got).join(', ')})`);
    if (out.dims.join() !== want.dims.join())
      throw new CheckFailure(
        `${c.file}: "${name}" has dims [${out.dims.join(', ')}], PyTorch gave [${want.dims.join(', ')}]`,
      );
    perOutput[name] = maxAbsDiff(out, fromJson(want));
  }
  const worst = Math.max(0, ...Object.values(perOutput).map((d) => (Number.isNaN(d) ? Number.POSITIVE_INFINITY : d)));
  if (!(worst <= tol))
    throw new CheckFailure(
      `${c.file} differs from PyTorch by ${worst.toExponential(3)} (tolerance ${tol} for ${dtype}): ${Object.entries(
        perOutput,
      )
        .map(([n, d]) => `${n} ${d.toExponential(3)}`)
        .join(', ')}`,
      { maxAbsDiff: worst, perOutput, tolerance: tol },
    );
  return { maxAbsDiff: worst, perOutput, tolerance: tol };
}
