import type { EngineSession, Feeds, TensorData } from '@hf-core/core';
import { assertClose, expectThat, SeededFeeds, sliceRows, tensor, toNumbers, type Harness } from '@hf-core/harness';
import { imageInputs, rawImages, type ImageFacts, type TfTensor } from '../../shared/images.ts';

/** Facts a zero-shot object detection test is rendered with. */
export interface OwlFacts extends ImageFacts {
  kind: 'owl';
  vocabSize: number;
  padId: number;
  /** Boxes (one per image patch) the detector proposes. */
  patches: number;
}

/** `queries` seeded text queries of `seq` tokens and `images` seeded pixel tensors. */
export function owlFeeds(facts: OwlFacts, queries: number, images: number, seq = 6, seed = 1): Feeds {
  const rng = new SeededFeeds(seed);
  const dims = [queries, seq];
  return {
    input_ids: tensor(
      'int64',
      Array.from({ length: queries * seq }, () => rng.int(2, facts.vocabSize)),
      dims,
    ),
    attention_mask: tensor('int64', new Array(queries * seq).fill(1), dims),
    ...imageInputs(facts, images, seed + 50),
  };
}

export function expectedOwlShapes(facts: OwlFacts, queries: number, images: number): Record<string, number[]> {
  return { logits: [images, facts.patches, queries], pred_boxes: [images, facts.patches, 4] };
}

/** pred_boxes are (cx, cy, w, h) fractions of the image: every value in [0, 1]. */
export async function checkBoxesNormalized(session: EngineSession, facts: OwlFacts): Promise<Record<string, unknown>> {
  const boxes = toNumbers((await session.run(owlFeeds(facts, 2, 2, 6, 4))).pred_boxes!);
  const bad = boxes.findIndex((v) => !(v >= 0 && v <= 1));
  expectThat(
    bad < 0,
    `pred_boxes value ${boxes[bad]} at flat index ${bad} is outside [0, 1]; boxes must be normalized (cx, cy, w, h)`,
  );
  return { min: Math.min(...boxes), max: Math.max(...boxes) };
}

/** Each of two images run alone with the same queries gives its rows of the two-image run. */
export async function checkOwlImageBatch(session: EngineSession, facts: OwlFacts): Promise<Record<string, unknown>> {
  const { pixel_values, ...text } = owlFeeds(facts, 2, 2, 6, 11);
  const all = await session.run({ ...text, pixel_values: pixel_values! });
  let worst = 0;
  for (let r = 0; r < 2; r++) {
    const alone = await session.run({ ...text, pixel_values: sliceRows(pixel_values!, r, r + 1) });
    for (const name of ['logits', 'pred_boxes'])
      worst = Math.max(
        worst,
        assertClose(name, alone[name]!, sliceRows(all[name]!, r, r + 1), 1e-4, `batch equivalence (image ${r})`),
      );
  }
  return { maxAbsDiff: worst };
}

const LABELS = ['cat', 'dog'];
const THRESHOLD = 0.1;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * zero-shot-object-detection on two images: each detection has a candidate label, a score above
 * the threshold, sorted; and the detections are exactly those the raw session's logits and
 * pred_boxes give (sigmoid(logit) > threshold, corners scaled to the image size).
 */
export async function checkZeroShotDetection(
  h: Harness,
  session: EngineSession,
  facts: OwlFacts,
): Promise<Record<string, unknown>> {
  const { tf, modelId, device } = await h.pipelineEnv();
  const detector = await tf.pipeline('zero-shot-object-detection', modelId, { device: device as 'cpu', dtype: 'fp32' });
  const tokenizer = await tf.AutoTokenizer.from_pretrained(modelId);
  const processor = await tf.AutoProcessor.from_pretrained(modelId);
  try {
    const images = rawImages<InstanceType<typeof tf.RawImage>>(tf, facts);
    const results = (await detector(images, LABELS, { threshold: THRESHOLD })) as {
      score: number;
      label: string;
      box: { xmin: number; ymin: number; xmax: number; ymax: number };
    }[][];
    expectThat(
      Array.isArray(results) && results.length === 2,
      `two images gave ${JSON.stringify(results).slice(0, 120)}, expected two result lists`,
    );
    const text = tokenizer(LABELS, { padding: true, truncation: true }) as Record<string, TfTensor>;
    const counts: number[] = [];
    for (const [i, dets] of results.entries()) {
      const { pixel_values } = (await processor(images[i])) as { pixel_values: TfTensor };
      const feeds: Feeds = {
        input_ids: plain(text.input_ids!),
        attention_mask: plain(text.attention_mask!),
        pixel_values: plain(pixel_values),
      };
      const out = await session.run(feeds);
      const logits = toNumbers(out.logits!);
      const boxes = toNumbers(out.pred_boxes!);
      const { width, height } = images[i]!;
      const want: { score: number; label: string; box: number[] }[] = [];
      logits.forEach((l, k) => {
        const p = sigmoid(l);
        if (p <= THRESHOLD) return;
        const j = Math.floor(k / LABELS.length);
        const [cx, cy, w, bh] = boxes.slice(j * 4, j * 4 + 4) as [number, number, number, number];
        want.push({
          score: p,
          label: LABELS[k % LABELS.length]!,
          box: [(cx - w / 2) * width, (cy - bh / 2) * height, (cx + w / 2) * width, (cy + bh / 2) * height].map(
            Math.round,
          ),
        });
      });
      want.sort((a, b) => b.score - a.score);
      expectThat(
        dets.length === want.length,
        `image ${i}: the pipeline found ${dets.length} detections above ${THRESHOLD}, the session's logits give ${want.length}`,
      );
      dets.forEach((d, k) => {
        expectThat(LABELS.includes(d.label), `image ${i}: label "${d.label}" is not a candidate`);
        expectThat(
          d.score > THRESHOLD && d.score <= 1 && (k === 0 || dets[k - 1]!.score >= d.score),
          `image ${i}: detection ${k} has score ${d.score} (threshold ${THRESHOLD}, sorted descending)`,
        );
        const w = want[k]!;
        const got = [d.box.xmin, d.box.ymin, d.box.xmax, d.box.ymax];
        expectThat(
          Math.abs(d.score - w.score) < 1e-4 && got.every((v, c) => Math.abs(v - w.box[c]!) <= 1),
          `image ${i}: detection ${k} is ${JSON.stringify(d)}, the session gives ${JSON.stringify(w)}`,
        );
      });
      counts.push(dets.length);
    }
    return { detections: counts };
  } finally {
    await detector.dispose();
  }
}

function plain(t: TfTensor): TensorData {
  return { type: t.type as TensorData['type'], dims: [...t.dims], data: t.data as TensorData['data'] };
}
