import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { catalogFallbackPlugin, classifyRefs, HfCore } from '@hf-core/core';
import { harness } from '@hf-core/harness';
import {
  checkConfigMatchesGraph,
  checkRunsFromMetadata,
  checkSessionGeneration,
  checkTokenizerMatchesGraph,
  planCheckpoint,
} from './checks.ts';
import checkpointPlugin from './index.ts';

// The six exports real tools made (optimum, onnxruntime-genai), read where they lie in shared/:
// each is classified, planned and run through its session checks and generation on cpu in this
// process, as its generated test would.
const SHARED = fileURLToPath(new URL('../../../../shared/fixtures/real-exports/', import.meta.url));
const present = existsSync(SHARED);
const dir = (name: string) => `${SHARED}${name}`;
const h = (name: string) =>
  harness(import.meta.url, { ref: name, modelType: null, family: 'decoder-only', modelDir: dir(name) });

const optimum = h('optimum__tests_assets_onnx');
const gpt2 = h('ortgenai__tiny-random-gpt2-fp32');
const gpt2fp16 = h('ortgenai__tiny-random-gpt2-fp16');
const llama = h('ortgenai__tiny-random-LlamaForCausalLM-fp16');
const qwen = h('ortgenai__tiny-qwen35-cuda');
const lfm2 = h('ortgenai__tiny-random-lfm2-fp32');

describe.skipIf(!present)('real exports from shared/fixtures (skipped without ../shared)', () => {
  it('classifies every folder, whatever its config: genai type, hybrid config without model_type, or graph', async () => {
    const core = new HfCore();
    await core.use(checkpointPlugin());
    await core.use(catalogFallbackPlugin);
    const names = readdirSync(SHARED).sort();
    const rows = await classifyRefs(
      core,
      names.map((n) => dir(n)),
      { cwd: SHARED, env: {} },
    );
    const byName = Object.fromEntries(names.map((n, i) => [n, rows[i]!]));
    expect(byName.optimum__tests_assets_onnx).toMatchObject({ modelType: 'distilbert', family: 'encoder-only' });
    expect(byName['ortgenai__tiny-random-gpt2-fp32']).toMatchObject({
      modelType: 'gpt2',
      family: 'decoder-only',
    });
    // Its config.json carries the GenAI `model` block: core's classifier reads the type from it.
    expect(byName['ortgenai__tiny-random-gpt2-fp32']!.reason).toMatch(
      /no model_type.*GenAI model block says type "gpt2"/,
    );
    expect(byName['ortgenai__tiny-random-LlamaForCausalLM-fp16']).toMatchObject({
      modelType: 'llama',
      reason: 'no config.json; family decoder-only from the model type "llama" from genai_config.json',
    });
    expect(byName['ortgenai__tiny-qwen35-cuda']).toMatchObject({ modelType: 'qwen3_5', family: 'multimodal' });
    expect(byName['ortgenai__tiny-random-lfm2-fp32']).toMatchObject({ modelType: 'lfm2', family: 'decoder-only' });
  });

  it("runs optimum's opset-11 classifier from its metadata and says why it stays at session level", async () => {
    const plan = planCheckpoint(optimum.modelDir);
    expect((await checkRunsFromMetadata(optimum, plan, plan.files[0]!)).outputs).toEqual({ logits: [2, 2] });
    expect(plan.pipeline.reason).toBe(
      `session level only: ${optimum.modelDir} has no tokenizer.json / vocab file and no preprocessor_config.json`,
    );
  });

  it('runs the stacked past_{i} cache with int32 ids and contrib ops, and generates over it as without it', async () => {
    const plan = planCheckpoint(gpt2.modelDir);
    expect(plan.generation).toEqual({ path: 'past.onnx', layout: 'stacked', layers: 5 });
    expect(plan.stepTokens).toBe(1);
    const short = await checkRunsFromMetadata(gpt2, plan, plan.files[0]!, 2);
    expect(short.feeds).toMatchObject({ input_ids: [2, 1], attention_mask: [2, 3], past_0: [2, 2, 4, 2, 8] });
    const gen = await checkSessionGeneration(gpt2, plan);
    expect(gen).toMatchObject({ layout: 'stacked', stepTokens: 1 });
    expect(gen.generated).toHaveLength(4);
    expect(gen.maxRelativeLogitDiff).toBeLessThan(1e-3);
    expect(plan.pipeline.reason).toContain('config.json has no model_type');
  });

  it('says which file and what when the tokenizer is larger than the embedding (the fp32 folder ships the full GPT-2 one)', async () => {
    const plan = planCheckpoint(gpt2.modelDir);
    expect(() => checkTokenizerMatchesGraph(plan)).toThrow(
      'tokenizer.json produces token ids up to 50294, but past.onnx has 1000 embedding rows (ids 0..999): text it tokenizes would index past the embedding (not used: only the session level runs, on ids within the embedding)',
    );
    expect(plan.pipeline.reason).toContain('also, tokenizer.json produces token ids up to 50294');
    // The fp16 sibling ships the matching 1000-token tokenizer.
    expect(checkTokenizerMatchesGraph(planCheckpoint(gpt2fp16.modelDir))).toEqual({
      tokenizerIds: 1000,
      embeddingRows: 1000,
    });
  });

  it('feeds a one-token step over a past where the genai graph only decodes one token at a time (fp16 Llama, external data)', async () => {
    const plan = planCheckpoint(llama.modelDir);
    expect(plan).toMatchObject({ precision: 'fp16', stepTokens: 1, stepReason: expect.stringContaining('genai') });
    expect(plan.files[0]!.externalData).toEqual(['model.onnx.data']);
    const short = await checkRunsFromMetadata(llama, plan, plan.files[0]!, 2);
    expect(short.outputs['present.1.key']).toEqual([2, 1, 3, 16]);
    const gen = await checkSessionGeneration(llama, plan);
    expect(gen.generated).toHaveLength(4);
    expect(checkConfigMatchesGraph(plan)).toEqual({ vocabSize: 32000 });
  });

  it('generates through a split embedding file into the text decoder (GroupQueryAttention)', async () => {
    const plan = planCheckpoint(qwen.modelDir);
    expect(plan.generation).toEqual({
      path: 'text.onnx',
      layout: 'per-layer',
      layers: 2,
      embed: { path: 'embedding.onnx', output: 'inputs_embeds' },
    });
    const gen = await checkSessionGeneration(qwen, plan);
    expect(gen).toMatchObject({ embeddingFile: 'embedding.onnx', stepTokens: 1 });
  });

  it('starts hybrid conv states at zeros beside the attention cache (LFM2)', async () => {
    const plan = planCheckpoint(lfm2.modelDir);
    expect(plan.generation).toMatchObject({ path: 'decoder.onnx', layout: 'per-layer', layers: 4 });
    const gen = await checkSessionGeneration(lfm2, plan);
    expect(gen.states).toEqual(['past_conv.0', 'past_conv.2']);
    expect(gen.maxRelativeLogitDiff).toBeLessThan(1e-3);
  });
});
