import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from '@hf-core/harness';
import { buildFixtures } from '../test/fixtures.ts';
import {
  checkDtypeParity,
  checkPipeline,
  checkRunsFromMetadata,
  checkSessionGeneration,
  checkConfigMatchesGraph,
  planCheckpoint,
} from './checks.ts';

// Each layout is tested in this process through the harness and the cpu engine, as a generated
// test would; plugin.test.ts runs the whole pipeline (generate, fix, isolated vitest) on a few.
const root = mkdtempSync(join(tmpdir(), 'hf-core-ckpt-checks-'));
const dir = (name: string) => join(root, name);
beforeAll(() => buildFixtures(root));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const llama = harness(import.meta.url, {
  ref: 'llama',
  modelType: 'llama',
  family: 'decoder-only',
  modelDir: dir('llama-dtypes'),
});
const stacked = harness(import.meta.url, {
  ref: 'stacked',
  modelType: null,
  family: 'decoder-only',
  modelDir: dir('stacked-cache'),
});
const ext = harness(import.meta.url, {
  ref: 'ext',
  modelType: null,
  family: 'decoder-only',
  modelDir: dir('external-data'),
});
const contrib = harness(import.meta.url, {
  ref: 'contrib',
  modelType: null,
  family: 'encoder-only',
  modelDir: dir('contrib-ops'),
});
const bert = harness(import.meta.url, {
  ref: 'bert',
  modelType: 'bert',
  family: 'encoder-only',
  modelDir: dir('bert-optimum'),
});
const seq2seq = harness(import.meta.url, {
  ref: 'seq2seq',
  modelType: null,
  family: 'encoder-decoder',
  modelDir: dir('seq2seq-optimum'),
});
const vit = harness(import.meta.url, {
  ref: 'vit',
  modelType: 'vit',
  family: 'vision',
  modelDir: dir('vit-processor'),
});
const bart = harness(import.meta.url, {
  ref: 'bart',
  modelType: 'bart',
  family: 'encoder-decoder',
  modelDir: dir('bart-optimum'),
});
const odd = harness(import.meta.url, {
  ref: 'odd',
  modelType: null,
  family: 'decoder-only',
  modelDir: dir('odd-input'),
});

const thrown = async (p: Promise<unknown>) =>
  p.then(
    () => '',
    (e: Error) => e.message,
  );

describe('session level from metadata', () => {
  it('runs a per-layer cache empty and short; outputs follow the declared symbolic dims', async () => {
    const plan = planCheckpoint(llama.modelDir);
    const f = plan.files[0]!;
    const empty = await checkRunsFromMetadata(llama, plan, f, 0);
    expect(empty.feeds['past_key_values.0.key']).toEqual([2, 2, 0, 8]);
    expect(empty.outputs['present.1.value']).toEqual([2, 2, 4, 8]);
    expect(empty.outputs.logits).toEqual([2, 4, plan.feed.vocabSize]);
    const short = await checkRunsFromMetadata(llama, plan, f, 2);
    expect(short.feeds.attention_mask).toEqual([2, 6]);
    expect(short.outputs['present.0.key']).toEqual([2, 2, 6, 8]);
  });

  it('runs a stacked past_{i} cache [2, batch, heads, past, head_dim] and generates over it', async () => {
    const plan = planCheckpoint(stacked.modelDir);
    expect(plan.generation).toEqual({ path: 'onnx/model.onnx', layout: 'stacked', layers: 3 });
    expect((await checkRunsFromMetadata(stacked, plan, plan.files[0]!, 2)).outputs.present_2).toEqual([2, 2, 2, 6, 8]);
    const gen = await checkSessionGeneration(stacked, plan, 4);
    expect(gen.generated).toHaveLength(4);
    expect(stacked.recorder.records.filter((r) => r.t === 'metric').map((r) => (r as { name: string }).name)).toEqual([
      'prefill_ms',
      'decode_ms_per_token',
      'tokens_per_s',
    ]);
  });

  it('loads weights from external data in both spellings and in two chunks (_data, _data_1), and compares fp16 with fp32 within 1e-2', async () => {
    const plan = planCheckpoint(ext.modelDir, { dtype: 'fp16' });
    expect(plan.files[0]!.externalData).toEqual(['onnx/model_fp16.onnx.data']);
    const parity = await checkDtypeParity(ext, plan, plan.files[0]!);
    expect(parity.tolerance).toBe(0.01);
    expect(Math.max(...Object.values(parity.perOutput))).toBeLessThan(0.01);
    expect(planCheckpoint(ext.modelDir).files[0]!.externalData).toEqual(['onnx/model.onnx_data']);
    const chunked = planCheckpoint(ext.modelDir, { dtype: 'q8' });
    expect(chunked.files[0]!.externalData).toEqual([
      'onnx/model_quantized.onnx_data',
      'onnx/model_quantized.onnx_data_1',
    ]);
    expect(new Set(chunked.files[0]!.header.externalData.map((r) => r.location))).toEqual(
      new Set(['model_quantized.onnx_data', 'model_quantized.onnx_data_1']),
    );
    expect((await checkDtypeParity(ext, chunked, chunked.files[0]!)).tolerance).toBe(0.1);
  });

  it('runs com.microsoft contrib ops and names them', async () => {
    const plan = planCheckpoint(contrib.modelDir);
    expect(Object.keys(plan.files[0]!.header.ops).filter((k) => k.startsWith('com.microsoft'))).toEqual([
      'com.microsoft:FastGelu',
      'com.microsoft:SkipLayerNormalization',
    ]);
    expect((await checkRunsFromMetadata(contrib, plan, plan.files[0]!)).outputs.last_hidden_state).toEqual([2, 4, 16]);
  });

  it('q8 and q4 stay within their tolerances of fp32; a wrong tolerance would fail', async () => {
    for (const [dtype, tol] of [
      ['q8', 0.1],
      ['q4', 0.3],
    ] as const) {
      const plan = planCheckpoint(llama.modelDir, { dtype });
      const parity = await checkDtypeParity(llama, plan, plan.files[0]!);
      expect(parity.tolerance).toBe(tol);
      expect(parity.rule).toContain(`tolerance ${tol} for ${dtype}`);
    }
    const strict = { ...planCheckpoint(llama.modelDir, { dtype: 'q4' }), tolerance: 1e-4 };
    expect(await thrown(checkDtypeParity(llama, strict, strict.files[0]!))).toMatch(/^q4 vs fp32 .* logits differs by/);
  });

  it('runs each file of a multi-file export: encoder, and a merged decoder with empty and short caches', async () => {
    const plan = planCheckpoint(seq2seq.modelDir);
    expect(plan.files.map((f) => f.component)).toEqual(['decoder_model_merged', 'encoder_model']);
    expect(plan.generation).toBeUndefined(); // its decoder needs encoder states: not a plain causal LM
    const [decoder, encoder] = plan.files as [(typeof plan.files)[0], (typeof plan.files)[0]];
    expect((await checkRunsFromMetadata(seq2seq, plan, encoder)).outputs.last_hidden_state).toEqual([2, 4, 16]);
    const empty = await checkRunsFromMetadata(seq2seq, plan, decoder, 0);
    expect(empty.feeds.use_cache_branch).toEqual([1]);
    expect(empty.outputs['present.1.decoder.key']).toEqual([2, 2, 4, 8]);
    expect((await checkRunsFromMetadata(seq2seq, plan, decoder, 2)).outputs['present.1.decoder.key']).toEqual([
      2, 2, 6, 8,
    ]);
  });

  it('names the input whose type it cannot make, and the file', async () => {
    const plan = planCheckpoint(odd.modelDir);
    expect(await thrown(checkRunsFromMetadata(odd, plan, plan.files[0]!))).toBe(
      'input "prompt_codes" of onnx/model.onnx has element type "int16", which hf-core cannot make a feed for (it makes float32, float16, float64, int64, int32, int8, uint8 and bool)',
    );
  });

  it('fails when config.json disagrees with the graph, naming both numbers', () => {
    const plan = planCheckpoint(dir('config-mismatch'));
    expect(() => checkConfigMatchesGraph(plan)).toThrow(
      'config.json vocab_size is 32000, but the embedding table that input_ids index in onnx/model.onnx has 48 rows; config.json says 4 layers, but onnx/model.onnx declares a KV cache for 2',
    );
  });

  it('refuses missing and truncated external data and folders without ONNX files, naming the file', () => {
    expect(() => planCheckpoint(dir('truncated-data'))).toThrow(
      /model\.onnx_data is truncated: it has 100 bytes, but tensor "\S+" of .*model\.onnx needs bytes up to \d+/,
    );
    expect(() => planCheckpoint(dir('missing-data'))).toThrow(
      /keeps its weights in external data file "weights\.bin", which is missing/,
    );
    expect(() => planCheckpoint(dir('no-onnx'))).toThrow('has no ONNX file');
    expect(() => planCheckpoint(llama.modelDir, { dtype: 'bnb4' })).toThrow(
      'has no bnb4 variant (it has fp32, fp16, q8, q4)',
    );
  });
});

describe('pipeline level', () => {
  it('generates through AutoModelForCausalLM at the dtype under test', async () => {
    const plan = planCheckpoint(llama.modelDir, { dtype: 'q8', runtimeSupport: 'DecoderOnly' });
    expect(plan.pipeline).toMatchObject({ kind: 'text', generate: true });
    const out = await checkPipeline(llama, plan);
    expect(out).toMatchObject({ class: 'AutoModelForCausalLM' });
  });

  it('runs AutoModel on a top-level optimum export and on an image through AutoProcessor, and says why a folder stays at session level', async () => {
    expect(await checkPipeline(bert, planCheckpoint(bert.modelDir))).toMatchObject({
      class: 'AutoModel',
      outputs: { last_hidden_state: [1, 4, 16] },
    });
    const vitPlan = planCheckpoint(vit.modelDir);
    expect((await checkRunsFromMetadata(vit, vitPlan, vitPlan.files[0]!)).feeds.pixel_values).toEqual([2, 3, 32, 32]);
    expect(await checkPipeline(vit, vitPlan)).toMatchObject({
      class: 'AutoModel',
      outputs: { last_hidden_state: [1, 16, 16], logits: [1, 3] },
    });
    expect(await checkPipeline(bart, planCheckpoint(bart.modelDir))).toMatchObject({ class: 'AutoModelForSeq2SeqLM' });
    expect(planCheckpoint(contrib.modelDir).pipeline.reason).toBe(
      `session level only: ${contrib.modelDir} has no config.json, which transformers.js needs; ${contrib.modelDir} has no tokenizer.json / vocab file and no preprocessor_config.json`,
    );
    expect(planCheckpoint(dir('config-mismatch')).pipeline.reason).toContain(
      'has no tokenizer.json / vocab file and no preprocessor_config.json',
    );
  });
});
