import type { EngineSession, TensorData } from '@hf-core/core';
import { expectThat, maxAbsDiff, readRawImage, type Harness } from '@hf-core/harness';
import { runProcessor, type Json, type RawImageT, type Tf, type VisionProcessor } from './processor.ts';
import { NUM_QUERIES, type VisionFacts } from './session.ts';

// --- pipelines ----------------------------------------------------------------------------------

/**
 * The view of a pipeline the checks use, one for every vision task: each check reads its task's
 * output shape where it runs (transformers.js types each task's pipeline separately).
 */
type Pipe = ((...args: unknown[]) => Promise<unknown>) & {
  dispose(): Promise<void>;
  processor: VisionProcessor;
  model: { config: Json };
};

/**
 * Runs `fn` with the task's pipeline and the test images decoded first (transformers.js's own
 * reader), so an undecodable file fails with its path rather than deep inside the pipeline.
 */
async function withPipeline<T>(
  h: Harness,
  task: string,
  images: string[],
  fn: (pipe: Pipe, imgs: RawImageT[], tf: Tf) => Promise<T>,
): Promise<T> {
  const { tf, modelId, device } = await h.pipelineEnv();
  const imgs: RawImageT[] = [];
  for (const file of images) imgs.push(await readRawImage(tf, file));
  // The task is chosen per check at run time, so the pipeline is seen through the one Pipe view.
  const pipe = (await tf.pipeline(task as 'image-classification', modelId, {
    device: device as 'cpu',
    dtype: 'fp32',
  })) as unknown as Pipe;
  try {
    return await fn(pipe, imgs, tf);
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
  return withPipeline(h, 'image-classification', images, async (pipe, imgs, tf) => {
    const top = (await pipe(imgs[0], { top_k: Math.min(3, n) })) as { label: string; score: number }[];
    expectThat(top.length === Math.min(3, n), `top_k=${Math.min(3, n)} returned ${top.length} results`);
    let sum = 0;
    top.forEach((p, i) => {
      expectThat(
        Object.values(labels).includes(p.label),
        `result ${i} label ${JSON.stringify(p.label)} is not in id2label`,
      );
      expectThat(p.score > 0 && p.score <= 1, `result ${i} score ${p.score} is outside (0, 1]`);
      expectThat(
        i === 0 || top[i - 1]!.score >= p.score,
        `results are not sorted by score: ${top.map((x) => x.score).join(', ')}`,
      );
      sum += p.score;
    });
    expectThat(sum <= 1 + 1e-6, `top-${top.length} scores sum to ${sum} > 1`);
    const all = (await pipe(imgs[0], { top_k: n })) as { score: number }[];
    const total = all.reduce((a, p) => a + p.score, 0);
    expectThat(Math.abs(total - 1) < 1e-4, `scores over all ${n} labels sum to ${total}, expected 1`);
    const img = imgs[0]!;
    const { pixel_values } = await runProcessor(tf, pipe.processor, { head: 'classification' } as VisionFacts, img);
    const raw = await session.run({
      [session.inputNames[0]!]: { type: 'float32', dims: pixel_values!.dims, data: pixel_values!.data },
    });
    const want = Math.max(...softmax(raw.logits!.data as Float32Array));
    expectThat(
      Math.abs(want - top[0]!.score) < 1e-5,
      `pipeline top score ${top[0]!.score} differs from softmax of the session's logits (${want})`,
    );
    return { top: top[0]!.label, score: top[0]!.score, topkSum: sum };
  });
}

export function tensorOf(t: { dims: number[]; data: unknown }): TensorData {
  return { type: 'float32', dims: [...t.dims], data: t.data as Float32Array };
}

/**
 * image-feature-extraction: the embedding's batch and rank; the same image gives the same
 * embedding twice; two images batched give what each gives alone.
 */
export async function checkImageFeatureExtraction(h: Harness, images: string[]) {
  expectThat(images.length >= 2, `feature extraction needs two test images, got ${images.length}`);
  return withPipeline(h, 'image-feature-extraction', images, async (pipe, imgs) => {
    const a = (await pipe(imgs[0])) as { dims: number[]; data: Float32Array };
    expectThat(
      a && a.dims?.[0] === 1 && a.dims.length >= 2,
      `image-feature-extraction returned ${a?.dims ? `[${a.dims}]` : String(a)}, expected [1, ...]`,
    );
    const again = (await pipe(imgs[0])) as typeof a;
    const same = maxAbsDiff(tensorOf(a), tensorOf(again));
    expectThat(same === 0, `the same image gave embeddings that differ by ${same}`);
    const batch = (await pipe(imgs.slice(0, 2))) as typeof a;
    expectThat(
      batch.dims[0] === 2 && batch.dims.slice(1).join() === a.dims.slice(1).join(),
      `two images gave [${batch.dims}], expected [2, ${a.dims.slice(1)}]`,
    );
    const b = (await pipe(imgs[1])) as typeof a;
    const row = a.data.length;
    const d0 = maxAbsDiff(tensorOf(a), { type: 'float32', dims: a.dims, data: batch.data.slice(0, row) });
    const d1 = maxAbsDiff(tensorOf(b), { type: 'float32', dims: b.dims, data: batch.data.slice(row, 2 * row) });
    expectThat(
      Math.max(d0, d1) < 1e-4,
      `batch equivalence: image rows in a batch of two differ from the images alone by ${Math.max(d0, d1)}`,
    );
    const between = maxAbsDiff(tensorOf(a), tensorOf(b));
    expectThat(between > 0, 'two different images gave identical embeddings: the model ignores its input');
    return { dims: a.dims, batchMaxAbsDiff: Math.max(d0, d1) };
  });
}

/** object-detection at threshold 0: labels from id2label, scores in (0, 1], ordered boxes, and different images give different detections. */
export async function checkObjectDetection(h: Harness, images: string[]) {
  const labels = Object.values(id2labelOf(h.config));
  return withPipeline(h, 'object-detection', images, async (pipe, imgs) => {
    const out = (await pipe(imgs[0], { threshold: 0 })) as {
      label: string;
      score: number;
      box: { xmin: number; ymin: number; xmax: number; ymax: number };
    }[];
    expectThat(Array.isArray(out), `object-detection returned ${typeof out}, expected a list`);
    expectThat(
      out.length > 0 && out.length <= NUM_QUERIES,
      `object-detection at threshold 0 returned ${out.length} boxes, expected 1..${NUM_QUERIES} (one per query not predicting background)`,
    );
    for (const [i, d] of out.entries()) {
      expectThat(
        labels.includes(d.label),
        `detection ${i} label ${JSON.stringify(d.label)} is not in id2label (${labels.join(', ')})`,
      );
      expectThat(d.score > 0 && d.score <= 1, `detection ${i} score ${d.score} is outside (0, 1]`);
      const { xmin, ymin, xmax, ymax } = d.box;
      expectThat(
        [xmin, ymin, xmax, ymax].every(Number.isFinite) && xmin <= xmax && ymin <= ymax,
        `detection ${i} box ${JSON.stringify(d.box)} is not an ordered box`,
      );
    }
    const other = await pipe(imgs[1] ?? imgs[0], { threshold: 0 });
    expectThat(
      images.length < 2 || JSON.stringify(other) !== JSON.stringify(out),
      'two different images gave identical detections: the model ignores its input',
    );
    return { boxes: out.length, top: out[0]!.label };
  });
}

/** depth-estimation: predicted_depth at the input image's size; the depth image spans 0..255; different images give different depth. */
export async function checkDepthEstimation(h: Harness, images: string[]) {
  return withPipeline(h, 'depth-estimation', images, async (pipe, imgs) => {
    const img = imgs[0]!;
    const out = (await pipe(imgs[0])) as { predicted_depth: { dims: number[]; data: Float32Array }; depth: RawImageT };
    expectThat(out?.predicted_depth, 'depth-estimation returned no predicted_depth');
    expectThat(
      out.predicted_depth.dims.join() === [img.height, img.width].join(),
      `predicted_depth is [${out.predicted_depth.dims}], expected the image size [${img.height}, ${img.width}]`,
    );
    expectThat(out.predicted_depth.data.every(Number.isFinite), 'predicted_depth has non-finite values');
    const px = out.depth.data as Uint8Array;
    expectThat(
      out.depth.width === img.width && out.depth.height === img.height,
      `depth image is ${out.depth.width}x${out.depth.height}, expected ${img.width}x${img.height}`,
    );
    // The depth image is predicted_depth min-max scaled to 0..255 and cast to uint8. Where the
    // maximum lands (255 or 254.99...) depends on the CPU's float path, so each pixel is held to
    // its own scaled value within one grey level, not the extremes to exact bytes.
    const pd = out.predicted_depth.data;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of pd) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    const span = hi - lo || 1;
    let worst = 0;
    for (let i = 0; i < px.length; i++) worst = Math.max(worst, Math.abs(px[i]! - ((pd[i]! - lo) / span) * 255));
    expectThat(
      px.length === pd.length && worst <= 1 && Math.min(...px) === 0 && Math.max(...px) >= 254,
      `depth image spans ${Math.min(...px)}..${Math.max(...px)} and is ${worst.toFixed(2)} grey levels off predicted_depth scaled to 0..255 (expected within 1)`,
    );
    if (imgs[1]) {
      const other = (await pipe(imgs[1])) as typeof out;
      const same =
        other.predicted_depth.dims.join() === out.predicted_depth.dims.join() &&
        maxAbsDiff(tensorOf(other.predicted_depth), tensorOf(out.predicted_depth)) === 0;
      expectThat(!same, 'two different images gave identical depth maps: the model ignores its input');
    }
    return { dims: out.predicted_depth.dims };
  });
}

/** image-segmentation: every mask at the image size; labels from id2label; semantic masks partition the image. */
export async function checkImageSegmentation(h: Harness, facts: VisionFacts, images: string[]) {
  const labels = Object.values(id2labelOf(h.config));
  return withPipeline(h, 'image-segmentation', images, async (pipe, imgs) => {
    const img = imgs[0]!;
    const opts =
      facts.head === 'panoptic'
        ? { threshold: 0, mask_threshold: 0, overlap_mask_area_threshold: 0, label_ids_to_fuse: new Set() }
        : {};
    const out = (await pipe(imgs[0], opts)) as { label: string | null; score: number | null; mask: RawImageT }[];
    expectThat(
      Array.isArray(out) && out.length > 0,
      `image-segmentation returned ${Array.isArray(out) ? 'no segments' : typeof out}`,
    );
    const cover = new Uint8Array(img.width * img.height);
    for (const [i, s] of out.entries()) {
      expectThat(
        s.mask.width === img.width && s.mask.height === img.height,
        `segment ${i} mask is ${s.mask.width}x${s.mask.height}, expected ${img.width}x${img.height}`,
      );
      expectThat(
        s.label !== null && labels.includes(s.label),
        `segment ${i} label ${JSON.stringify(s.label)} is not in id2label`,
      );
      (s.mask.data as Uint8Array).forEach((v, p) => (cover[p]! += v === 255 ? 1 : 0));
    }
    if (facts.head === 'semantic') {
      const bad = cover.findIndex((c) => c !== 1);
      expectThat(
        bad < 0,
        `semantic masks must cover each pixel exactly once; pixel ${bad} is covered ${cover[bad]} times`,
      );
    }
    return { segments: out.length, labels: out.map((s) => s.label) };
  });
}

/** background-removal: an RGBA image of the input's size whose alpha is the predicted mask. */
export async function checkBackgroundRemoval(h: Harness, images: string[]) {
  return withPipeline(h, 'background-removal', images, async (pipe, imgs) => {
    const img = imgs[0]!;
    const out = (await pipe(imgs[0])) as RawImageT;
    expectThat(out && out.channels === 4, `background-removal returned ${out?.channels} channels, expected 4 (RGBA)`);
    expectThat(
      out.width === img.width && out.height === img.height,
      `background-removal returned ${out.width}x${out.height}, expected ${img.width}x${img.height}`,
    );
    const d = out.data as Uint8Array;
    const alpha = Array.from({ length: out.width * out.height }, (_, p) => d[p * 4 + 3]!);
    expectThat(new Set(alpha).size > 1, 'the alpha channel is constant: the mask did not reach the output');
    return { size: [out.width, out.height] };
  });
}

/** image-to-image (super-resolution): an RGB image twice the input's size. */
export async function checkImageToImage(h: Harness, images: string[]) {
  const scale = Number(h.config.upscale ?? 2);
  return withPipeline(h, 'image-to-image', images, async (pipe, imgs) => {
    const img = imgs[0]!;
    const out = (await pipe(imgs[0])) as RawImageT;
    expectThat(out && out.channels === 3, `image-to-image returned ${out?.channels} channels, expected 3`);
    expectThat(
      out.width === img.width * scale && out.height === img.height * scale,
      `image-to-image returned ${out.width}x${out.height}, expected ${img.width * scale}x${img.height * scale} (upscale ${scale})`,
    );
    return { size: [out.width, out.height] };
  });
}
