import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckFailure, harness, noiseImage, writePng, writeUndecodableImage } from '@hf-core/harness';
import {
  checkDepthEstimation,
  checkImageClassification,
  checkMaskGeneration,
  checkImageFeatureExtraction,
  checkObjectDetection,
  checkProcessorShapes,
  testImages,
  type VisionFacts,
} from './checks.ts';
import { synthesizeVision, type BrokenVariant } from './synthesize.ts';

/**
 * Each family check passes on a good tiny model and fails, saying why, on a model built to break
 * it. The harnesses are the ones generated tests use (cpu engine, transformers.js offline).
 */
const root = mkdtempSync(join(tmpdir(), 'hf-vision-checks-'));

interface Fixture {
  type: string;
  configOverrides?: Record<string, unknown>;
  broken?: BrokenVariant;
  seed?: number;
  processorOverrides?: Record<string, unknown>;
}

const FIXTURES = {
  vit: { type: 'vit' },
  vitWrongSize: { type: 'vit', configOverrides: { image_size: 48 } },
  vitOneChannel: { type: 'vit', configOverrides: { num_channels: 1 } },
  vitOneLabel: { type: 'vit', configOverrides: { id2label: { 0: 'only' }, label2id: { only: 0 } } },
  convnextBlind: { type: 'convnext', broken: 'ignore-input' },
  convnextMixed: { type: 'convnext', broken: 'mix-batch' },
  detr: { type: 'detr' },
  // shortest_edge binding (the synthesized default lets longest_edge bind): the case transformers.js 4.3.2 gets wrong.
  detrShortestBinds: { type: 'detr', processorOverrides: { size: { shortest_edge: 32, longest_edge: 64 } } },
  efficientnet: { type: 'efficientnet' },
  efficientnetOffset: { type: 'efficientnet', processorOverrides: { rescale_offset: true } },
  detrOneLabel: { type: 'detr', seed: 7, configOverrides: { id2label: { 0: 'person' }, label2id: { person: 0 } } },
  detrBlind: { type: 'detr', broken: 'ignore-input' },
  dpt: { type: 'dpt' },
  dptBlind: { type: 'dpt', broken: 'ignore-input' },
  sam: { type: 'sam' },
  samDeaf: { type: 'sam', broken: 'ignore-prompt' },
} satisfies Record<string, Fixture>;

type Name = keyof typeof FIXTURES;
const facts: Partial<Record<Name, VisionFacts>> = {};
const h = Object.fromEntries(
  Object.keys(FIXTURES).map((name) => [
    name,
    harness(import.meta.url, {
      ref: name,
      modelType: FIXTURES[name as Name].type,
      family: 'vision',
      modelDir: join(root, name),
    }),
  ]),
) as Record<Name, ReturnType<typeof harness>>;

beforeAll(async () => {
  for (const [name, f] of Object.entries(FIXTURES) as [Name, Fixture][]) {
    const p = await synthesizeVision(f.type, join(root, name), {
      size: 'micro',
      seed: f.seed ?? 5,
      configOverrides: f.configOverrides,
      processorOverrides: f.processorOverrides,
      broken: f.broken,
    });
    facts[name] = p.facts;
  }
});

describe('processor-shapes', () => {
  it('passes when the processor output matches config image_size and num_channels', async () => {
    const r = await checkProcessorShapes(h.vit, facts.vit!, testImages());
    expect(r.fixed).toEqual([32, 32]);
  });

  it('fails on a config whose image_size the processor does not produce, naming both sizes', async () => {
    await expect(checkProcessorShapes(h.vitWrongSize, facts.vitWrongSize!, testImages())).rejects.toThrow(
      /config\.json image_size is 48x48 but the processor .* produces 32x32 for .*gradient\.png/,
    );
  });

  it('fails on a wrong channel count, naming the file and the value', async () => {
    await expect(checkProcessorShapes(h.vitOneChannel, facts.vitOneChannel!, testImages())).rejects.toThrow(
      /image .*gradient\.png \(3 channel\(s\)\) gave pixel_values with 3 channels; the model expects 1/,
    );
  });

  it('fails on an image that cannot be decoded, naming the file, and the next run of the check goes on', async () => {
    const bad = writeUndecodableImage(join(root, 'images', 'broken.png'));
    const err = await checkProcessorShapes(h.vit, facts.vit!, [testImages()[0]!, bad]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckFailure);
    expect((err as Error).message).toMatch(/cannot decode image .*broken\.png/);
    await expect(checkProcessorShapes(h.vit, facts.vit!, testImages())).resolves.toBeDefined();
  });

  it('flags transformers.js 4.3.2 DETR resizing: it scales up until the longer side is longest_edge, where transformers keeps the shorter side at shortest_edge', async () => {
    // A 64x48 image with shortest_edge 32 / longest_edge 64: transformers gives 32x42,
    // transformers.js 4.3.2 gives 48x64. When transformers.js fixes this, this test fails: update it.
    await expect(checkProcessorShapes(h.detr, facts.detr!, testImages())).resolves.toBeDefined();
    await expect(checkProcessorShapes(h.detrShortestBinds, facts.detrShortestBinds!, testImages())).rejects.toThrow(
      /produced 48x64, but size\.shortest_edge 32 with longest_edge 64 gives 32x42 in transformers/,
    );
  });

  it('checks the normalised value of a solid colour against the config (EfficientNet divides by std twice)', async () => {
    const r = await checkProcessorShapes(h.efficientnet, facts.efficientnet!, testImages());
    expect(r.normalisation.expected[0]).toBeCloseTo((200 / 255 - 0.485) / 0.229 / 0.229, 4);
  });

  it('flags transformers.js 4.3.2 ignoring EfficientNet rescale_offset (transformers maps pixels to [-1, 1] first)', async () => {
    // When transformers.js implements rescale_offset, this test fails: update it.
    await expect(checkProcessorShapes(h.efficientnetOffset, facts.efficientnetOffset!, testImages())).rejects.toThrow(
      /a solid rgb\(200, 120, 40\) image gave pixel_values .* gives \[/,
    );
  });

  it('accepts gray and RGBA files (the processor converts them to RGB)', async () => {
    const gray = writePng(join(root, 'images', 'gray.png'), noiseImage(40, 30, 9, 1));
    const rgba = writePng(join(root, 'images', 'rgba.png'), noiseImage(40, 30, 9, 4));
    const r = await checkProcessorShapes(h.vit, facts.vit!, [gray, rgba]);
    expect(Object.values(r.pixel_values)).toEqual([
      [1, 3, 32, 32],
      [1, 3, 32, 32],
    ]);
  });
});

describe('image-classification', () => {
  it("passes with labels from id2label, sorted scores and the session's softmax", async () => {
    const r = await checkImageClassification(h.vit, await h.vit.session(), testImages());
    expect(Object.values(h.vit.config.id2label as object)).toContain(r.top);
  });

  it('fails on an undecodable image with the file named, before any pipeline runs', async () => {
    const bad = writeUndecodableImage(join(root, 'images', 'not-an-image.png'));
    await expect(checkImageClassification(h.vit, await h.vit.session(), [bad])).rejects.toThrow(
      /cannot decode image .*not-an-image\.png/,
    );
  });

  it('fails when the head predicts classes id2label does not name', async () => {
    await expect(checkImageClassification(h.vitOneLabel, await h.vitOneLabel.session(), testImages())).rejects.toThrow(
      /is not in id2label/,
    );
  });
});

describe('image-feature-extraction', () => {
  it('passes on a real model: stable, batch-equivalent, input-dependent', async () => {
    const r = await checkImageFeatureExtraction(h.vit, testImages());
    expect(r.dims[0]).toBe(1);
  });

  it('fails on a model that ignores its pixels', async () => {
    await expect(checkImageFeatureExtraction(h.convnextBlind, testImages())).rejects.toThrow(/identical embeddings/);
  });

  it('fails on a model that mixes the images of a batch', async () => {
    await expect(checkImageFeatureExtraction(h.convnextMixed, testImages())).rejects.toThrow(/batch equivalence/);
  });
});

describe('object-detection', () => {
  it('passes with boxes labelled from id2label', async () => {
    const r = await checkObjectDetection(h.detr, testImages());
    expect(r.boxes).toBeGreaterThan(0);
  });

  it('fails when detections carry classes id2label does not name', async () => {
    // seed 7 makes this tiny detr predict a class other than 0 for the gradient image.
    await expect(checkObjectDetection(h.detrOneLabel, testImages())).rejects.toThrow(/is not in id2label/);
  });

  it('fails on a model that ignores its pixels', async () => {
    await expect(checkObjectDetection(h.detrBlind, testImages())).rejects.toThrow(/identical detections/);
  });
});

describe('depth-estimation', () => {
  it('passes with a depth map at the image size spanning 0..255', async () => {
    const r = await checkDepthEstimation(h.dpt, testImages());
    expect(r.dims).toEqual([48, 64]);
  });

  it('fails on a model that ignores its pixels', async () => {
    await expect(checkDepthEstimation(h.dptBlind, testImages())).rejects.toThrow(/identical depth maps/);
  });
});

describe('mask-generation', () => {
  it('passes with three candidate masks per point prompt, post-processed to the image size', async () => {
    const r = await checkMaskGeneration(h.sam, testImages());
    expect(r.masks).toEqual([1, 3, 48, 64]);
  });

  it('fails on a decoder that ignores its point prompt', async () => {
    await expect(checkMaskGeneration(h.samDeaf, testImages())).rejects.toThrow(/ignores its prompt/);
  });
});
