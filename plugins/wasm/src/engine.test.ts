import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineSession, TensorData } from '@hf-core/core';
import { textFeeds } from '@hf-core/harness';
import { createCpuEngine } from '@hf-core/ort';
import { buildEncoderGraph, GraphBuilder, saveGraph } from '@hf-core/onnx-builder';
import createEngine from './engine.ts';
import { detectWasm } from './ort-web.ts';

const maxAbsDiff = (a: TensorData, b: TensorData) => {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(Number(a.data[i]) - Number(b.data[i])));
  return m;
};

describe('wasm engine (onnxruntime-web in Node)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hf-core-wasm-'));
  const arch = { vocab: 120, hidden: 32, layers: 2, heads: 4, inner: 64, maxPos: 128, tokenTypeIds: true };
  let wasm: EngineSession;
  let cpu: EngineSession;
  beforeAll(async () => {
    const model = join(dir, 'onnx/model.onnx');
    await saveGraph(buildEncoderGraph(arch, 42), model);
    [wasm, cpu] = await Promise.all([createEngine().createSession(model), createCpuEngine().createSession(model)]);
  });
  afterAll(async () => {
    await wasm?.release();
    await cpu?.release();
    rmSync(dir, { recursive: true, force: true });
  });

  it('detects as available here, with the runtime version', async () => {
    const d = await detectWasm();
    expect(d).toMatchObject({ available: true });
    expect(d.versions['onnxruntime-web']).toMatch(/^\d+\.\d+\.\d+/);
    expect(createEngine().transformersDevice).toBeUndefined();
  });

  it('runs a BERT-style encoder and matches cpu (onnxruntime-node) on every output', async () => {
    const feeds = textFeeds({ rows: 2, seq: 8, seed: 5, vocabSize: arch.vocab, padId: 0, minId: 5 });
    const [got, want] = [await wasm.run(feeds), await cpu.run(feeds)];
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    expect(wasm.outputNames).toEqual(cpu.outputNames);
    for (const name of Object.keys(want)) {
      expect(got[name]!.dims).toEqual(want[name]!.dims);
      expect(maxAbsDiff(got[name]!, want[name]!)).toBeLessThan(1e-4);
    }
  });

  it('refuses to change the thread count once the runtime has started, and says why', async () => {
    await expect(createEngine().createSession(join(dir, 'onnx/model.onnx'), { threads: 3 })).rejects.toThrow(
      /cannot switch to 3/,
    );
  });

  it('passes weights stored beside the model (model.onnx_data) and matches cpu', async () => {
    const g = new GraphBuilder({ name: 'external', seed: 7 });
    const x = g.input('x', 'float32', [2, 64]);
    g.output(g.op('MatMul', [x, g.param('w', [64, 64], { std: 0.5 })]), 'y', 'float32', [2, 64]);
    const file = join(dir, 'external', 'model.onnx');
    const files = await saveGraph(g, file, { externalData: { location: 'model.onnx_data', threshold: 0 } });
    expect(files.map((f) => f.split('/').pop())).toEqual(['model.onnx', 'model.onnx_data']);
    const feeds = {
      x: { type: 'float32' as const, dims: [2, 64], data: Float32Array.from({ length: 128 }, (_, i) => Math.sin(i)) },
    };
    const [a, b] = [await createEngine().createSession(file), await createCpuEngine().createSession(file)];
    try {
      const [got, want] = [await a.run(feeds), await b.run(feeds)];
      expect(maxAbsDiff(got.y!, want.y!)).toBeLessThan(1e-4);
      expect(Math.max(...Array.from(want.y!.data as Float32Array, Math.abs))).toBeGreaterThan(0.1);
    } finally {
      await a.release();
      await b.release();
    }
  });

  it('a corrupt model fails with the runtime error', async () => {
    writeFileSync(join(dir, 'not-a-model.onnx'), '{"model_type": "bert"}');
    await expect(createEngine().createSession(join(dir, 'not-a-model.onnx'))).rejects.toThrow();
  });
});
