import type { EngineSession, Feeds, TensorData } from '@hf-core/core';
import { assertClose, expectThat, maxAbsDiff, SkipCheck, tensor, textFeeds, type Harness } from '@hf-core/harness';
import { imageInputs, processorShapes, rawImages, type ImageFacts, type TfTensor } from '../../shared/images.ts';

/** Facts a dual-encoder test is rendered with. */
export interface DualFacts extends ImageFacts {
  kind: 'dual';
  projection: number;
  vocabSize: number;
  padId: number;
  textInputs: string[];
  /** How the zero-shot pipeline turns logits into scores (softmax over labels, or SigLIP's sigmoid). */
  score: 'softmax' | 'sigmoid';
  maxText: number;
  /** SigLIP-style: the tokenizer always pads to max length and the graph takes no mask. */
  padsToMaxLength: boolean;
}

/** Seeded text + pixel feeds: `rows` texts of `seq` tokens (`lengths[r]` real, then padding) and `rows` images. */
export function dualFeeds(
  facts: DualFacts,
  opts: { rows: number; seq: number; lengths?: number[]; seed?: number },
): Feeds {
  const t = textFeeds({ ...opts, vocabSize: facts.vocabSize, padId: facts.padId, minId: 3 });
  const feeds: Feeds = { input_ids: t.input_ids };
  if (facts.textInputs.includes('attention_mask')) feeds.attention_mask = t.attention_mask;
  if (facts.textInputs.includes('token_type_ids')) feeds.token_type_ids = t.token_type_ids;
  Object.assign(feeds, imageInputs(facts, opts.rows, (opts.seed ?? 1) + 100));
  return feeds;
}

export function expectedDualShapes(facts: DualFacts, texts: number, images: number): Record<string, number[]> {
  return {
    logits_per_image: [images, texts],
    logits_per_text: [texts, images],
    text_embeds: [texts, facts.projection],
    image_embeds: [images, facts.projection],
  };
}

/** A text's embedding does not change when padding (mask 0) follows it. */
export async function checkTextPadding(session: EngineSession, facts: DualFacts): Promise<Record<string, unknown>> {
  if (facts.padsToMaxLength)
    throw new SkipCheck(
      'this type pads every text to max length and its graph takes no attention_mask, so padding is part of the input',
    );
  const short = dualFeeds(facts, { rows: 1, seq: 5, seed: 9 });
  const padded = dualFeeds(facts, { rows: 1, seq: 8, lengths: [5], seed: 9 });
  const a = await session.run(short);
  const b = await session.run(padded);
  return { maxAbsDiff: assertClose('text_embeds', a.text_embeds!, b.text_embeds!, 1e-4, 'text padding invariance') };
}

const LABELS = ['cat', 'dog', 'paris'];

/** zero-shot-image-classification: one result per label, sorted, softmax scores sum to 1 (sigmoid: each in (0, 1)). */
export async function checkZeroShot(h: Harness, facts: DualFacts): Promise<Record<string, unknown>> {
  const { tf, modelId, device } = await h.pipelineEnv();
  const classify = await tf.pipeline('zero-shot-image-classification', modelId, {
    device: device as 'cpu',
    dtype: 'fp32',
  });
  try {
    const images = rawImages<InstanceType<typeof tf.RawImage>>(tf, facts);
    const batched = (await classify(images, LABELS)) as { label: string; score: number }[][];
    expectThat(
      Array.isArray(batched) && batched.length === images.length,
      `two images gave ${Array.isArray(batched) ? batched.length : 'no'} result lists, expected ${images.length}`,
    );
    const sums: number[] = [];
    for (const [i, out] of batched.entries()) {
      expectThat(
        out.length === LABELS.length,
        `image ${i}: ${out.length} scores for ${LABELS.length} candidate labels`,
      );
      expectThat(
        [...out.map((o) => o.label)].sort().join() === [...LABELS].sort().join(),
        `image ${i}: labels ${out.map((o) => o.label).join(', ')} are not the candidates ${LABELS.join(', ')}`,
      );
      out.forEach((o, j) => {
        expectThat(
          Number.isFinite(o.score) && o.score >= 0 && o.score <= 1,
          `image ${i}: score of "${o.label}" is ${o.score}, expected a probability`,
        );
        expectThat(j === 0 || out[j - 1]!.score >= o.score, `image ${i}: results are not sorted by score`);
      });
      const sum = out.reduce((a, o) => a + o.score, 0);
      if (facts.score === 'softmax')
        expectThat(Math.abs(sum - 1) < 1e-4, `image ${i}: softmax scores sum to ${sum}, expected 1`);
      sums.push(sum);
    }
    const single = (await classify(images[0]!, LABELS)) as { label: string; score: number }[];
    const want = batched[0]!;
    const diff = Math.max(
      ...single.map((o) => Math.abs(o.score - (want.find((w) => w.label === o.label)?.score ?? Number.NaN))),
    );
    expectThat(diff <= 1e-5, `image 0 scored alone differs from image 0 in a batch of two by ${diff}`);
    return { scoreSums: sums, top: want[0]!.label };
  } finally {
    await classify.dispose();
  }
}

const TEXTS = ['a photo of a cat', 'a dog on the mat'];

/**
 * AutoTokenizer + AutoProcessor + AutoModel: logits and embeddings equal the raw session on the
 * same feeds; the same image gives the same embedding twice; each of two images embedded alone
 * equals its row of the batch.
 */
export async function checkAutoModelDual(
  h: Harness,
  session: EngineSession,
  facts: DualFacts,
): Promise<Record<string, unknown>> {
  const { tf, modelId, device } = await h.pipelineEnv();
  const tokenizer = await tf.AutoTokenizer.from_pretrained(modelId);
  const processor = await tf.AutoProcessor.from_pretrained(modelId);
  const model = await tf.AutoModel.from_pretrained(modelId, { device: device as 'cpu', dtype: 'fp32' });
  try {
    const text = tokenizer(TEXTS, { padding: facts.padsToMaxLength ? 'max_length' : true, truncation: true }) as Record<
      string,
      TfTensor
    >;
    const images = rawImages<InstanceType<typeof tf.RawImage>>(tf, facts);
    const { pixel_values } = (await processor(images)) as { pixel_values: TfTensor };
    const run = async (pixels: TfTensor) =>
      (await model({ ...text, pixel_values: pixels })) as Record<string, TfTensor>;
    const out = await run(pixel_values);
    const feeds: Feeds = { pixel_values: plain(pixel_values) };
    for (const name of facts.textInputs)
      feeds[name] = text[name]
        ? plain(text[name]!)
        : tensor('int64', new Array(text.input_ids!.data.length).fill(0), text.input_ids!.dims);
    const raw = await session.run(feeds);
    let worst = 0;
    for (const name of ['logits_per_image', 'text_embeds', 'image_embeds']) {
      expectThat(out[name], `AutoModel returned no ${name} (got ${Object.keys(out).join(', ')})`);
      worst = Math.max(
        worst,
        assertClose(name, plain(out[name]!), raw[name]!, 1e-5, 'transformers.js vs the raw session'),
      );
    }
    const again = await run(pixel_values);
    const twice = maxAbsDiff(plain(again.image_embeds!), plain(out.image_embeds!));
    expectThat(twice === 0, `the same images gave image_embeds that differ by ${twice} on a second call`);
    let batch = 0;
    for (let i = 0; i < images.length; i++) {
      const alone = (await processor(images[i])) as { pixel_values: TfTensor };
      const one = await run(alone.pixel_values);
      const p = facts.projection;
      const row: TensorData = {
        type: 'float32',
        dims: [1, p],
        data: (out.image_embeds!.data as Float32Array).slice(i * p, (i + 1) * p),
      };
      batch = Math.max(
        batch,
        assertClose(
          'image_embeds',
          plain(one.image_embeds!),
          row,
          1e-5,
          `image ${i} alone vs in a batch of ${images.length}`,
        ),
      );
    }
    return { maxAbsDiff: worst, sameImageTwice: twice, batchEquivalence: batch, ...processorShapes(pixel_values) };
  } finally {
    await model.dispose();
  }
}

function plain(t: TfTensor): TensorData {
  return { type: t.type as TensorData['type'], dims: [...t.dims], data: t.data as TensorData['data'] };
}
