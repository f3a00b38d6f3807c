import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineSession, Feeds, TensorData } from '@hf-core/core';
import { CheckFailure, expectThat, maxAbsDiff, readRawImage, SeededFeeds, shapeOf, writeTestImages, type Harness, type Outputs } from '@hf-core/harness';

/** Facts the generated test is rendered with (from the synthesizer). */
export interface VisionFacts {
  head: 'classification' | 'features' | 'detection' | 'depth' | 'mask' | 'semantic' | 'panoptic' | 'super-resolution' | 'matting' | 'pose' | 'text-recognition' | 'mask-generation';
  /** The ONNX file session-level checks run (default onnx/model.onnx; SAM: the vision encoder). */
  sessionFile?: string;
  inputName: string;
  channels: number;
  outputs: string[];
  numLabels: number;
  pixelMask: boolean;
  tasks: string[];
  hidden: number;
  /** Rank of last_hidden_state: 3 for tokens [b, N, C], 4 for a map [b, C, h, w]. */
  hiddenRank: 3 | 4;
}

const NUM_QUERIES = 5;

// --- inputs -------------------------------------------------------------------------------------

let made: string[] | undefined;

/**
 * The images the pipeline checks read: HF_CORE_IMAGES (comma-separated files) when set, else a
 * gradient and a checkerboard written as PNG files to a fresh temp folder (64x48, RGB).
 */
export function testImages(): string[] {
  const env = process.env.HF_CORE_IMAGES;
  if (env) return env.split(',').map((s) => s.trim()).filter(Boolean);
  if (!made) {
    const { gradient, checkerboard } = writeTestImages(mkdtempSync(join(tmpdir(), 'hf-core-images-')), 64, 48);
    made = [gradient, checkerboard];
  }
  return made;
}

/** Seeded pixel values [rows, channels, size, size] (roughly normalised), plus pixel_mask where the graph takes one. */
export function visionFeeds(session: EngineSession, facts: VisionFacts, opts: { rows: number; size?: number; seed?: number }): Feeds {
  const rng = new SeededFeeds(opts.seed ?? 1);
  const size = opts.size ?? 32;
  const dims = [opts.rows, facts.channels, size, size];
  const n = dims.reduce((a, b) => a * b, 1);
  const feeds: Feeds = { [facts.inputName]: { type: 'float32', dims, data: Float32Array.from({ length: n }, () => rng.float()) } };
  if (session.inputNames.includes('pixel_mask')) {
    feeds.pixel_mask = { type: 'int64', dims: [opts.rows, 64, 64], data: new BigInt64Array(opts.rows * 64 * 64).fill(1n) };
  }
  return feeds;
}

/** Output dims that follow from the input size alone (dims that depend on the backbone's strides are -1). */
export function expectedShapes(facts: VisionFacts, rows: number, size: number): Record<string, number[]> {
  const L = facts.numLabels;
  const hidden = facts.hiddenRank === 4 ? [rows, facts.hidden, -1, -1] : [rows, -1, facts.hidden];
  switch (facts.head) {
    case 'classification': return { logits: [rows, L], pooler_output: [rows, facts.hidden], last_hidden_state: hidden };
    case 'features': return { pooler_output: [rows, facts.hidden], last_hidden_state: hidden };
    case 'detection': return { logits: [rows, NUM_QUERIES, L + 1], pred_boxes: [rows, NUM_QUERIES, 4] };
    case 'depth': return { predicted_depth: [rows, size, size] };
    case 'mask': return { [facts.outputs[0]!]: [rows, 1, size, size] };
    case 'matting': return { alphas: [rows, 1, size, size] };
    case 'semantic': return { logits: [rows, L, -1, -1] };
    case 'pose': return { heatmaps: [rows, L, -1, -1] };
    case 'panoptic': return { class_queries_logits: [rows, NUM_QUERIES, L + 1], masks_queries_logits: [rows, NUM_QUERIES, -1, -1] };
    case 'super-resolution': return { reconstruction: [rows, 3, size * 2, size * 2] };
    case 'text-recognition': return { char_logits: [rows, -1, 38], bpe_logits: [rows, -1, 64], wp_logits: [rows, -1, 48] };
    case 'mask-generation':
      return facts.outputs.length === 2
        ? { image_embeddings: [rows, facts.hidden, -1, -1], image_positional_embeddings: [rows, facts.hidden, -1, -1] }
        : { 'image_embeddings.0': [rows, facts.hidden / 4, -1, -1], 'image_embeddings.1': [rows, facts.hidden / 2, -1, -1], 'image_embeddings.2': [rows, facts.hidden, -1, -1] };
  }
}

/** Every expected output is present with its rank and every known dim (-1: any size). */
export function assertVisionShapes(outputs: Outputs, expected: Record<string, number[]>): void {
  for (const [name, dims] of Object.entries(expected)) {
    const t = outputs[name];
    if (!t) throw new CheckFailure(`output "${name}" is missing; the session returned: ${Object.keys(outputs).join(', ') || 'nothing'}`);
    const ok = t.dims.length === dims.length && dims.every((d, i) => d === -1 || d === t.dims[i]);
    if (!ok) throw new CheckFailure(`output "${name}" has shape ${shapeOf(t)}, expected [${dims.map((d) => (d === -1 ? '*' : d)).join(', ')}]`, { got: [...t.dims], expected: dims });
  }
}

// --- what the processor should produce ------------------------------------------------------------

type Json = Record<string, unknown>;

function readJson(path: string): Json {
  if (!existsSync(path)) throw new CheckFailure(`${path} is missing: a vision model needs it to build its image processor`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Json;
  } catch (err) {
    throw new CheckFailure(`${path} is not valid JSON: ${(err as Error).message}`);
  }
}

const hw = (v: unknown): [number, number] | null => {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2) return [Number(v[0]), Number(v[1])];
  if (v && typeof v === 'object' && 'height' in v && 'width' in v) return [Number((v as Json).height), Number((v as Json).width)];
  return null;
};

/**
 * [height, width] the image processor must produce whatever the input size, from
 * preprocessor_config.json; null when it depends on the input (aspect-preserving resizes, padding
 * to a multiple).
 */
export function fixedPixelSize(pp: Json): [number, number] | null {
  if (pp.do_center_crop && pp.crop_size !== undefined) return hw(pp.crop_size);
  const pad = pp.pad_size as Json | undefined;
  if (pp.do_pad && pad && typeof pad === 'object' && 'height' in pad) return hw(pad); // SAM: resize within, then pad to pad_size
  const cls = String(pp.image_processor_type ?? pp.feature_extractor_type ?? '');
  const size = pp.size as Json | number | undefined;
  if (/^ConvNext/.test(cls) && size && typeof size === 'object' && typeof size.shortest_edge === 'number' && size.shortest_edge < 384) return [size.shortest_edge, size.shortest_edge];
  if (pp.do_resize === false || pp.keep_aspect_ratio) return null;
  if (pp.do_thumbnail && !pp.do_pad) return null;
  return size && typeof size === 'object' && 'height' in size ? hw(size) : null;
}

/** The image size a model config declares: image_size (a number or [h, w]), also inside backbone_config. */
export function configImageSize(config: Json): [number, number] | null {
  const v = config.image_size ?? (config.backbone_config as Json | undefined)?.image_size ?? (config.vision_config as Json | undefined)?.image_size;
  return v === undefined ? null : hw(v);
}

function configChannels(config: Json): number | undefined {
  const v = config.num_channels ?? (config.backbone_config as Json | undefined)?.num_channels ?? (config.vision_config as Json | undefined)?.num_channels;
  return typeof v === 'number' ? v : undefined;
}

type Tf = Awaited<ReturnType<Harness['pipelineEnv']>>['tf'];
type RawImageT = InstanceType<Tf['RawImage']>;

/** A trimap for matting models: foreground in the middle, unknown ring, background outside. */
function trimapFor(tf: Tf, img: RawImageT): RawImageT {
  const { width, height } = img;
  const data = new Uint8ClampedArray(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const r = Math.max(Math.abs(x / width - 0.5), Math.abs(y / height - 0.5));
      data[y * width + x] = r < 0.2 ? 255 : r < 0.35 ? 128 : 0;
    }
  }
  return new tf.RawImage(data, width, height, 1);
}

async function runProcessor(tf: Tf, processor: unknown, facts: VisionFacts, img: RawImageT): Promise<Record<string, { dims: number[]; data: Float32Array }>> {
  const p = processor as (...args: unknown[]) => Promise<Record<string, { dims: number[]; data: Float32Array }>>;
  return facts.head === 'matting' ? p(img, trimapFor(tf, img)) : p(img);
}

/**
 * The model's processor (AutoProcessor, transformers.js) on each test image: pixel_values is
 * [1, C, H, W] with C = the config's num_channels, and H x W = the size preprocessor_config.json
 * fixes and config.json's image_size declares. An undecodable file or a wrong channel count fails
 * this check with the file and the value.
 */
export async function checkProcessorShapes(h: Harness, facts: VisionFacts, images: string[]) {
  const { tf, modelId } = await h.pipelineEnv();
  const pp = readJson(join(h.modelDir, 'preprocessor_config.json'));
  const config = h.config;
  const processor = await tf.AutoProcessor.from_pretrained(modelId);
  const channels = configChannels(config) ?? facts.channels;
  const fixed = fixedPixelSize(pp);
  const declared = configImageSize(config);
  const seen: Record<string, number[]> = {};
  for (const file of images) {
    const img = await readRawImage(tf, file);
    const inputs = await runProcessor(tf, processor, facts, img);
    const pv = inputs.pixel_values;
    expectThat(pv && pv.dims.length === 4 && pv.dims[0] === 1, `processor output for ${file}: pixel_values is ${pv ? `[${pv.dims.join(', ')}]` : 'missing'}, expected [1, C, H, W]`);
    const [, c, H, W] = pv.dims as [number, number, number, number];
    expectThat(c === channels, `image ${file} (${img.channels} channel(s)) gave pixel_values with ${c} channels; the model expects ${channels} (config num_channels)`, { file, channels: c, expected: channels });
    if (fixed) {
      expectThat(H === fixed[0] && W === fixed[1], `image ${file}: the processor produced ${H}x${W}, but preprocessor_config.json fixes ${fixed[0]}x${fixed[1]}`, { file, got: [H, W], expected: fixed });
      if (declared) {
        expectThat(
          H === declared[0] && W === declared[1],
          `config.json image_size is ${declared[0]}x${declared[1]} but the processor (preprocessor_config.json) produces ${H}x${W} for ${file}: fix image_size or the processor's size/crop_size`,
          { file, got: [H, W], image_size: declared },
        );
      }
    }
    expectThat(pv.data.every(Number.isFinite), `processor output for ${file} has non-finite pixel values`);
    seen[file] = pv.dims;
  }
  return { pixel_values: seen, fixed, image_size: declared };
}

// --- pipelines ----------------------------------------------------------------------------------

type Pipe = ((...args: unknown[]) => Promise<unknown>) & { dispose(): Promise<void>; processor: unknown; model: { config: Json } };

async function withPipeline<T>(h: Harness, task: string, fn: (pipe: Pipe, tf: Tf) => Promise<T>): Promise<T> {
  const { tf, modelId, device } = await h.pipelineEnv();
  const pipe = (await tf.pipeline(task as 'image-classification', modelId, { device: device as 'cpu', dtype: 'fp32' })) as unknown as Pipe;
  try {
    return await fn(pipe, tf);
  } finally {
    await pipe.dispose();
  }
}

const id2labelOf = (config: Json): Record<string, string> => (config.id2label ?? {}) as Record<string, string>;

function softmax(v: ArrayLike<number>): number[] {
  const m = Math.max(...Array.from(v));
  const e = Array.from(v, (x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/**
 * image-classification: top-k labels come from id2label, scores are in (0, 1], sorted, and sum
 * to <= 1; all labels sum to 1; the top score equals softmax of the raw session's logits on the
 * same pixel values.
 */
export async function checkImageClassification(h: Harness, session: EngineSession, images: string[]) {
  const labels = id2labelOf(h.config);
  const n = Object.keys(labels).length;
  expectThat(n > 0, 'config.json has no id2label: image-classification needs label names');
  return withPipeline(h, 'image-classification', async (pipe, tf) => {
    const top = (await pipe(images[0], { top_k: Math.min(3, n) })) as { label: string; score: number }[];
    expectThat(top.length === Math.min(3, n), `top_k=${Math.min(3, n)} returned ${top.length} results`);
    let sum = 0;
    top.forEach((p, i) => {
      expectThat(Object.values(labels).includes(p.label), `result ${i} label ${JSON.stringify(p.label)} is not in id2label`);
      expectThat(p.score > 0 && p.score <= 1, `result ${i} score ${p.score} is outside (0, 1]`);
      expectThat(i === 0 || top[i - 1]!.score >= p.score, `results are not sorted by score: ${top.map((x) => x.score).join(', ')}`);
      sum += p.score;
    });
    expectThat(sum <= 1 + 1e-6, `top-${top.length} scores sum to ${sum} > 1`);
    const all = (await pipe(images[0], { top_k: n })) as { score: number }[];
    const total = all.reduce((a, p) => a + p.score, 0);
    expectThat(Math.abs(total - 1) < 1e-4, `scores over all ${n} labels sum to ${total}, expected 1`);
    const img = await readRawImage(tf, images[0]!);
    const { pixel_values } = await runProcessor(tf, pipe.processor, { head: 'classification' } as VisionFacts, img);
    const raw = await session.run({ [session.inputNames[0]!]: { type: 'float32', dims: pixel_values!.dims, data: pixel_values!.data } });
    const want = Math.max(...softmax(raw.logits!.data as Float32Array));
    expectThat(Math.abs(want - top[0]!.score) < 1e-5, `pipeline top score ${top[0]!.score} differs from softmax of the session's logits (${want})`);
    return { top: top[0]!.label, score: top[0]!.score, topkSum: sum };
  });
}

function tensorOf(t: { dims: number[]; data: unknown }): TensorData {
  return { type: 'float32', dims: [...t.dims], data: t.data as Float32Array };
}

/**
 * image-feature-extraction: the embedding's batch and rank; the same image gives the same
 * embedding twice; two images batched give what each gives alone.
 */
export async function checkImageFeatureExtraction(h: Harness, images: string[]) {
  expectThat(images.length >= 2, `feature extraction needs two test images, got ${images.length}`);
  return withPipeline(h, 'image-feature-extraction', async (pipe) => {
    const a = (await pipe(images[0])) as { dims: number[]; data: Float32Array };
    expectThat(a && a.dims?.[0] === 1 && a.dims.length >= 2, `image-feature-extraction returned ${a?.dims ? `[${a.dims}]` : String(a)}, expected [1, ...]`);
    const again = (await pipe(images[0])) as typeof a;
    const same = maxAbsDiff(tensorOf(a), tensorOf(again));
    expectThat(same === 0, `the same image gave embeddings that differ by ${same}`);
    const batch = (await pipe(images.slice(0, 2))) as typeof a;
    expectThat(batch.dims[0] === 2 && batch.dims.slice(1).join() === a.dims.slice(1).join(), `two images gave [${batch.dims}], expected [2, ${a.dims.slice(1)}]`);
    const b = (await pipe(images[1])) as typeof a;
    const row = a.data.length;
    const d0 = maxAbsDiff(tensorOf(a), { type: 'float32', dims: a.dims, data: batch.data.slice(0, row) });
    const d1 = maxAbsDiff(tensorOf(b), { type: 'float32', dims: b.dims, data: batch.data.slice(row, 2 * row) });
    expectThat(Math.max(d0, d1) < 1e-4, `batch equivalence: image rows in a batch of two differ from the images alone by ${Math.max(d0, d1)}`);
    const between = maxAbsDiff(tensorOf(a), tensorOf(b));
    expectThat(between > 0, 'two different images gave identical embeddings: the model ignores its input');
    return { dims: a.dims, batchMaxAbsDiff: Math.max(d0, d1) };
  });
}

/** object-detection at threshold 0: labels from id2label, scores in (0, 1], ordered boxes, and different images give different detections. */
export async function checkObjectDetection(h: Harness, images: string[]) {
  const labels = Object.values(id2labelOf(h.config));
  return withPipeline(h, 'object-detection', async (pipe) => {
    const out = (await pipe(images[0], { threshold: 0 })) as { label: string; score: number; box: { xmin: number; ymin: number; xmax: number; ymax: number } }[];
    expectThat(Array.isArray(out), `object-detection returned ${typeof out}, expected a list`);
    expectThat(out.length > 0 && out.length <= NUM_QUERIES, `object-detection at threshold 0 returned ${out.length} boxes, expected 1..${NUM_QUERIES} (one per query not predicting background)`);
    for (const [i, d] of out.entries()) {
      expectThat(labels.includes(d.label), `detection ${i} label ${JSON.stringify(d.label)} is not in id2label (${labels.join(', ')})`);
      expectThat(d.score > 0 && d.score <= 1, `detection ${i} score ${d.score} is outside (0, 1]`);
      const { xmin, ymin, xmax, ymax } = d.box;
      expectThat([xmin, ymin, xmax, ymax].every(Number.isFinite) && xmin <= xmax && ymin <= ymax, `detection ${i} box ${JSON.stringify(d.box)} is not an ordered box`);
    }
    const other = await pipe(images[1] ?? images[0], { threshold: 0 });
    expectThat(images.length < 2 || JSON.stringify(other) !== JSON.stringify(out), 'two different images gave identical detections: the model ignores its input');
    return { boxes: out.length, top: out[0]!.label };
  });
}

/** depth-estimation: predicted_depth at the input image's size; the depth image spans 0..255. */
export async function checkDepthEstimation(h: Harness, images: string[]) {
  return withPipeline(h, 'depth-estimation', async (pipe, tf) => {
    const img = await readRawImage(tf, images[0]!);
    const out = (await pipe(images[0])) as { predicted_depth: { dims: number[]; data: Float32Array }; depth: RawImageT };
    expectThat(out?.predicted_depth, 'depth-estimation returned no predicted_depth');
    expectThat(out.predicted_depth.dims.join() === [img.height, img.width].join(), `predicted_depth is [${out.predicted_depth.dims}], expected the image size [${img.height}, ${img.width}]`);
    expectThat(out.predicted_depth.data.every(Number.isFinite), 'predicted_depth has non-finite values');
    const px = out.depth.data as Uint8Array;
    expectThat(out.depth.width === img.width && out.depth.height === img.height, `depth image is ${out.depth.width}x${out.depth.height}, expected ${img.width}x${img.height}`);
    expectThat(Math.min(...px) === 0 && Math.max(...px) === 255, `depth image spans ${Math.min(...px)}..${Math.max(...px)}, expected 0..255 (min-max normalised)`);
    return { dims: out.predicted_depth.dims };
  });
}

/** image-segmentation: every mask at the image size; labels from id2label; semantic masks partition the image. */
export async function checkImageSegmentation(h: Harness, facts: VisionFacts, images: string[]) {
  const labels = Object.values(id2labelOf(h.config));
  return withPipeline(h, 'image-segmentation', async (pipe, tf) => {
    const img = await readRawImage(tf, images[0]!);
    const opts = facts.head === 'panoptic' ? { threshold: 0, mask_threshold: 0, overlap_mask_area_threshold: 0, label_ids_to_fuse: new Set() } : {};
    const out = (await pipe(images[0], opts)) as { label: string | null; score: number | null; mask: RawImageT }[];
    expectThat(Array.isArray(out) && out.length > 0, `image-segmentation returned ${Array.isArray(out) ? 'no segments' : typeof out}`);
    const cover = new Uint8Array(img.width * img.height);
    for (const [i, s] of out.entries()) {
      expectThat(s.mask.width === img.width && s.mask.height === img.height, `segment ${i} mask is ${s.mask.width}x${s.mask.height}, expected ${img.width}x${img.height}`);
      expectThat(s.label !== null && labels.includes(s.label), `segment ${i} label ${JSON.stringify(s.label)} is not in id2label`);
      (s.mask.data as Uint8Array).forEach((v, p) => (cover[p]! += v === 255 ? 1 : 0));
    }
    if (facts.head === 'semantic') {
      const bad = cover.findIndex((c) => c !== 1);
      expectThat(bad < 0, `semantic masks must cover each pixel exactly once; pixel ${bad} is covered ${cover[bad]} times`);
    }
    return { segments: out.length, labels: out.map((s) => s.label) };
  });
}

/** background-removal: an RGBA image of the input's size whose alpha is the predicted mask. */
export async function checkBackgroundRemoval(h: Harness, images: string[]) {
  return withPipeline(h, 'background-removal', async (pipe, tf) => {
    const img = await readRawImage(tf, images[0]!);
    const out = (await pipe(images[0])) as RawImageT;
    expectThat(out && out.channels === 4, `background-removal returned ${out?.channels} channels, expected 4 (RGBA)`);
    expectThat(out.width === img.width && out.height === img.height, `background-removal returned ${out.width}x${out.height}, expected ${img.width}x${img.height}`);
    const d = out.data as Uint8Array;
    const alpha = Array.from({ length: out.width * out.height }, (_, p) => d[p * 4 + 3]!);
    expectThat(new Set(alpha).size > 1, 'the alpha channel is constant: the mask did not reach the output');
    return { size: [out.width, out.height] };
  });
}

/** image-to-image (super-resolution): an RGB image twice the input's size. */
export async function checkImageToImage(h: Harness, images: string[]) {
  const scale = Number(h.config.upscale ?? 2);
  return withPipeline(h, 'image-to-image', async (pipe, tf) => {
    const img = await readRawImage(tf, images[0]!);
    const out = (await pipe(images[0])) as RawImageT;
    expectThat(out && out.channels === 3, `image-to-image returned ${out?.channels} channels, expected 3`);
    expectThat(out.width === img.width * scale && out.height === img.height * scale, `image-to-image returned ${out.width}x${out.height}, expected ${img.width * scale}x${img.height * scale} (upscale ${scale})`);
    return { size: [out.width, out.height] };
  });
}

/**
 * Tasks without a transformers.js pipeline (matting, pose, scene text): AutoProcessor + AutoModel
 * on a test image; each expected output is present, finite, and its post-processing (where the
 * processor has one) gives one result per keypoint.
 */
export async function checkAutoModel(h: Harness, facts: VisionFacts, images: string[]) {
  const { tf, modelId, device } = await h.pipelineEnv();
  const processor = await tf.AutoProcessor.from_pretrained(modelId);
  const model = await tf.AutoModel.from_pretrained(modelId, { device: device as 'cpu', dtype: 'fp32' });
  try {
    const img = await readRawImage(tf, images[0]!);
    const inputs = await runProcessor(tf, processor, facts, img);
    const out = (await (model as unknown as (x: unknown) => Promise<Record<string, { dims: number[]; data: Float32Array }>>)(inputs));
    const [, , H, W] = inputs.pixel_values!.dims as [number, number, number, number];
    const expected = expectedShapes(facts, 1, H);
    if (facts.head === 'matting') expected.alphas = [1, 1, H, W];
    assertVisionShapes(Object.fromEntries(facts.outputs.map((n) => [n, out[n] ? tensorOf(out[n]!) : undefined]).filter(([, v]) => v)) as Outputs, expected);
    for (const n of facts.outputs) expectThat(out[n]!.data.every(Number.isFinite), `AutoModel output ${n} has non-finite values`);
    if (facts.head === 'matting') {
      const a = out.alphas!.data;
      expectThat(a.every((v) => v >= 0 && v <= 1), 'alphas are outside [0, 1]');
    }
    if (facts.head === 'pose') {
      const post = (processor as unknown as { image_processor: { post_process_pose_estimation(o: unknown, boxes: number[][][]): { keypoints: number[][]; labels: number[] }[][] } }).image_processor;
      const res = post.post_process_pose_estimation(out.heatmaps, [[[0, 0, img.width, img.height]]]);
      expectThat(res[0]?.[0]?.keypoints.length === facts.numLabels, `pose post-processing gave ${res[0]?.[0]?.keypoints.length} keypoints, expected ${facts.numLabels}`);
    }
    return { outputs: Object.fromEntries(facts.outputs.map((n) => [n, out[n]!.dims])) };
  } finally {
    await model.dispose();
  }
}

type SamOut = { iou_scores: { dims: number[]; data: Float32Array }; pred_masks: { dims: number[]; data: Float32Array } };

/**
 * mask-generation (SAM family): AutoProcessor with a point prompt + AutoModel (vision encoder and
 * prompt decoder); iou_scores in (0, 1) for each of the candidate masks; post_process_masks gives
 * masks at the image's size; a prompt elsewhere gives different masks.
 */
export async function checkMaskGeneration(h: Harness, images: string[]) {
  const { tf, modelId, device } = await h.pipelineEnv();
  const processor = (await tf.AutoProcessor.from_pretrained(modelId)) as unknown as ((img: unknown, o: unknown) => Promise<Record<string, unknown>>) & {
    post_process_masks(m: unknown, o: unknown, r: unknown): Promise<{ dims: number[]; type: string }[]>;
  };
  const model = await tf.AutoModel.from_pretrained(modelId, { device: device as 'cpu', dtype: 'fp32' });
  try {
    const img = await readRawImage(tf, images[0]!);
    const prompt = async (x: number, y: number) => {
      const inputs = await processor(img, { input_points: [[[x, y]]] });
      const out = (await (model as unknown as (i: unknown) => Promise<SamOut>)(inputs)) as SamOut;
      return { inputs, out };
    };
    const a = await prompt(img.width * 0.25, img.height * 0.25);
    const { iou_scores: iou, pred_masks: masks } = a.out;
    expectThat(iou && iou.dims.length === 3 && iou.dims[0] === 1 && iou.dims[1] === 1, `iou_scores is ${iou ? `[${iou.dims}]` : 'missing'}, expected [1, 1, masks]`);
    expectThat(Array.from(iou.data).every((v) => v > 0 && v < 1), `iou_scores ${Array.from(iou.data)} are outside (0, 1)`);
    expectThat(masks && masks.dims.length === 5 && masks.dims[2] === iou.dims[2], `pred_masks is ${masks ? `[${masks.dims}]` : 'missing'}, expected [1, 1, ${iou.dims[2]}, h, w]`);
    const post = await processor.post_process_masks(masks, a.inputs.original_sizes, a.inputs.reshaped_input_sizes);
    const m = post[0]!;
    expectThat(m.dims.slice(-2).join() === [img.height, img.width].join(), `post-processed masks are [${m.dims}], expected the image size ${img.height}x${img.width} last`);
    const b = await prompt(img.width * 0.75, img.height * 0.75);
    const diff = maxAbsDiff(tensorOf(masks), tensorOf(b.out.pred_masks));
    expectThat(diff > 0, 'two different point prompts gave identical masks: the decoder ignores its prompt');
    return { iou_scores: iou.dims, pred_masks: masks.dims, masks: m.dims };
  } finally {
    await model.dispose();
  }
}
