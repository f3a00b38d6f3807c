import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogFallbackPlugin, classifyRefs, HfCore, runModels, loadPlugin } from '@hf-core/core';
import { type GraphBuilder, saveGraph } from '@hf-core/onnx-builder';
import { encoderGraph } from '../test/fixtures.ts';
import checkpointPlugin from './index.ts';

// The cpu backend by name, as the CLI loads it: the workspace root depends on every built-in plugin.
const loadCpu = async () => (await loadPlugin('cpu', [fileURLToPath(new URL('../../../', import.meta.url))])).plugin;

// An fp32 variant that cannot fit under the memory cap (a 512 MB weight in external data) beside
// a small q8 variant: the run goes past the cap on fp32, then runs q8 and says so.
const root = mkdtempSync(join(tmpdir(), 'hf-core-ckpt-oom-'));
const dir = join(root, 'heavy');
beforeAll(async () => {
  const heavy = encoderGraph() as GraphBuilder;
  const big = heavy.param('ballast', [128, 1024 * 1024], { init: 'ones' });
  heavy.output(heavy.op('ReduceSum', [big], { keepdims: 0 }), 'ballast_sum', 'float32', []);
  await saveGraph(heavy, join(dir, 'onnx', 'model.onnx'), {
    externalData: { location: 'model.onnx_data', threshold: 1 << 20 },
  });
  await saveGraph(encoderGraph(), join(dir, 'onnx', 'model_quantized.onnx'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('memory fallback', () => {
  it('after an oom of fp32, runs the next lighter dtype present and records it', async () => {
    const core = new HfCore();
    for (const p of [checkpointPlugin(), await loadCpu(), catalogFallbackPlugin]) await core.use(p);
    const models = await classifyRefs(core, [dir], { cwd: root, env: {} });
    const summary = await runModels(core, models, {
      outDir: join(root, 'out'),
      backends: ['cpu'],
      memoryCapMb: 600,
      measure: { warmup: 0, runs: 1, minMs: 0 },
      resolveFrom: fileURLToPath(import.meta.url),
    });
    const [row] = summary.results;
    expect(row).toMatchObject({
      status: 'pass',
      fallback: 'q8',
      model: { dtype: 'q8', files: ['onnx/model_quantized.onnx'] },
    });
    expect(row!.checks.find((c) => c.name === 'dtype-parity')).toMatchObject({
      status: 'skip',
      message: 'this run is the fallback after fp32 went past the memory cap, so fp32 is not loaded beside it',
    });
    expect(row!.reason).toMatch(
      /^fp32 went past the memory cap \(resident memory of the test's processes reached \d+(\.\d+)? MB, past the 600 MB cap.*\); ran q8 instead/,
    );
  });
});
