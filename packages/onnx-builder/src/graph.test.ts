import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from './graph.ts';
import { gelu, layerNorm, linear, rmsNorm, selfAttention, paddingBias } from './nn.ts';
import { saveGraph } from './io.ts';

function tiny(seed: number) {
  const g = new GraphBuilder({ seed });
  const x = g.input('x', 'float32', ['batch', 'seq', 8]);
  const m = g.input('mask', 'int64', ['batch', 'seq']);
  const h = selfAttention(g, layerNorm(g, x, 8, 'ln'), 8, 2, 'attn', paddingBias(g, m));
  const y = gelu(g, linear(g, rmsNorm(g, h, 8, 'rms'), 8, 4, 'proj'));
  g.output(y, 'y', 'float32', ['batch', 'seq', 4]);
  return g;
}

async function run(bytes: Uint8Array, x: Float32Array, mask: bigint[]) {
  const s = await ort.InferenceSession.create(bytes);
  const out = await s.run({
    x: new ort.Tensor('float32', x, [1, 3, 8]),
    mask: new ort.Tensor('int64', BigInt64Array.from(mask), [1, 3]),
  });
  return out.y!;
}

describe('GraphBuilder', () => {
  const x = Float32Array.from({ length: 24 }, (_, i) => Math.sin(i));

  it('builds a graph onnxruntime loads and runs, with the declared output shape', async () => {
    const y = await run(tiny(1).serialize().model, x, [1n, 1n, 1n]);
    expect(y.dims).toEqual([1, 3, 4]);
    expect([...(y.data as Float32Array)].every(Number.isFinite)).toBe(true);
  });

  it('is deterministic per seed and differs across seeds', () => {
    expect(tiny(7).serialize().model).toEqual(tiny(7).serialize().model);
    expect(tiny(7).serialize().model).not.toEqual(tiny(8).serialize().model);
  });

  it('masks padded keys: changing a masked position does not change the others', async () => {
    const bytes = tiny(3).serialize().model;
    const a = await run(bytes, x, [1n, 1n, 0n]);
    const x2 = x.slice();
    for (let i = 16; i < 24; i++) x2[i] = 100;
    const b = await run(bytes, x2, [1n, 1n, 0n]);
    const da = a.data as Float32Array;
    const db = b.data as Float32Array;
    for (let i = 0; i < 8; i++) expect(Math.abs(da[i]! - db[i]!)).toBeLessThan(1e-5);
  });

  it('writes large initializers to an external data file that onnxruntime reads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-onnx-'));
    const g = tiny(5);
    const files = await saveGraph(g, join(dir, 'model.onnx'), {
      externalData: { location: 'model.onnx.data', threshold: 64 },
    });
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['model.onnx', 'model.onnx.data']);
    expect(readFileSync(files[1]!).byteLength).toBeGreaterThan(0);
    const s = await ort.InferenceSession.create(files[0]!);
    const out = await s.run({
      x: new ort.Tensor('float32', x, [1, 3, 8]),
      mask: new ort.Tensor('int64', BigInt64Array.from([1n, 1n, 1n]), [1, 3]),
    });
    const ref = await run(g.serialize().model, x, [1n, 1n, 1n]);
    expect([...(out.y!.data as Float32Array)]).toEqual([...(ref.data as Float32Array)]);
  });
});
