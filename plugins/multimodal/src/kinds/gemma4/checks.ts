import type { Feeds } from '@hf-core/core';
import {
  assertOutputShapes,
  expectThat,
  fromTfTensor as plain,
  maxAbsDiff,
  SeededFeeds,
  tensor,
  tone,
  toNumbers,
  processorPart,
  type Harness,
} from '@hf-core/harness';
import {
  checkGemmaGenerate,
  configAt,
  GEMMA_CLIP_SECONDS,
  gemmaDecoderFeeds,
  gemmaIds,
  gemmaSessions,
  type GemmaFacts,
  type GemmaProcessor,
} from '../../shared/gemma-checks.ts';
import { rawImages, type TfTensor } from '../../shared/images.ts';

export {
  checkGemmaKvCache,
  checkGemmaPerLayer,
  GEMMA_FILES,
  gemmaDecoderFeeds,
  gemmaIds,
  gemmaSessions,
} from '../../shared/gemma-checks.ts';

/** Facts a Gemma 4 test is rendered with. */
export interface Gemma4Facts extends GemmaFacts {
  kind: 'gemma4';
  /** text_config.num_kv_shared_layers: the last layers keep no cache of their own. */
  kvSharedLayers: number;
  patch: number;
  /** pooling_kernel_size: pool x pool patches make one soft token. */
  pool: number;
  /** Image processor max_soft_tokens (pixel_values hold max_soft_tokens * pool^2 patch rows). */
  maxSoftTokens: number;
  /** processor audio_seq_length: the most audio tokens per clip. */
  audioCap: number;
}

/** Gemma4ImageProcessor's output: patches, their positions, and soft tokens per image. */
type Gemma4ImageOut = Record<string, TfTensor> & { num_soft_tokens_per_image: number[] };

/** Gemma4Processor._compute_audio_num_tokens: 20 ms frames every 10 ms, two stride-2 convolutions, capped. */
export function gemma4AudioTokens(samples: number, cap: number, rate = 16000): number {
  const frame = Math.round((rate * 20) / 1000);
  const hop = Math.round((rate * 10) / 1000);
  let t = Math.floor((samples + Math.floor(frame / 2) - frame - 1) / hop) + 1;
  for (let i = 0; i < 2; i++) t = Math.floor((t - 1) / 2) + 1;
  return Math.min(t, cap);
}

/**
 * Seeded vision feeds: image i has realPatches[i] patches laid out on a grid `cols` wide (positions
 * [col, row]), the rest of the max_soft_tokens * pool^2 rows padding (zeros, position -1).
 */
export function gemma4VisionFeeds(facts: Gemma4Facts, realPatches: number[], seed: number, cols = 8): Feeds {
  const rng = new SeededFeeds(seed);
  const max = facts.maxSoftTokens * facts.pool ** 2;
  const dim = facts.patch * facts.patch * 3;
  const px = new Float32Array(realPatches.length * max * dim);
  const pos: number[] = [];
  realPatches.forEach((n, i) => {
    for (let p = 0; p < max; p++) {
      if (p < n) for (let k = 0; k < dim; k++) px[(i * max + p) * dim + k] = rng.float();
      pos.push(...(p < n ? [p % cols, Math.floor(p / cols)] : [-1, -1]));
    }
  });
  return {
    pixel_values: { type: 'float32', dims: [realPatches.length, max, dim], data: px },
    pixel_position_ids: tensor('int64', pos, [realPatches.length, max, 2]),
  };
}

export function gemma4AudioFeeds(facts: Gemma4Facts, rows: number, frames: number, valid: number, seed: number): Feeds {
  const rng = new SeededFeeds(seed);
  const mask = Array.from({ length: rows * frames }, (_, i) => (i % frames < valid ? 1 : 0));
  return {
    input_features: tensor(
      'float32',
      Array.from({ length: rows * frames * facts.mels }, (_, i) =>
        mask[Math.floor(i / facts.mels)] ? rng.float() : 0,
      ),
      [rows, frames, facts.mels],
    ),
    input_features_mask: tensor('bool', mask, [rows, frames]),
  };
}

/** Output names and shapes: soft tokens = real patches / pool^2 per image; audio tokens from the valid frames. */
export async function checkGemma4Shapes(h: Harness, facts: Gemma4Facts): Promise<Record<string, unknown>> {
  const { embed, vision, audio, decoder } = await gemmaSessions(h);
  const e = await embed.run({ input_ids: gemmaIds(facts, 2, 6) });
  assertOutputShapes(e, {
    inputs_embeds: [2, 6, facts.hidden],
    per_layer_inputs: [2, 6, facts.layers, facts.perLayer],
  });
  const real = [48, 32];
  const soft = real.reduce((a, n) => a + Math.floor(n / facts.pool ** 2), 0);
  assertOutputShapes(await vision.run(gemma4VisionFeeds(facts, real, 3)), { image_features: [soft, facts.hidden] });
  // 49 valid frames of 52 -> 25 -> 13 audio tokens.
  assertOutputShapes(await audio.run(gemma4AudioFeeds(facts, 1, 52, 49, 4)), { audio_features: [1, 13, facts.hidden] });
  const expected: Record<string, number[]> = { logits: [2, 6, facts.vocabSize] };
  const kvLayers = facts.layers - facts.kvSharedLayers;
  for (let l = 0; l < kvLayers; l++)
    for (const kv of ['key', 'value']) expected[`present.${l}.${kv}`] = [2, facts.kvHeads, 6, facts.headDim];
  const d = await decoder.run(gemmaDecoderFeeds(decoder, e.inputs_embeds!, e.per_layer_inputs!));
  assertOutputShapes(d, expected);
  const extra = Object.keys(d).filter((k) => !(k in expected));
  expectThat(
    extra.length === 0,
    `the decoder has outputs ${extra} beyond logits and the caches of its ${kvLayers} non-shared layers (num_kv_shared_layers ${facts.kvSharedLayers})`,
  );
  return { kvLayers, imageFeatures: [soft, facts.hidden], audioFeatures: [1, 13, facts.hidden] };
}

/** Each of two images encoded alone gives exactly its block of the two-image batch's features. */
export async function checkGemma4VisionBatch(
  h: Harness,
  facts: Gemma4Facts,
  tol = 1e-5,
): Promise<Record<string, unknown>> {
  const { vision } = await gemmaSessions(h);
  const real = [48, 32];
  const all = toNumbers((await vision.run(gemma4VisionFeeds(facts, real, 6))).image_features!);
  let off = 0;
  let worst = 0;
  for (let i = 0; i < 2; i++) {
    // The same seeded image alone: regenerate both and take row i.
    const both = gemma4VisionFeeds(facts, real, 6);
    const max = facts.maxSoftTokens * facts.pool ** 2;
    const dim = facts.patch * facts.patch * 3;
    const px = (both.pixel_values!.data as Float32Array).slice(i * max * dim, (i + 1) * max * dim);
    const pos = toNumbers(both.pixel_position_ids!).slice(i * max * 2, (i + 1) * max * 2);
    const alone = toNumbers(
      (
        await vision.run({
          pixel_values: { type: 'float32', dims: [1, max, dim], data: px },
          pixel_position_ids: tensor('int64', pos, [1, max, 2]),
        })
      ).image_features!,
    );
    const d = maxAbsDiff(
      { type: 'float32', dims: [alone.length], data: Float32Array.from(alone) },
      { type: 'float32', dims: [alone.length], data: Float32Array.from(all.slice(off, off + alone.length)) },
    );
    worst = Math.max(worst, Number.isNaN(d) ? Infinity : d);
    expectThat(d <= tol, `image ${i} encoded alone differs by ${d} from its features in a batch of two`);
    off += alone.length;
  }
  expectThat(
    off === all.length,
    `the batch gave ${all.length / facts.hidden} features, the images alone ${off / facts.hidden}`,
  );
  return { maxAbsDiff: worst };
}

/** pixel_position_ids reach the vision encoder: moving the patches' positions changes the features. */
export async function checkGemma4Positions(h: Harness, facts: Gemma4Facts): Promise<Record<string, unknown>> {
  const { vision } = await gemmaSessions(h);
  const a = (await vision.run(gemma4VisionFeeds(facts, [48], 7, 8))).image_features!;
  const b = (await vision.run(gemma4VisionFeeds(facts, [48], 7, 6))).image_features!;
  const d = maxAbsDiff(a, b);
  expectThat(
    d > 1e-4,
    `image features do not depend on pixel_position_ids (max change ${d} for an 8-wide vs a 6-wide patch grid)`,
  );
  return { maxAbsDiff: d };
}

/**
 * Gemma4ImageProcessor: pixel_values [n, max_soft_tokens * pool^2, patch^2 * 3] with vision_config's patch_size
 * and pooling_kernel_size, position ids [n, max, 2], soft tokens = real patches / pool^2; the feature
 * extractor: input_features [1, frames, audio_config.input_feat_size] and a mask whose valid frames give
 * the processor's audio token count.
 */
export async function checkGemma4Processor(h: Harness, facts: Gemma4Facts): Promise<Record<string, unknown>> {
  const { tf, modelId } = await h.pipelineEnv();
  const v = configAt(h.config, 'vision_config');
  const [patch, pool, mels] = [
    Number(v.patch_size),
    Number(v.pooling_kernel_size),
    Number(configAt(h.config, 'audio_config').input_feat_size),
  ];
  expectThat(
    patch === facts.patch && pool === facts.pool && mels === facts.mels,
    `config.json states patch_size ${patch}, pooling_kernel_size ${pool}, input_feat_size ${mels}; the test was generated for ${facts.patch}, ${facts.pool}, ${facts.mels}`,
  );
  const processor: GemmaProcessor<Gemma4ImageOut> = await tf.AutoProcessor.from_pretrained(modelId);
  const images = rawImages<InstanceType<typeof tf.RawImage>>(tf, facts);
  const max = facts.maxSoftTokens * pool ** 2;
  const out = await processorPart(processor.image_processor, 'image_processor')(images);
  const want = [2, max, patch * patch * 3];
  expectThat(
    out.pixel_values!.dims.join() === want.join(),
    `pixel_values are [${out.pixel_values!.dims}], expected [${want}] from config.json`,
  );
  expectThat(
    out.image_position_ids!.dims.join() === [2, max, 2].join(),
    `image_position_ids are [${out.image_position_ids!.dims}], expected [2, ${max}, 2]`,
  );
  const pos = Array.from(out.image_position_ids!.data as ArrayLike<bigint>, Number);
  out.num_soft_tokens_per_image.forEach((n, i) => {
    const real = pos.slice(i * max * 2, (i + 1) * max * 2).filter((x, k) => k % 2 === 0 && x >= 0).length;
    expectThat(
      n === Math.floor(real / pool ** 2) && n > 0 && n <= facts.maxSoftTokens,
      `image ${i}: ${n} soft tokens for ${real} real patches (pooling ${pool}x${pool}, at most ${facts.maxSoftTokens})`,
    );
  });
  const clip = tone(440, GEMMA_CLIP_SECONDS);
  const a = await processorPart(processor.feature_extractor, 'feature_extractor')(clip);
  expectThat(
    a.input_features!.dims.length === 3 && a.input_features!.dims[2] === mels,
    `input_features are [${a.input_features!.dims}], expected [1, frames, ${mels}]`,
  );
  const valid = Array.from(a.input_features_mask!.data as ArrayLike<number | boolean>).filter(Boolean).length;
  let t = valid;
  for (let i = 0; i < 2; i++) t = Math.floor((t - 1) / 2) + 1;
  expectThat(
    Math.min(t, facts.audioCap) === gemma4AudioTokens(clip.length, facts.audioCap),
    `the mask's ${valid} valid frames give ${t} audio features, the processor counts ${gemma4AudioTokens(clip.length, facts.audioCap)} audio tokens`,
  );
  return {
    pixelValues: [...out.pixel_values!.dims],
    softTokens: out.num_soft_tokens_per_image,
    inputFeatures: [...a.input_features!.dims],
    validFrames: valid,
  };
}

/**
 * Gemma4Processor + AutoModelForImageTextToText.generate with an image and with an audio clip: the
 * prompt holds the image processor's soft-token count, and the audio tokens Gemma4Processor computes
 * (see checkGemmaGenerate).
 */
export function checkGemma4Generate(h: Harness, facts: Gemma4Facts): Promise<Record<string, unknown>> {
  return checkGemmaGenerate<Gemma4ImageOut>(h, facts, {
    expectedTokens: async (kind, processor, image, clip) =>
      kind === 'image'
        ? (await processorPart(processor.image_processor, 'image_processor')(image)).num_soft_tokens_per_image[0]!
        : gemma4AudioTokens(clip.length, facts.audioCap),
    imageFeeds: (inputs) => ({
      pixel_values: plain(inputs.pixel_values!),
      pixel_position_ids: plain(inputs.image_position_ids!),
    }),
  });
}
