import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogFallbackPlugin, classifyRefs, generateTest, HfCore, type Classification } from '@hf-core/core';
import { buildFixtures } from '../test/fixtures.ts';
import checkpointPlugin from './index.ts';

const root = mkdtempSync(join(tmpdir(), 'hf-core-ckpt-plugin-'));
let fx: Awaited<ReturnType<typeof buildFixtures>>;
let core: HfCore;
beforeAll(async () => {
  fx = await buildFixtures(join(root, 'fx'));
  core = new HfCore();
  await core.use(checkpointPlugin());
  await core.use(catalogFallbackPlugin);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const classify = async (...refs: string[]) => classifyRefs(core, refs, { cwd: root, env: {} });

describe('checkpoint plugin', () => {
  it('classifies folders without config.json by their graph, and leaves configured ones to the catalog', async () => {
    const [stacked, contrib, bert] = await classify(fx.stacked, fx.contrib, fx.bert);
    expect(stacked).toMatchObject({
      family: 'decoder-only',
      modelType: null,
      claimedBy: 'hf-core:checkpoint',
      modelDir: fx.stacked,
    });
    expect(stacked!.reason).toBe(
      'no config.json; family decoder-only from the graph: onnx/model.onnx takes a KV cache',
    );
    expect(contrib).toMatchObject({ family: 'encoder-only', claimedBy: 'hf-core:checkpoint' });
    expect(bert).toMatchObject({ family: 'encoder-only', modelType: 'bert', claimedBy: 'hf-core:catalog-fallback' });
    const [seq2seq] = await classify(fx.seq2seq);
    expect(seq2seq).toMatchObject({
      family: 'encoder-decoder',
      reason: 'no config.json; family encoder-decoder from the graph: it has encoder_model and decoder_model files',
    });
  });

  it('prepares a folder as it is: the dtype files, external data, support files and the level it can reach', async () => {
    const [ext] = await classify(fx.ext);
    const g = await generateTest(core, { ...ext!, dtype: 'fp16' }, { outDir: join(root, 'out') });
    expect(g.prepared).toMatchObject({
      dir: fx.ext,
      synthesized: false,
      files: ['onnx/model_fp16.onnx', 'onnx/model_fp16.onnx.data'],
    });
    expect(g.prepared.facts).toMatchObject({
      dtype: 'fp16',
      variants: ['fp32', 'fp16', 'q8'],
      level: 'session',
      generation: 'per-layer',
    });
    expect(g.template).toBe('checkpoint@1');
    const text = readFileSync(g.testFile, 'utf8');
    expect(text).toContain('const DTYPE: string | undefined = "fp16";');
    expect(text).toContain('// Files tested (fp16): onnx/model_fp16.onnx');
    expect(existsSync(join(fx.ext, 'hf-core.prepared.json'))).toBe(false); // a user's folder is never written to
  });

  it('a folder without ONNX files fails to prepare, naming the folder', async () => {
    const [bad] = await classify(fx.noOnnx);
    await expect(generateTest(core, bad!, { outDir: join(root, 'out') })).rejects.toThrow(
      `${fx.noOnnx} has no ONNX file`,
    );
  });

  it('writes an environment-driven test for a type no family synthesizes; ids stay inert data', async () => {
    const c: Classification = {
      ref: 'mamba`${process.exit(1)}',
      modelType: 'mamba',
      family: 'decoder-only',
      tasks: [],
      runtimeSupport: 'unsupported',
      confidence: 'high',
      reason: '',
    };
    const g = await generateTest(core, c, { outDir: join(root, 'out') });
    const text = readFileSync(g.testFile, 'utf8');
    expect(text).toContain('const MODEL_DIR: string | undefined = modelDirFromEnv();');
    expect(text).toContain('ref: "mamba`${process.exit(1)}",');
    expect(g.prepared.facts).toEqual({ envDriven: true });
  });
});
