import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classifyRefs, HfCore, loadPlugin, runModels } from '@hf-core/core';
import { afterAll, describe, expect, it } from 'vitest';
import { detectTorch } from './engine.ts';
import pytorchPlugin from './index.ts';
import { FAULT_ENV } from './suite.ts';

const detection = await detectTorch('cpu');
const skipWhy = detection.available ? '' : `PyTorch reference unavailable (${detection.reason})`;
const here = fileURLToPath(new URL('.', import.meta.url));

/** A core with the encoder family and the cpu backend loaded by name (no plugin imports another). */
async function coreWith(): Promise<HfCore> {
  const core = new HfCore();
  for (const name of ['encoder', 'cpu']) await core.use((await loadPlugin(name, [here])).plugin);
  await core.use(pytorchPlugin());
  return core;
}

describe.skipIf(!!skipWhy)(`hf-core run on the pytorch backends ${skipWhy}`, () => {
  const out = mkdtempSync(join(tmpdir(), 'hf-core-pytorch-run-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('bert: the reference test runs in its own process, exports, and the export matches PyTorch on cpu', {
    timeout: 600_000,
  }, async () => {
    const core = await coreWith();
    const models = await classifyRefs(core, ['bert'], { cwd: out, env: process.env });
    const summary = await runModels(core, models, {
      outDir: out,
      backends: ['pytorch', 'pytorch-cuda'],
      measure: { warmup: 0, runs: 1, minMs: 0 },
      resolveFrom: fileURLToPath(import.meta.url),
    });
    const row = summary.results.find((r) => r.backend === 'pytorch')!;
    expect(row.status, row.reason).toBe('pass');
    const byName = Object.fromEntries(row.checks.map((c) => [c.name, c]));
    expect(byName.build?.details).toMatchObject({ modelClass: 'BertForMaskedLM' });
    for (const name of [
      'output-shapes',
      'finite',
      'determinism',
      'batch-equivalence',
      'padding-invariance',
      'save-load',
    ])
      expect(byName[name], name).toMatchObject({ status: 'pass', level: 'reference' });
    expect(byName['onnx-export']?.status).toBe('pass');
    expect(byName['onnx-parity:cpu']).toMatchObject({ status: 'pass', level: 'session' });
    expect(byName['onnx-parity:cpu']?.details?.maxAbsDiff as number).toBeLessThanOrEqual(1e-4);
    expect(row.metrics.peak_rss_mb).toBeGreaterThan(0);
    expect(row.metrics.load_ms).toBeGreaterThan(0);
    const reference = JSON.parse(readFileSync(join(out, 'exports', 'bert', 'reference.json'), 'utf8'));
    expect(reference.format).toBe('hf-core-reference/1');
    const cuda = summary.results.find((r) => r.backend === 'pytorch-cuda')!;
    expect(cuda.status).toBe('skip');
    expect(cuda.reason).toMatch(/^pytorch-cuda unavailable: /);
  });

  it('broken twin: a worker that dies of SIGSEGV makes the row a crash, like any backend', {
    timeout: 600_000,
  }, async () => {
    const core = await coreWith();
    const models = await classifyRefs(core, ['bert'], { cwd: out, env: process.env });
    process.env[FAULT_ENV] = 'crash';
    try {
      const summary = await runModels(core, models, {
        outDir: join(out, 'crash'),
        backends: ['pytorch'],
        measure: { warmup: 0, runs: 1, minMs: 0 },
        resolveFrom: fileURLToPath(import.meta.url),
      });
      expect(summary.results[0]).toMatchObject({ backend: 'pytorch', status: 'crash' });
      expect(summary.results[0]!.reason).toMatch(/SIGSEGV/);
    } finally {
      delete process.env[FAULT_ENV];
    }
  });
});
