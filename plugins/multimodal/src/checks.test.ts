import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCpuEngine } from '@hf-core/ort';
import { harness } from '@hf-core/harness';
import { checkAutoModelDual, checkTextPadding, checkZeroShot, dualFeeds, type DualFacts } from './kinds/dual/checks.ts';
import { checkEmbedsKvCache, checkGenerate, type VlmFacts } from './kinds/vlm/checks.ts';
import { checkImageToText, checkV2sKvCache, type V2sFacts } from './kinds/v2s/checks.ts';
import { checkProcessor } from './shared/images.ts';
import { checkBoxesNormalized, checkZeroShotDetection, type OwlFacts } from './kinds/owl/checks.ts';
import { synthesizeOwl } from './kinds/owl/synthesize.ts';
import { checkJinaAutoModel, checkJinaImageFeatures, type JinaFacts } from './kinds/jina/checks.ts';
import { synthesizeJina } from './kinds/jina/synthesize.ts';
import { synthesizeAudio } from './kinds/vlm/audio.ts';
import { checkZeroShotAudio, type ClapFacts } from './kinds/clap/checks.ts';
import { synthesizeClap } from './kinds/clap/synthesize.ts';
import { checkClipSegMasks, type ClipSegFacts } from './kinds/clipseg/checks.ts';
import { synthesizeClipSeg } from './kinds/clipseg/synthesize.ts';
import { checkGroundedDetection, type GdinoFacts } from './kinds/gdino/checks.ts';
import { synthesizeGdino } from './kinds/gdino/synthesize.ts';
import { synthesizeDual } from './kinds/dual/synthesize.ts';
import { synthesizeV2s } from './kinds/v2s/synthesize.ts';
import { synthesizeVlm } from './kinds/vlm/synthesize.ts';

/**
 * The synthesized graphs load in onnxruntime with the inputs and outputs transformers.js feeds,
 * and each family check passes on a good model and FAILS on a deliberately broken one.
 */

const root = mkdtempSync(join(tmpdir(), 'hf-multimodal-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dir = (name: string) => join(root, name);
const spec = (name: string, modelType: string) => ({ ref: name, modelType, family: 'multimodal', modelDir: dir(name) });
const h = {
  clip: harness(import.meta.url, spec('clip', 'clip')),
  cc: harness(import.meta.url, spec('cc', 'chinese_clip')),
  ccNoMask: harness(import.meta.url, spec('cc-no-mask', 'chinese_clip')),
  clipOverflow: harness(import.meta.url, spec('clip-overflow', 'clip')),
  clipOther: harness(import.meta.url, spec('clip-other', 'clip')),
  llava: harness(import.meta.url, spec('llava', 'llava')),
  llavaDropPast: harness(import.meta.url, spec('llava-drop-past', 'llava')),
  llavaPatch: harness(import.meta.url, spec('llava-patch', 'llava')),
  v2s: harness(import.meta.url, spec('v2s', 'vision-encoder-decoder')),
  owl: harness(import.meta.url, spec('owl', 'owlvit')),
  jina: harness(import.meta.url, spec('jina', 'jina_clip')),
  ultravox: harness(import.meta.url, spec('ultravox', 'ultravox')),
  clap: harness(import.meta.url, spec('clap', 'clap')),
  clipseg: harness(import.meta.url, spec('clipseg', 'clipseg')),
  gdino: harness(import.meta.url, spec('gdino', 'grounding-dino')),
  clipsegDeaf: harness(import.meta.url, spec('clipseg-deaf', 'clipseg')),
  ultravoxStack: harness(import.meta.url, spec('ultravox-stack', 'ultravox')),
  jinaSplit: harness(import.meta.url, spec('jina-split', 'jina_clip')),
  v2sDropPast: harness(import.meta.url, spec('v2s-drop-past', 'vision-encoder-decoder')),
  v2sStart: harness(import.meta.url, spec('v2s-start', 'vision-encoder-decoder')),
};
let facts: {
  clip: DualFacts;
  cc: DualFacts;
  llava: VlmFacts;
  jina: JinaFacts;
  ultravox: VlmFacts;
  clap: ClapFacts;
  clipseg: ClipSegFacts;
  gdino: GdinoFacts;
  owl: OwlFacts;
  v2s: V2sFacts;
};
const engine = createCpuEngine();
const editJson = (path: string, edit: (j: Record<string, unknown>) => void) => {
  const j = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(j);
  writeFileSync(path, JSON.stringify(j));
};
const tiny = { size: 'tiny' as const, seed: 1 };

beforeAll(async () => {
  facts = {
    clip: (await synthesizeDual('clip', dir('clip'), tiny)).facts,
    cc: (await synthesizeDual('chinese_clip', dir('cc'), tiny)).facts,
    llava: (await synthesizeVlm('llava', dir('llava'), tiny)).facts,
    jina: (await synthesizeJina('jina_clip', dir('jina'), tiny)).facts,
    ultravox: (await synthesizeAudio('ultravox', dir('ultravox'), tiny)).facts,
    clap: (await synthesizeClap('clap', dir('clap'), tiny)).facts,
    clipseg: (await synthesizeClipSeg('clipseg', dir('clipseg'), tiny)).facts,
    gdino: (await synthesizeGdino('grounding-dino', dir('gdino'), tiny)).facts,
    owl: (await synthesizeOwl('owlvit', dir('owl'), tiny)).facts,
    v2s: (await synthesizeV2s('vision-encoder-decoder', dir('v2s'), tiny)).facts,
  };
  await synthesizeDual('chinese_clip', dir('cc-no-mask'), { ...tiny, ignoreMask: true });
  await synthesizeDual('clip', dir('clip-overflow'), { ...tiny, logitScale: 1e4 });
  await synthesizeDual('clip', dir('clip-other'), { ...tiny, seed: 2 });
  await synthesizeVlm('llava', dir('llava-drop-past'), { ...tiny, dropPast: true });
  await synthesizeVlm('llava', dir('llava-patch'), tiny);
  await synthesizeJina('jina_clip', dir('jina-split'), { ...tiny, visionSeed: 9 });
  await synthesizeAudio('ultravox', dir('ultravox-stack'), tiny);
  await synthesizeClap('clap', dir('clap-other'), { ...tiny, seed: 3 });
  await synthesizeClipSeg('clipseg', dir('clipseg-deaf'), { ...tiny, ignoreText: true });
  await synthesizeGdino('grounding-dino', dir('gdino-other'), { ...tiny, seed: 4 });
  await synthesizeOwl('owlvit', dir('owl-raw-boxes'), { ...tiny, rawBoxes: true });
  await synthesizeOwl('owlvit', dir('owl-other'), { ...tiny, seed: 2 });
  await synthesizeV2s('vision-encoder-decoder', dir('v2s-drop-past'), { ...tiny, dropPast: true });
  await synthesizeV2s('vision-encoder-decoder', dir('v2s-start'), tiny);
}, 30_000);

describe('synthesized multimodal graphs', () => {
  it('load in onnxruntime with the inputs and outputs transformers.js uses', async () => {
    const io = async (d: string, f: string) => {
      const s = await engine.createSession(join(dir(d), f));
      const r = [s.inputNames, s.outputNames];
      await s.release();
      return r;
    };
    expect(await io('clip', 'onnx/model.onnx')).toEqual([
      ['input_ids', 'attention_mask', 'pixel_values'],
      ['logits_per_image', 'logits_per_text', 'text_embeds', 'image_embeds'],
    ]);
    expect(await io('llava', 'onnx/embed_tokens.onnx')).toEqual([['input_ids'], ['inputs_embeds']]);
    expect(await io('llava', 'onnx/vision_encoder.onnx')).toEqual([['pixel_values'], ['image_features']]);
    const kv = (p: string) => [0, 1].flatMap((l) => [`${p}.${l}.key`, `${p}.${l}.value`]);
    const [decIn, decOut] = await io('llava', 'onnx/decoder_model_merged.onnx');
    expect(decIn).toEqual(['inputs_embeds', 'attention_mask', 'position_ids', ...kv('past_key_values')]);
    expect([...decOut!].sort()).toEqual(['logits', ...kv('present')].sort());
    expect(await io('v2s', 'onnx/encoder_model.onnx')).toEqual([['pixel_values'], ['last_hidden_state']]);
    expect((await io('v2s', 'onnx/decoder_model_merged.onnx'))[0]).toEqual([
      'input_ids',
      'encoder_hidden_states',
      ...kv('past_key_values'),
    ]);
  });
});

describe('multimodal checks pass on good models and fail on broken ones', () => {
  it('text padding: a bidirectional text tower that reads attention_mask passes; one that ignores it fails', async () => {
    const f = facts.cc;
    expect((await checkTextPadding(await h.cc.session(), f)).maxAbsDiff).toBeLessThan(1e-4);
    await expect(checkTextPadding(await h.ccNoMask.session(), f)).rejects.toThrow(
      /text padding invariance: "text_embeds" differs/,
    );
    const out = await (await h.cc.session()).run(dualFeeds(f, { rows: 2, seq: 6 }));
    expect(out.logits_per_image!.dims).toEqual([2, 2]);
  });

  it('processor: shapes match config.json; an image_size the processor does not produce fails', async () => {
    expect((await checkProcessor(h.clip, facts.clip)).shapes).toEqual([
      [1, 3, 32, 32],
      [2, 3, 32, 32],
    ]);
    editJson(join(dir('clip-other'), 'preprocessor_config.json'), (j) => (j.crop_size = { height: 24, width: 24 }));
    await expect(checkProcessor(h.clipOther, facts.clip)).rejects.toThrow(
      /processor gave pixel_values \[1,3,24,24\].*expected \[1,3,32,32\]/,
    );
  });

  it('AutoModel: matches its own session, not another model; zero-shot: scores are probabilities, an overflowing logit scale fails', async () => {
    const f = facts.clip;
    expect((await checkAutoModelDual(h.clip, await h.clip.session(), f)).sameImageTwice).toBe(0);
    await expect(
      checkAutoModelDual(h.clip, await engine.createSession(join(dir('clip-other'), 'onnx/model.onnx')), f),
    ).rejects.toThrow(/transformers.js vs the raw session/);
    expect((await checkZeroShot(h.clip, f)).scoreSums).toHaveLength(2);
    await expect(checkZeroShot(h.clipOverflow, f)).rejects.toThrow(/expected a probability|sum to/);
  });

  it('image-text-to-text: KV cache and generate pass; a cache that drops the past fails; a patch_size that miscounts image tokens fails', async () => {
    const f = facts.llava;
    expect((await checkEmbedsKvCache(h.llava, f)).maxAbsDiff).toBeLessThan(1e-4);
    await expect(checkEmbedsKvCache(h.llavaDropPast, f)).rejects.toThrow();
    expect((await checkGenerate(h.llava, f)).generated).toHaveLength(6);
    editJson(join(dir('llava-patch'), 'processor_config.json'), (j) => (j.patch_size = 16));
    await expect(checkGenerate(h.llavaPatch, f)).rejects.toThrow(/tokens: 4, features 16/);
  }, 60_000);

  it('image-to-text: KV cache and captions pass; a dropped past and a wrong decoder_start_token_id fail', async () => {
    const f = facts.v2s;
    expect((await checkV2sKvCache(h.v2s, f)).steps).toBe(4);
    await expect(checkV2sKvCache(h.v2sDropPast, f)).rejects.toThrow();
    expect((await checkImageToText(h.v2s, f)).captions).toHaveLength(2);
    editJson(join(dir('v2s-start'), 'generation_config.json'), (j) => (j.decoder_start_token_id = 7));
    await expect(checkImageToText(h.v2sStart, f)).rejects.toThrow(
      /starts with token 7, expected decoder_start_token_id/,
    );
  }, 60_000);

  it('zero-shot detection: boxes normalized and detections equal to the session; unbounded boxes and another model fail', async () => {
    const f = facts.owl;
    expect((await checkBoxesNormalized(await h.owl.session(), f)).max).toBeLessThanOrEqual(1);
    await expect(
      checkBoxesNormalized(await engine.createSession(join(dir('owl-raw-boxes'), 'onnx/model.onnx')), f),
    ).rejects.toThrow(/outside \[0, 1\]/);
    expect((await checkZeroShotDetection(h.owl, await h.owl.session(), f)).detections).toHaveLength(2);
    await expect(
      checkZeroShotDetection(h.owl, await engine.createSession(join(dir('owl-other'), 'onnx/model.onnx')), f),
    ).rejects.toThrow(/the session('s logits)? give/);
  }, 30_000);

  it('JinaCLIP: joint, text-only and image-only calls agree; a vision_model.onnx with other weights than model.onnx fails', async () => {
    const f = facts.jina;
    expect((await checkJinaAutoModel(h.jina, await h.jina.session(), f)).sameImageTwice).toBe(0);
    expect((await checkJinaImageFeatures(h.jina, f)).maxAbsDiff).toBeLessThan(1e-5);
    await expect(checkJinaImageFeatures(h.jinaSplit, f)).rejects.toThrow(/vision_model.onnx vs model.onnx/);
  }, 30_000);

  it('audio-text-to-text: features, KV cache and generate pass; a stack_factor that miscounts audio tokens fails', async () => {
    const f = facts.ultravox;
    expect((await checkProcessor(h.ultravox, f)).inputFeatures).toEqual([1, 80, 100]);
    expect((await checkEmbedsKvCache(h.ultravox, f)).maxAbsDiff).toBeLessThan(1e-4);
    expect((await checkGenerate(h.ultravox, f)).generated).toHaveLength(6);
    editJson(join(dir('ultravox-stack'), 'processor_config.json'), (j) => (j.stack_factor = 4));
    await expect(checkGenerate(h.ultravoxStack, f)).rejects.toThrow(/audio tokens in the prompt, expected 8/);
  }, 30_000);

  it('zero-shot audio: probabilities equal to the session softmax; another model fails', async () => {
    const f = facts.clap;
    expect((await checkZeroShotAudio(h.clap, await h.clap.session(), f)).scoreSums).toHaveLength(2);
    await expect(
      checkZeroShotAudio(h.clap, await engine.createSession(join(dir('clap-other'), 'onnx/model.onnx')), f),
    ).rejects.toThrow(/softmax of the session's logits_per_audio/);
  }, 30_000);

  it('CLIPSeg: one mask per prompt equal to the session; a decoder that ignores the prompt fails', async () => {
    const f = facts.clipseg;
    expect((await checkClipSegMasks(h.clipseg, await h.clipseg.session(), f)).dims).toEqual([3, 32, 32]);
    await expect(checkClipSegMasks(h.clipsegDeaf, await h.clipsegDeaf.session(), f)).rejects.toThrow(
      /does not condition the mask/,
    );
  }, 30_000);

  it('grounded detection: detections and phrases equal to the session; another model fails', async () => {
    const f = facts.gdino;
    expect((await checkGroundedDetection(h.gdino, await h.gdino.session(), f)).detections).toBeGreaterThan(0);
    await expect(
      checkGroundedDetection(h.gdino, await engine.createSession(join(dir('gdino-other'), 'onnx/model.onnx')), f),
    ).rejects.toThrow(/the session('s logits)? give/);
  }, 30_000);
});
