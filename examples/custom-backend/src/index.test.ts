import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HfCore, loadPlugin } from '@hf-core/core';
import { buildEncoderGraph, saveGraph } from '@hf-core/onnx-builder';
import createEngine, { threadsFromEnv } from './engine.ts';

describe('example cpu-threads backend', () => {
  it('loads by path as a plugin and registers its backend', async () => {
    const loaded = await loadPlugin('./src/index.ts', [join(import.meta.dirname, '..')]);
    const core = new HfCore();
    await core.use(loaded.plugin);
    expect([...core.backends.keys()]).toEqual(['cpu-threads']);
    expect((await core.backends.get('cpu-threads')!.detect()).available).toBe(true);
  });

  it('runs a real encoder session and agrees with itself across thread counts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-example-'));
    const arch = { vocab: 100, hidden: 16, layers: 1, heads: 2, inner: 32, maxPos: 64, tokenTypeIds: true };
    await saveGraph(buildEncoderGraph(arch, 1), join(dir, 'onnx/model.onnx'));
    const engine = createEngine();
    const a = await engine.createSession(join(dir, 'onnx/model.onnx'), { threads: 1 });
    const b = await engine.createSession(join(dir, 'onnx/model.onnx'), { threads: 2 });
    const feeds = {
      input_ids: { type: 'int64' as const, dims: [1, 4], data: BigInt64Array.from([2n, 7n, 9n, 3n]) },
      attention_mask: { type: 'int64' as const, dims: [1, 4], data: BigInt64Array.from([1n, 1n, 1n, 1n]) },
      token_type_ids: { type: 'int64' as const, dims: [1, 4], data: new BigInt64Array(4) },
    };
    const x = (await a.run(feeds)).last_hidden_state!.data as Float32Array;
    const y = (await b.run(feeds)).last_hidden_state!.data as Float32Array;
    expect(x.length).toBe(4 * 16);
    for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThan(1e-5);
    await a.release();
    await b.release();
  });

  it('reads its thread count from the environment, with a safe default', () => {
    expect(threadsFromEnv({ HF_CORE_CPU_THREADS: '4' })).toBe(4);
    expect(threadsFromEnv({ HF_CORE_CPU_THREADS: 'lots' })).toBe(2);
  });
});
