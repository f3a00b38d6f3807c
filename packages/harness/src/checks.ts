import type { EngineSession, Feeds, TensorData } from '@hf-core/core';
import { CheckFailure } from './errors.ts';
import { maxAbsDiff, shapeOf, sliceAxis, sliceRows, toNumbers } from './tensors.ts';

export type Outputs = Record<string, TensorData>;

/** Every expected output is present with exactly the expected dims. */
export function assertOutputShapes(outputs: Outputs, expected: Record<string, readonly number[]>): void {
  for (const [name, dims] of Object.entries(expected)) {
    const t = outputs[name];
    if (!t)
      throw new CheckFailure(
        `output "${name}" is missing; the session returned: ${Object.keys(outputs).join(', ') || 'nothing'}`,
      );
    if (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i])) {
      throw new CheckFailure(`output "${name}" has shape ${shapeOf(t)}, expected [${dims.join(', ')}]`, {
        got: [...t.dims],
        expected: [...dims],
      });
    }
  }
}

/** No NaN or infinity in any float output. */
export function assertFinite(outputs: Outputs): void {
  for (const [name, t] of Object.entries(outputs)) {
    if (!t.type.startsWith('float')) continue;
    const values = toNumbers(t);
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0)
      throw new CheckFailure(`output "${name}" has a non-finite value (${values[bad]}) at flat index ${bad}`);
  }
}

export function assertClose(name: string, a: TensorData, b: TensorData, tol: number, what: string): number {
  if (a.dims.join() !== b.dims.join())
    throw new CheckFailure(`${what}: "${name}" shapes differ: ${shapeOf(a)} vs ${shapeOf(b)}`);
  const d = maxAbsDiff(a, b);
  if (!(d <= tol))
    throw new CheckFailure(`${what}: "${name}" differs by ${d.toExponential(3)} (tolerance ${tol})`, {
      maxAbsDiff: d,
      tolerance: tol,
    });
  return d;
}

/** The same feeds twice give the same outputs (within `tol`; 0 means bit-identical). */
export async function checkDeterminism(session: EngineSession, feeds: Feeds, tol = 0): Promise<{ maxAbsDiff: number }> {
  const a = await session.run(feeds);
  const b = await session.run(feeds);
  let worst = 0;
  for (const name of Object.keys(a)) worst = Math.max(worst, assertClose(name, a[name]!, b[name]!, tol, 'determinism'));
  return { maxAbsDiff: worst };
}

/**
 * A row alone gives the same outputs as the same row inside a batch: `batched` has rows along
 * axis 0 of every feed; each row is run alone and compared with its slice of the batched run.
 */
export async function checkBatchEquivalence(
  session: EngineSession,
  batched: Feeds,
  opts: { tol?: number; outputs?: string[] } = {},
): Promise<{ maxAbsDiff: number }> {
  const tol = opts.tol ?? 1e-4;
  const all = await session.run(batched);
  const rows = Object.values(batched)[0]!.dims[0]!;
  let worst = 0;
  for (let r = 0; r < rows; r++) {
    const single: Feeds = {};
    for (const [k, v] of Object.entries(batched)) single[k] = sliceRows(v, r, r + 1);
    const alone = await session.run(single);
    for (const name of opts.outputs ?? Object.keys(alone)) {
      const inBatch = sliceRows(all[name]!, r, r + 1);
      worst = Math.max(worst, assertClose(name, alone[name]!, inBatch, tol, `batch equivalence (row ${r})`));
    }
  }
  return { maxAbsDiff: worst };
}

/**
 * Padding does not change unpadded positions: `short` holds a sequence of length n, `padded`
 * the same sequence padded (mask 0) to a longer length; outputs on `seqAxis` positions [0, n)
 * must agree.
 */
export async function checkPaddingInvariance(
  session: EngineSession,
  short: Feeds,
  padded: Feeds,
  opts: { n: number; seqAxis?: number; outputs: string[]; tol?: number },
): Promise<{ maxAbsDiff: number }> {
  const tol = opts.tol ?? 1e-4;
  const a = await session.run(short);
  const b = await session.run(padded);
  let worst = 0;
  for (const name of opts.outputs) {
    const axis = opts.seqAxis ?? 1;
    worst = Math.max(
      worst,
      assertClose(
        name,
        sliceAxis(a[name]!, axis, opts.n),
        sliceAxis(b[name]!, axis, opts.n),
        tol,
        'padding invariance',
      ),
    );
  }
  return { maxAbsDiff: worst };
}

/** Fails unless `cond` holds; the message says what was expected. */
export function expectThat(cond: unknown, message: string, details?: Record<string, unknown>): asserts cond {
  if (!cond) throw new CheckFailure(message, details);
}
