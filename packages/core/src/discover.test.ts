import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discoverModelFolder, hasOnnxFiles, parseOnnxName } from './discover.ts';
import { HfCoreError } from './errors.ts';
import { HfCore } from './core.ts';
import { fallbackPlugin } from './fallback.ts';
import { defaultDtype, lighterDtype, parseDtypes, planVariants, variantRef } from './variants.ts';
import type { Classification, ModelResult } from './types.ts';

const root = mkdtempSync(join(tmpdir(), 'hf-core-discover-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function folder(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

const tjs = folder('tjs', {
  'config.json': '{}',
  'tokenizer.json': '{}',
  'onnx/model.onnx': 'x',
  'onnx/model.onnx_data': 'xx',
  'onnx/model.onnx_data_1': 'xx',
  'onnx/model_fp16.onnx': 'x',
  'onnx/model_quantized.onnx': 'x',
  'onnx/model_q4.onnx': 'x',
  'onnx/model_q4f16.onnx': 'x',
  'onnx/model_bnb4.onnx': 'x',
  'onnx/model_uint8.onnx': 'x',
  'onnx/model_int8.onnx': 'x',
});
const seq2seq = folder('seq2seq', {
  'encoder_model.onnx': 'x',
  'decoder_model_merged.onnx': 'x',
  'decoder_model_merged.onnx.data': 'x',
  'decoder_model_merged_quantized.onnx': 'x',
  'preprocessor_config.json': '{}',
});
const empty = folder('no-onnx', { 'config.json': '{}', 'pytorch_model.bin': 'x' });
const cls = (dir: string, extra: Partial<Classification> = {}): Classification => ({
  ref: dir,
  modelType: null,
  family: 'other',
  tasks: [],
  runtimeSupport: 'unsupported',
  confidence: 'low',
  reason: '',
  modelDir: dir,
  ...extra,
});

describe('discoverModelFolder', () => {
  it('reads dtype suffixes the way transformers.js names them', () => {
    expect(parseOnnxName('model_quantized.onnx')).toEqual({ component: 'model', dtype: 'q8' });
    expect(parseOnnxName('decoder_model_merged_q4f16.onnx')).toEqual({
      component: 'decoder_model_merged',
      dtype: 'q4f16',
    });
    expect(parseOnnxName('vision_encoder_fp16.onnx')).toEqual({ component: 'vision_encoder', dtype: 'fp16' });
    expect(parseOnnxName('embed_tokens.onnx')).toEqual({ component: 'embed_tokens', dtype: 'fp32' });
  });

  it('lists variants heaviest first, with their external data chunks and the support files', () => {
    const f = discoverModelFolder(tjs);
    expect(f.subfolder).toBe('onnx');
    expect(Object.keys(f.variants)).toEqual(['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4f16', 'q4', 'bnb4']);
    expect(f.variants.fp32![0]).toMatchObject({
      path: 'onnx/model.onnx',
      externalData: ['onnx/model.onnx_data', 'onnx/model.onnx_data_1'],
    });
    expect(f.variants.q4![0]!.externalData).toEqual([]);
    expect(f.hasTokenizer && f.hasConfig && !f.hasProcessor).toBe(true);
    expect(f.supportFiles).toEqual(['config.json', 'tokenizer.json']);
  });

  it('finds optimum multi-file exports at the top of the folder', () => {
    const f = discoverModelFolder(seq2seq);
    expect(f.subfolder).toBe('');
    expect(f.variants.fp32!.map((x) => x.component)).toEqual(['decoder_model_merged', 'encoder_model']);
    expect(f.variants.fp32![0]!.externalData).toEqual(['decoder_model_merged.onnx.data']);
    expect(f.variants.q8!.map((x) => x.path)).toEqual(['decoder_model_merged_quantized.onnx']);
    expect(f.hasProcessor && !f.hasConfig).toBe(true);
  });

  it('says which folder has no ONNX file and what it has instead', () => {
    expect(hasOnnxFiles(empty)).toBe(false);
    let err: unknown;
    try {
      discoverModelFolder(empty);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HfCoreError);
    expect((err as HfCoreError).message).toBe(
      `${empty} has no ONNX file (looked for *.onnx at its top and under onnx/; it has config.json, pytorch_model.bin).`,
    );
  });
});

describe('variants', () => {
  it('parses --dtype lists and names unknown dtypes', () => {
    expect(parseDtypes('fp32, q8,q4')).toEqual(['fp32', 'q8', 'q4']);
    expect(parseDtypes(['fp16', 'fp16'])).toEqual(['fp16']);
    expect(() => parseDtypes('fp32,fp8')).toThrow('Unknown dtype(s): fp8.');
  });

  it('picks fp32 by default and the next lighter dtype present for a fallback', () => {
    const f = discoverModelFolder(tjs);
    expect(defaultDtype(f)).toBe('fp32');
    expect(lighterDtype(f, 'fp16')).toBe('q8');
    expect(lighterDtype(f, 'bnb4')).toBeUndefined();
    expect(lighterDtype(discoverModelFolder(seq2seq), 'fp32')).toBe('q8');
  });

  it('expands folders into one row per dtype present, keyed by ref#dtype, and reports absent ones', () => {
    const plan = planVariants([cls(seq2seq), cls('bert', { modelDir: undefined, ref: 'bert' })], {
      backends: ['cpu'],
      dtypes: ['fp32', 'q8', 'q4'],
      perModel: { bert: { backends: ['wasm'] } },
    });
    expect(plan.runs.map((r) => [r.classification.ref, r.classification.dtype, r.backends])).toEqual([
      [variantRef(seq2seq, 'fp32'), 'fp32', ['cpu']],
      [variantRef(seq2seq, 'q8'), 'q8', ['cpu']],
      ['bert', undefined, ['wasm']],
    ]);
    expect(plan.missing).toHaveLength(1);
    expect(plan.missing[0]!.reason).toContain(
      `dtype q4 was asked for, but ${seq2seq} has no q4 variant (it has fp32, q8`,
    );
    const single = planVariants([cls(tjs)], { backends: ['cpu'], perModel: { [tjs]: { dtypes: ['q4'] } } });
    expect(single.runs[0]!.classification).toMatchObject({ ref: `${tjs}#q4`, dtype: 'q4' });
  });

  it('after an oom the fallback hook runs the next lighter variant and records it as the fallback', async () => {
    const row = (status: ModelResult['status'], reason: string): ModelResult => ({
      ref: 'm',
      modelType: null,
      family: null,
      backend: 'cpu',
      status,
      reason,
      level: null,
      checks: [],
      metrics: {},
      started_at: '',
      duration_ms: 0,
    });
    const core = await new HfCore().use(fallbackPlugin);
    const tried: string[] = [];
    const ctx = (retry: (c: Classification) => Promise<ModelResult>) => ({
      classification: cls(tjs, { dtype: 'fp32' }),
      backend: 'cpu',
      prepared: { dir: tjs, files: [], synthesized: false },
      testFile: join(root, 'm.test.ts'),
      retry,
    });
    const out = await core.hooks.fallback.promise(
      row('oom', 'rss 9000 MB'),
      ctx(async (c) => {
        tried.push(c.dtype!);
        return c.dtype === 'fp16' ? row('oom', 'rss 8500 MB') : row('pass', '');
      }),
    );
    expect(tried).toEqual(['fp16', 'q8']);
    expect(out).toMatchObject({ status: 'pass', fallback: 'q8' });
    expect(out.reason).toBe(
      'fp32 went past the memory cap (rss 9000 MB); fp16 went past the memory cap (rss 8500 MB); ran q8 instead',
    );
    const untouched = row('fail', 'x');
    expect(
      await core.hooks.fallback.promise(
        untouched,
        ctx(async () => row('pass', '')),
      ),
    ).toBe(untouched);
  });
});
