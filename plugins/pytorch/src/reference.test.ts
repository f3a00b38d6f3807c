import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BackendEngine, loadPlugin, HfCore } from '@hf-core/core';
import { CheckFailure } from '@hf-core/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectTorch } from './engine.ts';
import { choosePython, pythonEnv } from './python.ts';
import { compareCase, readReferenceFile } from './reference-json.ts';
import { REFERENCE_CHECKS } from './suite.ts';
import { type ReferenceResult, TorchWorker } from './worker.ts';

// One worker for the file (importing torch and transformers once); tiny models, no latency runs.
const detection = await detectTorch('cpu');
const skipWhy = detection.available ? '' : `PyTorch reference unavailable (${detection.reason})`;
const NO_TIMING = { runs: 0 };

/** One type per family: the plugin really runs each in PyTorch and every check holds. */
const ONE_PER_FAMILY: Record<string, string> = {
  'encoder-only': 'bert',
  'decoder-only': 'gpt2',
  'encoder-decoder': 't5',
  vision: 'vit',
  speech: 'wav2vec2',
  multimodal: 'clip',
  other: 'patchtst',
};

describe.skipIf(!!skipWhy)(`pytorch reference ${skipWhy}`, () => {
  let worker: TorchWorker;
  // Starting Python and importing torch and transformers takes seconds (minutes on a busy machine).
  beforeAll(async () => {
    worker = new TorchWorker();
    await worker.ready;
  }, 600_000);
  afterAll(() => worker?.close());

  const statusOf = (r: ReferenceResult, name: string) => r.checks.find((c) => c.name === name)?.status;

  for (const [family, type] of Object.entries(ONE_PER_FAMILY)) {
    it(`${family}: ${type} builds from a tiny config and passes every check that applies`, async () => {
      const r = await worker.reference({ modelType: type, measure: NO_TIMING });
      expect(r.status, r.reason).toBe('pass');
      expect(r.checks.map((c) => c.name)).toEqual([...REFERENCE_CHECKS]);
      for (const name of ['output-shapes', 'finite', 'determinism', 'batch-equivalence', 'save-load'])
        expect(statusOf(r, name), `${type} ${name}`).toBe('pass');
      expect(r.metrics.first_forward_ms).toBeGreaterThan(0);
      expect(r.metrics.peak_rss_mb).toBeGreaterThan(0);
    });
  }

  it('generative types: generate with the cache equals generate without, with prefill and decode timings', async () => {
    const r = await worker.reference({ modelType: 'gpt2', measure: NO_TIMING, only: ['generate-cache'] });
    expect(r.checks).toEqual([expect.objectContaining({ name: 'generate-cache', status: 'pass' })]);
    expect(r.metrics.prefill_ms).toBeGreaterThan(0);
    expect(r.metrics.decode_ms_per_token).toBeGreaterThanOrEqual(0);
  });

  // Each check's broken twin: the same model with one fault installed (hf_core_torch/faults.py).
  const TWINS: [fault: string, type: string, check: string][] = [
    ['nondeterministic', 'bert', 'determinism'],
    ['batch-mix', 'bert', 'batch-equivalence'],
    ['ignore-mask', 'bert', 'padding-invariance'],
    ['ignore-mask', 'gpt2', 'padding-invariance'],
    ['nan', 'bert', 'finite'],
    ['shape', 'bert', 'output-shapes'],
    ['save-drop', 'bert', 'save-load'],
    ['cache', 'gpt2', 'generate-cache'],
  ];
  for (const [fault, type, check] of TWINS) {
    it(`${check} fails on ${type} with the "${fault}" fault`, async () => {
      const r = await worker.reference({ modelType: type, fault, measure: NO_TIMING, only: [check] });
      expect(statusOf(r, check), JSON.stringify(r.checks)).toBe('fail');
      expect(r.status).toBe('fail');
    });
  }

  it('grounding-dino: its -inf logits over padded text positions are masked by design, and pass finite', async () => {
    const r = await worker.reference({ modelType: 'grounding-dino', measure: NO_TIMING, only: ['finite'] });
    const finite = r.checks.find((c) => c.name === 'finite');
    expect(finite?.status, JSON.stringify(r.checks)).toBe('pass');
    expect(finite?.details).toEqual({ masked: ['enc_outputs_class', 'encoder_logits'] });
  });

  it('a masked output still fails finite on NaN or +inf; an unmasked one on -inf', () => {
    // check_finite itself, on tensors made to hold each value (the real function, in the real venv).
    const script = [
      'import torch, json',
      'from hf_core_torch.checks import check_finite, CheckFailure',
      'def verdict(v, masked):',
      '    try:',
      '        check_finite({"x": torch.tensor([0.5, v])}, {"x": "masked"} if masked else None)',
      '        return "pass"',
      '    except CheckFailure:',
      '        return "fail"',
      'inf = float("inf")',
      'print(json.dumps([verdict(-inf, True), verdict(float("nan"), True), verdict(inf, True), verdict(-inf, False)]))',
    ].join('\n');
    const res = spawnSync(choosePython().python, ['-c', script], { env: pythonEnv(), encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual(['pass', 'fail', 'fail', 'fail']);
  });

  it('a type transformers does not know is a skip that says how to fix it', async () => {
    const r = await worker.reference({ modelType: 'no_such_model_type', measure: NO_TIMING });
    expect(r.status).toBe('skip');
    expect(r.reason).toMatch(/has no config class for model type 'no_such_model_type'.*pip install -U transformers/);
  });

  describe('export', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-core-torch-export-'));
    let cpu: BackendEngine;
    beforeAll(async () => {
      // The cpu backend reached by its plugin's registration, as the run reaches it (no import of another plugin).
      const core = new HfCore();
      await core.use((await loadPlugin('cpu', [fileURLToPath(new URL('.', import.meta.url))])).plugin);
      const mod = (await import(pathToFileURL(core.backends.get('cpu')!.engineModule).href)) as {
        default: () => BackendEngine;
      };
      cpu = mod.default();
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('writes the transformers.js layout and reference.json; onnxruntime on cpu matches PyTorch within 1e-4', async () => {
      const r = await worker.exportModel({ modelType: 'gpt2', out: dir });
      expect(r.status, r.reason).toBe('pass');
      expect(r.files).toEqual(
        expect.arrayContaining([
          'config.json',
          'onnx/model.onnx',
          'tokenizer.json',
          'tokenizer_config.json',
          'reference.json',
        ]),
      );
      const ref = readReferenceFile(dir);
      expect(ref.producer).toMatchObject({ model_type: 'gpt2', model_class: 'GPT2LMHeadModel' });
      const session = await cpu.createSession(join(dir, ref.cases[0]!.file));
      try {
        const got = await compareCase(session, ref.cases[0]!, ref.dtype);
        expect(got.maxAbsDiff).toBeLessThanOrEqual(1e-4);
        // Broken twin: a reference output moved by 1e-3 is caught.
        const moved = structuredClone(ref.cases[0]!);
        const logits = moved.outputs.logits!;
        logits.data[0] = (logits.data[0] ?? 0) + 1e-3;
        await expect(compareCase(session, moved, ref.dtype)).rejects.toThrow(CheckFailure);
      } finally {
        await session.release();
      }
    });

    it('a reference.json of another format is refused, naming the file', () => {
      const file = join(dir, 'reference.json');
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), format: 'x/2' }));
      expect(() => readReferenceFile(dir)).toThrow(/reference\.json: format is "x\/2"/);
    });
  });
});
