import type { Feeds } from '@hf-core/core';
import {
  checkerboardImage,
  expectThat,
  gradientImage,
  processorPart,
  SeededFeeds,
  tensor,
  tone,
  type Harness,
  type TestImage,
} from '@hf-core/harness';

/** What every multimodal test knows about its image input. */
export interface ImageFacts {
  imageSize: number;
  channels: number;
  /** Where config.json states the image size and channels, e.g. ['vision_config']. */
  visionConfigPath?: string[];
  /** Audio models: Whisper log-mel features [1, mels, frames] of a clip of `samples` at 16 kHz. */
  audio?: { mels: number; frames: number; samples: number; timeMajor?: boolean };
  /** Idefics3 style: pixel_values [b, tiles, channels, size, size] (the test images give this many tiles). */
  tiles?: number;
  /** Qwen-VL style: pixel_values are flattened patches [t*h*w, 3*T*p*p] with a grid [t, h, w]. */
  patchInput?: { dim: number; grid: [number, number, number]; gridName: string; merge: number; visionStartId: number };
}

/** The part of a transformers.js Tensor the checks read. */
export interface TfTensor {
  type: string;
  dims: number[];
  data: ArrayLike<number | bigint> & { slice(a?: number, b?: number): unknown };
}

type RawImageCtor = new (data: Uint8ClampedArray, width: number, height: number, channels: 1 | 2 | 3 | 4) => unknown;

/**
 * Two different test images (a gradient and a checkerboard), neither square nor of the model's
 * size, so the processor's resize and crop really run; as transformers.js RawImages.
 */
export function rawImages<T>(tf: { RawImage: unknown }, _facts: ImageFacts): T[] {
  const Raw = tf.RawImage as RawImageCtor;
  const toRaw = (img: TestImage) => new Raw(new Uint8ClampedArray(img.data), img.width, img.height, img.channels) as T;
  return [toRaw(gradientImage(64, 48)), toRaw(checkerboardImage(40, 56, { cell: 8, b: [240, 200, 40] }))];
}

/** Seeded `pixel_values` [rows, channels, size, size] in [-1, 1] (what a normalizing processor gives). */
export function imageInputs(facts: ImageFacts, rows: number, seed: number): Feeds {
  const rng = new SeededFeeds(seed);
  const dims = [rows, facts.channels, facts.imageSize, facts.imageSize];
  const n = dims.reduce((a, b) => a * b, 1);
  return {
    pixel_values: tensor(
      'float32',
      Array.from({ length: n }, () => rng.float()),
      dims,
    ),
  };
}

export function processorShapes(pixels: TfTensor): Record<string, unknown> {
  return { pixelValues: [...pixels.dims] };
}

function configAt(config: Record<string, unknown>, path: string[]): Record<string, unknown> {
  let c: unknown = config;
  for (const k of path) c = (c as Record<string, unknown> | undefined)?.[k];
  return (c ?? {}) as Record<string, unknown>;
}

/**
 * AutoProcessor on one image and on two: pixel_values are [n, channels, size, size] with the
 * size and channels config.json states (vision_config.image_size / num_channels).
 */
export async function checkProcessor(h: Harness, facts: ImageFacts): Promise<Record<string, unknown>> {
  if (facts.patchInput) return checkPatchProcessor(h, facts);
  if (facts.audio) return checkAudioProcessor(h, facts);
  const { tf, modelId } = await h.pipelineEnv();
  const vision = configAt(h.config, facts.visionConfigPath ?? ['vision_config']);
  const size = Number(vision.image_size ?? facts.imageSize);
  const channels = Number(vision.num_channels ?? facts.channels);
  expectThat(
    size === facts.imageSize,
    `config.json states image_size ${size} but the test was generated for ${facts.imageSize}`,
  );
  const loaded = await tf.AutoProcessor.from_pretrained(modelId);
  // Multimodal processors differ in argument order (images, text) vs (text, images); the image processor inside is what sizes pixels.
  const processor: (images: unknown) => Promise<{ pixel_values: TfTensor }> = loaded.image_processor ?? loaded;
  const images = rawImages<InstanceType<typeof tf.RawImage>>(tf, facts);
  const shapes: number[][] = [];
  for (const batch of [[images[0]], images]) {
    const { pixel_values } = await processor(facts.tiles ? batch.map((i) => [i]) : batch);
    const want = facts.tiles ? [batch.length, facts.tiles, channels, size, size] : [batch.length, channels, size, size];
    expectThat(
      pixel_values.dims.join() === want.join(),
      `processor gave pixel_values [${pixel_values.dims}] for ${batch.length} image(s), expected [${want}] from config.json`,
    );
    const values = Array.from(pixel_values.data as ArrayLike<number>);
    expectThat(values.every(Number.isFinite), 'processor gave non-finite pixel values');
    shapes.push([...pixel_values.dims]);
  }
  return { shapes, imageSize: size, channels };
}

/**
 * Qwen-VL image processor: pixel_values [t*h*w, channels*T*p*p] with channels, temporal_patch_size
 * and patch_size from config.json's vision_config, and a grid equal to the resized image's patches.
 */
async function checkPatchProcessor(h: Harness, facts: ImageFacts): Promise<Record<string, unknown>> {
  const { tf, modelId } = await h.pipelineEnv();
  const vision = configAt(h.config, facts.visionConfigPath ?? ['vision_config']);
  const dim =
    Number(vision.in_chans ?? vision.in_channels ?? 3) *
    Number(vision.temporal_patch_size) *
    Number(vision.patch_size) ** 2;
  expectThat(
    dim === facts.patchInput!.dim,
    `config.json vision_config gives patches of ${dim} values, the test was generated for ${facts.patchInput!.dim}`,
  );
  const loaded = await tf.AutoProcessor.from_pretrained(modelId);
  const processor: (images: unknown) => Promise<Record<string, TfTensor>> = processorPart(
    loaded.image_processor,
    'image_processor',
  );
  const out = await processor(rawImages<InstanceType<typeof tf.RawImage>>(tf, facts)[0]);
  const grid = Array.from(out.image_grid_thw!.data as ArrayLike<bigint>, Number);
  const patches = grid.reduce((a, b) => a * b, 1);
  expectThat(
    grid.join() === facts.patchInput!.grid.join(),
    `image_grid_thw is [${grid}] for a 64x48 image, expected [${facts.patchInput!.grid}]`,
  );
  expectThat(
    out.pixel_values!.dims.join() === [patches, dim].join(),
    `pixel_values are [${out.pixel_values!.dims}], expected [${patches}, ${dim}] (grid ${grid})`,
  );
  return { pixelValues: [...out.pixel_values!.dims], grid };
}

/** The audio feature extractor gives [1, num_mel_bins, frames] with num_mel_bins from config.json's audio_config. */
async function checkAudioProcessor(h: Harness, facts: ImageFacts): Promise<Record<string, unknown>> {
  const { tf, modelId } = await h.pipelineEnv();
  const mels = Number(configAt(h.config, ['audio_config']).num_mel_bins);
  expectThat(
    mels === facts.audio!.mels,
    `config.json audio_config.num_mel_bins is ${mels}, the test was generated for ${facts.audio!.mels}`,
  );
  const loaded = await tf.AutoProcessor.from_pretrained(modelId);
  const extract: (a: Float32Array, o?: object) => Promise<Record<string, TfTensor>> = processorPart(
    loaded.feature_extractor,
    'feature_extractor',
  );
  const a = facts.audio!;
  const { input_features } = await extract(
    tone(440, a.samples / 16000),
    a.frames === a.samples / 160 ? { max_length: a.samples } : {},
  );
  // Granite stacks pairs of mel frames: [1, frames, 2 * mels].
  const want = a.timeMajor ? [1, a.frames, 2 * mels] : [1, mels, a.frames];
  expectThat(
    input_features!.dims.join() === want.join(),
    `the feature extractor gave [${input_features!.dims}], expected [${want}]`,
  );
  expectThat(
    Array.from(input_features!.data as ArrayLike<number>).every(Number.isFinite),
    'the feature extractor gave non-finite values',
  );
  return { inputFeatures: [...input_features!.dims] };
}
