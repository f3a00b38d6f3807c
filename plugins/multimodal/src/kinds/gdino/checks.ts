import type { EngineSession, Feeds } from '@hf-core/core';
import { expectThat, SeededFeeds, tensor, toNumbers, type Harness, fromTfTensor as plain } from '@hf-core/harness';
import { imageInputs, rawImages, type ImageFacts, type TfTensor } from '../../shared/images.ts';

/** Facts a Grounding DINO test is rendered with. */
export interface GdinoFacts extends ImageFacts {
  kind: 'gdino';
  vocabSize: number;
  queries: number;
}

export function gdinoFeeds(facts: GdinoFacts, images: number, seq = 6, seed = 1): Feeds {
  const rng = new SeededFeeds(seed);
  return {
    input_ids: tensor(
      'int64',
      Array.from({ length: seq }, () => rng.int(5, facts.vocabSize)),
      [1, seq],
    ),
    attention_mask: tensor('int64', new Array(seq).fill(1), [1, seq]),
    ...imageInputs(facts, images, seed + 3),
    pixel_mask: tensor('int64', new Array(images * facts.imageSize ** 2).fill(1), [
      images,
      facts.imageSize,
      facts.imageSize,
    ]),
  };
}

const PROMPT = 'a cat.';
const THRESHOLD = 0.3;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * zero-shot-object-detection (GroundingDinoProcessor post-processing): each detection's score is
 * a query's best sigmoid over the prompt tokens above the threshold and its box the query's
 * box scaled to the image, exactly as the raw session's logits and pred_boxes give them; labels
 * are decoded words of the prompt.
 */
export async function checkGroundedDetection(
  h: Harness,
  session: EngineSession,
  facts: GdinoFacts,
): Promise<Record<string, unknown>> {
  const { tf, modelId, device } = await h.pipelineEnv();
  const detector = await tf.pipeline('zero-shot-object-detection', modelId, { device: device as 'cpu', dtype: 'fp32' });
  const tokenizer = await tf.AutoTokenizer.from_pretrained(modelId);
  const processor = await tf.AutoProcessor.from_pretrained(modelId);
  try {
    const image = rawImages<InstanceType<typeof tf.RawImage>>(tf, facts)[0]!;
    const dets = (await detector(image, [PROMPT], { threshold: THRESHOLD })) as {
      score: number;
      label: string;
      box: Record<string, number>;
    }[];
    const text = tokenizer([PROMPT], { padding: true, truncation: true }) as Record<string, TfTensor>;
    const { pixel_values, pixel_mask } = (await processor(image, null)) as Record<string, TfTensor>;
    const out = await session.run({
      input_ids: plain(text.input_ids!),
      attention_mask: plain(text.attention_mask!),
      pixel_values: plain(pixel_values!),
      pixel_mask: plain(pixel_mask!),
    });
    const logits = toNumbers(out.logits!);
    const boxes = toNumbers(out.pred_boxes!);
    const tokens = 256;
    const want: { score: number; box: number[] }[] = [];
    for (let q = 0; q < facts.queries; q++) {
      const best = Math.max(...logits.slice(q * tokens, (q + 1) * tokens).map(sigmoid));
      if (best <= THRESHOLD) continue;
      const [cx, cy, w, bh] = boxes.slice(q * 4, q * 4 + 4) as [number, number, number, number];
      want.push({
        score: best,
        box: [
          (cx - w / 2) * image.width,
          (cy - bh / 2) * image.height,
          (cx + w / 2) * image.width,
          (cy + bh / 2) * image.height,
        ].map(Math.round),
      });
    }
    want.sort((a, b) => b.score - a.score);
    expectThat(
      Array.isArray(dets) && dets.length === want.length,
      `the pipeline found ${dets.length} detections above ${THRESHOLD}, the session's logits give ${want.length}`,
    );
    const wordsOf = (t: string) =>
      t
        .toLowerCase()
        .split(/[^a-z]+/)
        .filter(Boolean);
    const words = new Set(wordsOf(PROMPT));
    dets.forEach((d, k) => {
      const w = want[k]!;
      const got = [d.box.xmin!, d.box.ymin!, d.box.xmax!, d.box.ymax!];
      expectThat(
        Math.abs(d.score - w.score) < 1e-4 && got.every((v, c) => Math.abs(v - w.box[c]!) <= 1),
        `detection ${k} is ${JSON.stringify(d)}, the session gives ${JSON.stringify(w)}`,
      );
      expectThat(
        typeof d.label === 'string' && wordsOf(d.label).every((t) => words.has(t)),
        `detection ${k} has label "${d.label}", not words of the prompt "${PROMPT}"`,
      );
    });
    return { detections: dets.length, labels: [...new Set(dets.map((d) => d.label))] };
  } finally {
    await detector.dispose();
  }
}
