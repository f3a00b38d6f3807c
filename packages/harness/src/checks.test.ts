import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '@hf-core/onnx-builder';
import { createCpuEngine } from '@hf-core/ort';
import { assertFinite, assertOutputShapes, checkBatchEquivalence, checkDeterminism } from './checks.ts';
import { CheckFailure } from './errors.ts';
import { tensor } from './tensors.ts';

/** A real onnxruntime session over a graph `body(g, x)` of x: float32 [batch, 4]. */
async function sessionOf(body: (g: GraphBuilder, x: string) => string) {
  const g = new GraphBuilder({ seed: 1 });
  const x = g.input('x', 'float32', ['batch', 4]);
  g.output(body(g, x), 'y', 'float32', ['batch', 4]);
  const dir = mkdtempSync(join(tmpdir(), 'hf-checks-'));
  writeFileSync(join(dir, 'm.onnx'), g.serialize().model);
  return createCpuEngine().createSession(join(dir, 'm.onnx'));
}

const x2 = { x: tensor('float32', [1, -2, 3, 0.5, -1, 4, 2, 0.25], [2, 4]) };

describe('session checks fail when they should', () => {
  it('determinism: passes on a pure graph, fails on one that draws random numbers', async () => {
    const pure = await sessionOf((g, x) => g.op('Mul', [x, g.scalarFloat(2)]));
    await expect(checkDeterminism(pure, x2)).resolves.toEqual({ maxAbsDiff: 0 });
    const noisy = await sessionOf((g, x) => g.op('Add', [x, g.op('RandomNormalLike', [x], { dtype: 1 })]));
    await expect(checkDeterminism(noisy, x2)).rejects.toThrow(CheckFailure);
  });

  it('batch equivalence: passes row-wise, fails on a graph that mixes rows of the batch', async () => {
    const rowwise = await sessionOf((g, x) => g.op('Tanh', [x]));
    await expect(checkBatchEquivalence(rowwise, x2)).resolves.toMatchObject({ maxAbsDiff: 0 });
    const mixing = await sessionOf((g, x) => g.op('Add', [x, g.op('ReduceMean', [x], { axes: [0], keepdims: 1 })]));
    await expect(checkBatchEquivalence(mixing, x2)).rejects.toThrow(/batch equivalence \(row 0\): "y" differs/);
  });

  it('finite values: fails on NaN with the output and index', async () => {
    const logOfNegative = await sessionOf((g, x) => g.op('Log', [x]));
    const out = await logOfNegative.run(x2);
    expect(() => assertFinite(out)).toThrow(/output "y" has a non-finite value \(NaN\) at flat index 1/);
  });

  it('output shapes: names a missing output and a wrong shape', async () => {
    const s = await sessionOf((g, x) => g.op('Relu', [x]));
    const out = await s.run(x2);
    expect(() => assertOutputShapes(out, { y: [2, 4] })).not.toThrow();
    expect(() => assertOutputShapes(out, { y: [2, 5] })).toThrow('output "y" has shape [2, 4], expected [2, 5]');
    expect(() => assertOutputShapes(out, { logits: [2, 4] })).toThrow(
      'output "logits" is missing; the session returned: y',
    );
  });
});
