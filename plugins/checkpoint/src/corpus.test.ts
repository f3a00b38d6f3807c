import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogFallbackPlugin, classifyRefs, HfCore } from '@hf-core/core';
import { harness, type Harness } from '@hf-core/harness';
import { buildFixtures } from '../test/fixtures.ts';
import {
  checkConfigMatchesGraph,
  checkPipeline,
  checkReferenceParity,
  checkRunsFromMetadata,
  checkSeq2SeqSessionGeneration,
  checkSessionGeneration,
  planCheckpoint,
} from './checks.ts';
import checkpointPlugin from './index.ts';

// fixtures/torch-exports: tiny transformers models exported by torch.onnx.export
// (scripts/corpus/export_corpus.py), each with reference.json of the PyTorch outputs. Every folder
// is held to its reference on cpu here; `pnpm test:exports` runs the whole pipeline on cpu and wasm.
const CORPUS = fileURLToPath(new URL('../../../fixtures/torch-exports/', import.meta.url));
const names = existsSync(CORPUS) ? readdirSync(CORPUS).sort() : [];
const family = (name: string) =>
  (JSON.parse(readFileSync(join(CORPUS, name, 'SOURCE.json'), 'utf8')) as { family: string }).family;
const harnesses = new Map<string, Harness>(
  names.map((n) => [
    n,
    harness(import.meta.url, { ref: n, modelType: n, family: family(n), modelDir: join(CORPUS, n) }),
  ]),
);
const at = (name: string) => harnesses.get(name)!;

const root = mkdtempSync(join(tmpdir(), 'hf-core-corpus-'));
const copy = (name: string, as: string) => {
  const to = join(root, as);
  cpSync(join(CORPUS, name), to, { recursive: true });
  return to;
};
const spec = { modelType: null, family: 'encoder-only' };
const broken = harness(import.meta.url, { ...spec, ref: 'tampered', modelDir: join(root, 'bert-tampered') });
const missing = harness(import.meta.url, { ...spec, ref: 'missing', modelDir: join(root, 'vit-missing-file') });
const zeroed = harness(import.meta.url, { ...spec, ref: 'zeroed', modelDir: join(root, 'fx', 'zeroed-cache') });
beforeAll(async () => {
  await buildFixtures(join(root, 'fx'));
  const tampered = copy('bert', 'bert-tampered');
  const ref = JSON.parse(readFileSync(join(tampered, 'reference.json'), 'utf8'));
  ref.cases[0].outputs.logits.data[5] += 1e-3;
  writeFileSync(join(tampered, 'reference.json'), JSON.stringify(ref));
  const gone = copy('vit', 'vit-missing-file');
  const r2 = JSON.parse(readFileSync(join(gone, 'reference.json'), 'utf8'));
  r2.cases[0].file = 'onnx/vision_model.onnx';
  writeFileSync(join(gone, 'reference.json'), JSON.stringify(r2));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the torch.onnx.export corpus', () => {
  it('covers at least 25 architectures over all seven families', () => {
    expect(names.length).toBeGreaterThanOrEqual(25);
    expect(new Set(names.map(family))).toEqual(
      new Set(['encoder-only', 'decoder-only', 'encoder-decoder', 'vision', 'speech', 'multimodal', 'other']),
    );
  });

  it.each(names)('%s matches its PyTorch reference within 1e-4 (fp32) on cpu', async (name) => {
    const h = at(name);
    const plan = planCheckpoint(h.modelDir);
    const parity = (await checkReferenceParity(h, plan)) as { maxAbsDiff: Record<string, number> };
    expect(Math.max(...Object.values(parity.maxAbsDiff))).toBeLessThanOrEqual(1e-4);
    await checkRunsFromMetadata(h, plan, plan.files[0]!, 0);
    if (plan.generation) expect((await checkSessionGeneration(h, plan)).maxRelativeLogitDiff).toBeLessThan(1e-3);
    if (plan.seq2seq) expect((await checkSeq2SeqSessionGeneration(h, plan)).tokens).toHaveLength(5);
  });

  it('fails a reference it does not match, and a case whose file is absent, naming both', async () => {
    const plan = planCheckpoint(broken.modelDir);
    await expect(checkReferenceParity(broken, plan)).rejects.toThrow(
      /^outputs against reference\.json \(scripts\/corpus\/export_corpus\.py, transformers 5\.18\.0\): logits differs by 1\.0\d*e-3 \(tolerance 0\.0001 for fp32\)$/,
    );
    await expect(checkReferenceParity(missing, planCheckpoint(missing.modelDir))).rejects.toThrow(
      'reference.json case "default" names onnx/vision_model.onnx, which is not in',
    );
  });

  it('fails generation when the cache carries no past (presents zeroed)', async () => {
    const plan = planCheckpoint(zeroed.modelDir);
    await expect(checkSessionGeneration(zeroed, plan)).rejects.toThrow(
      /logits generated over the KV cache differ from a cache-free forward over the same sequence by .* the cache does not carry the past/,
    );
  });

  it('states the level each layout reaches, and why not higher', () => {
    expect(planCheckpoint(at('bert').modelDir).pipeline.kind).toBe('text');
    expect(planCheckpoint(at('wav2vec2').modelDir).pipeline.kind).toBe('audio');
    expect(planCheckpoint(at('vit').modelDir).pipeline.kind).toBe('vision');
    expect(planCheckpoint(at('t5').modelDir).pipeline.reason).toBe(
      'session level only: transformers.js generates with onnx/encoder_model.onnx and onnx/decoder_model_merged.onnx (one decoder with and without a cache); this folder has decoder_model.onnx and no merged decoder, so the encoder and the decoder run at session level, step by step',
    );
    expect(planCheckpoint(at('patchtst').modelDir).pipeline.reason).toBe(
      `session level only: ${at('patchtst').modelDir} has no tokenizer.json / vocab file and no preprocessor_config.json`,
    );
  });

  it('feeds audio, not an image, to an audio model from a checkpoint; text and an image to CLIP', async () => {
    expect(await checkPipeline(at('wav2vec2'), planCheckpoint(at('wav2vec2').modelDir))).toMatchObject({
      class: 'AutoModel',
      input: 'audio',
      outputs: { logits: [1, 3] },
    });
    expect(await checkPipeline(at('clip'), planCheckpoint(at('clip').modelDir))).toMatchObject({
      input: 'text+image',
    });
  });

  it('names the config file, the graph and both numbers where the graph contradicts its config', () => {
    const dir = copy('vit', 'vit-wrong-size');
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, image_size: 64 }));
    expect(() => checkConfigMatchesGraph(planCheckpoint(dir))).toThrow(
      'config.json image_size is 64, but onnx/model.onnx takes pixel_values of fixed size [batch_size, 3, 32, 32]',
    );
    expect(checkConfigMatchesGraph(planCheckpoint(at('vit').modelDir))).toBeTruthy();
  });

  it('runs a folder whose config.json is unreadable at session level, saying why, instead of refusing it', async () => {
    const dir = copy('gpt2', 'gpt2-bad-config');
    writeFileSync(join(dir, 'config.json'), '{ "model_type": "gpt2", ');
    const core = new HfCore();
    await core.use(checkpointPlugin());
    await core.use(catalogFallbackPlugin);
    const [row] = await classifyRefs(core, [dir], { cwd: root, env: {} });
    expect(row).toMatchObject({ family: 'decoder-only', claimedBy: 'hf-core:checkpoint' });
    expect(row!.reason).toMatch(
      /config\.json is not valid JSON .*; family decoder-only from the graph: onnx\/model\.onnx takes a KV cache/,
    );
    const plan = planCheckpoint(dir);
    expect(plan.pipeline).toMatchObject({ kind: 'none' });
    expect(plan.pipeline.reason).toMatch(/^session level only: .*config\.json is not valid JSON/);
  });
});
