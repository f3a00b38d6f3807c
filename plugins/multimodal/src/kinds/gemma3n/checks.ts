import type { Feeds } from '@hf-core/core';
import {
  assertOutputShapes,
  expectThat,
  fromTfTensor as plain,
  SeededFeeds,
  tensor,
  tone,
  processorPart,
  type Harness,
} from '@hf-core/harness';
import {
  checkGemmaGenerate,
  configAt,
  GEMMA_CLIP_SECONDS,
  GEMMA_FILES,
  gemmaDecoderFeeds,
  gemmaIds,
  gemmaSessions,
  type GemmaFacts,
  type GemmaProcessor,
} from '../../shared/gemma-checks.ts';
import { imageInputs, rawImages } from '../../shared/images.ts';

export {
  checkGemmaKvCache,
  checkGemmaPerLayer,
  GEMMA_FILES,
  gemmaDecoderFeeds,
  gemmaIds,
  gemmaSessions,
} from '../../shared/gemma-checks.ts';

/** Facts a Gemma 3n test is rendered with. */
export interface Gemma3nFacts extends GemmaFacts {
  kind: 'gemma3n';
  imageTokens: number;
  audioTokens: number;
}

/** Frames of the half-second clip: 8064 samples after padding to 128, frames of 512 with hop 160. */
const CLIP_FRAMES = 48;

export function gemma3nAudioFeeds(facts: Gemma3nFacts, rows: number, frames: number, seed: number): Feeds {
  const rng = new SeededFeeds(seed);
  return {
    input_features: tensor(
      'float32',
      Array.from({ length: rows * frames * facts.mels }, () => rng.float()),
      [rows, frames, facts.mels],
    ),
    input_features_mask: tensor('bool', new Array(rows * frames).fill(1), [rows, frames]),
  };
}

export const gemma3nVisionFeeds = (facts: Gemma3nFacts, rows: number, seed: number): Feeds =>
  imageInputs(facts, rows, seed);

/** Output names and shapes of the four sessions. */
export async function checkGemma3nShapes(h: Harness, facts: Gemma3nFacts): Promise<Record<string, unknown>> {
  const { embed, vision, audio, decoder } = await gemmaSessions(h);
  const e = await embed.run({ input_ids: gemmaIds(facts, 2, 6) });
  assertOutputShapes(e, {
    inputs_embeds: [2, 6, facts.hidden],
    per_layer_inputs: [2, 6, facts.layers, facts.perLayer],
  });
  assertOutputShapes(await vision.run(gemma3nVisionFeeds(facts, 2, 3)), {
    image_features: [2, facts.imageTokens, facts.hidden],
  });
  assertOutputShapes(await audio.run(gemma3nAudioFeeds(facts, 2, CLIP_FRAMES, 4)), {
    audio_features: [2, facts.audioTokens, facts.hidden],
  });
  const expected: Record<string, number[]> = { logits: [2, 6, facts.vocabSize] };
  for (let l = 0; l < facts.layers; l++)
    for (const kv of ['key', 'value']) expected[`present.${l}.${kv}`] = [2, facts.kvHeads, 6, facts.headDim];
  assertOutputShapes(await decoder.run(gemmaDecoderFeeds(decoder, e.inputs_embeds!, e.per_layer_inputs!)), expected);
  return { files: Object.values(GEMMA_FILES) };
}

/**
 * Image processor: pixel_values [n, 3, size, size] with vision_config.image_size; audio feature extractor:
 * input_features [1, frames, audio_config.input_feat_size] and a mask [1, frames].
 */
export async function checkGemma3nProcessor(h: Harness, facts: Gemma3nFacts): Promise<Record<string, unknown>> {
  const { tf, modelId } = await h.pipelineEnv();
  const size = Number(configAt(h.config, 'vision_config').image_size);
  const mels = Number(configAt(h.config, 'audio_config').input_feat_size);
  expectThat(
    size === facts.imageSize && mels === facts.mels,
    `config.json states image_size ${size} / input_feat_size ${mels}, the test was generated for ${facts.imageSize} / ${facts.mels}`,
  );
  const processor: GemmaProcessor = await tf.AutoProcessor.from_pretrained(modelId);
  const images = rawImages<InstanceType<typeof tf.RawImage>>(tf, facts);
  for (const batch of [[images[0]], images]) {
    const { pixel_values } = await processorPart(processor.image_processor, 'image_processor')(batch);
    const want = [batch.length, 3, size, size];
    expectThat(
      pixel_values!.dims.join() === want.join(),
      `processor gave pixel_values [${pixel_values!.dims}] for ${batch.length} image(s), expected [${want}]`,
    );
  }
  const a = await processorPart(processor.feature_extractor, 'feature_extractor')(tone(440, GEMMA_CLIP_SECONDS));
  expectThat(
    a.input_features!.dims.join() === [1, CLIP_FRAMES, mels].join(),
    `the feature extractor gave input_features [${a.input_features!.dims}], expected [1, ${CLIP_FRAMES}, ${mels}]`,
  );
  expectThat(
    a.input_features_mask!.dims.join() === [1, CLIP_FRAMES].join(),
    `input_features_mask is [${a.input_features_mask!.dims}], expected [1, ${CLIP_FRAMES}]`,
  );
  expectThat(
    Array.from(a.input_features!.data as ArrayLike<number>).every(Number.isFinite),
    'the feature extractor gave non-finite values',
  );
  return { pixelValues: [1, 3, size, size], inputFeatures: [...a.input_features!.dims] };
}

/**
 * Gemma3nProcessor + AutoModelForImageTextToText.generate with an image and with an audio clip:
 * the prompt holds image_seq_length / audio_seq_length soft tokens (see checkGemmaGenerate).
 */
export function checkGemma3nGenerate(h: Harness, facts: Gemma3nFacts): Promise<Record<string, unknown>> {
  return checkGemmaGenerate(h, facts, {
    expectedTokens: (kind) => (kind === 'image' ? facts.imageTokens : facts.audioTokens),
    imageFeeds: (inputs) => ({ pixel_values: plain(inputs.pixel_values!) }),
  });
}
