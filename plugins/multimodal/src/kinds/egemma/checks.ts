import type { Feeds, TensorData } from '@hf-core/core';
import {
  assertOutputShapes,
  expectThat,
  maxAbsDiff,
  SeededFeeds,
  tensor,
  toNumbers,
  type Harness,
  fromTfTensor as plain,
  idRows as rowsOf,
  processorPart,
} from '@hf-core/harness';
import { rawImages, type ImageFacts, type TfTensor } from '../../shared/images.ts';

/** Facts an EmbeddingGemma 2 test is rendered with. */
export interface EGemmaFacts extends ImageFacts {
  kind: 'egemma';
  vocabSize: number;
  hidden: number;
  imageTokenId: number;
  /** Soft tokens per test image (both test images give the same count). */
  imageTokens: number;
  patchDim: number;
  maxPatches: number;
  pool: number;
  /** Two prompts of different lengths, each with one image placeholder. */
  prompts: [string, string];
}

export const EGEMMA_FILES = { vision: 'onnx/vision_encoder.onnx', model: 'onnx/model.onnx' } as const;

export async function egemmaSessions(h: Harness) {
  return { vision: await h.session(EGEMMA_FILES.vision), model: await h.session(EGEMMA_FILES.model) };
}

/** `rows` images of 6 x 8 / 8 x 6 valid patches (seeded values), padded with zeros and position -1 as the processor pads. */
export function egemmaVisionFeeds(facts: EGemmaFacts, rows: number, seed: number, padValue = 0): Feeds {
  const rng = new SeededFeeds(seed);
  const values: number[] = [];
  const pos: number[] = [];
  for (let r = 0; r < rows; r++) {
    const [hh, ww] = r % 2 === 0 ? [6, 8] : [8, 6];
    for (let i = 0; i < facts.maxPatches; i++) {
      const valid = i < hh * ww;
      for (let k = 0; k < facts.patchDim; k++) values.push(valid ? rng.float() : padValue);
      pos.push(valid ? i % ww : -1, valid ? Math.floor(i / ww) : -1);
    }
  }
  return {
    pixel_values: tensor('float32', values, [rows, facts.maxPatches, facts.patchDim]),
    pixel_position_ids: tensor('int64', pos, [rows, facts.maxPatches, 2]),
  };
}

const empty = (hidden: number): TensorData => ({ type: 'float32', dims: [0, hidden], data: new Float32Array(0) });

/** Model feeds for seeded text ids (no placeholders) with empty image / video / audio features. */
export function egemmaTextFeeds(facts: EGemmaFacts, rows: number, seq: number, seed: number): Feeds {
  const rng = new SeededFeeds(seed);
  const ids = Array.from({ length: rows * seq }, () => rng.int(12, facts.vocabSize));
  return {
    input_ids: tensor('int64', ids, [rows, seq]),
    attention_mask: tensor('int64', new Array(rows * seq).fill(1), [rows, seq]),
    image_features: empty(facts.hidden),
    video_features: empty(facts.hidden),
    audio_features: empty(facts.hidden),
  };
}

/** image_features [soft tokens of all images, hidden]; last_hidden_state and a unit-norm sentence_embedding. */
export async function checkEGemmaShapes(h: Harness, facts: EGemmaFacts): Promise<Record<string, unknown>> {
  const { vision, model } = await egemmaSessions(h);
  assertOutputShapes(await vision.run(egemmaVisionFeeds(facts, 2, 3)), {
    image_features: [2 * facts.imageTokens, facts.hidden],
  });
  const out = await model.run(egemmaTextFeeds(facts, 2, 6, 4));
  assertOutputShapes(out, { last_hidden_state: [2, 6, facts.hidden], sentence_embedding: [2, facts.hidden] });
  const norms = [0, 1].map((r) =>
    Math.hypot(...toNumbers(out.sentence_embedding!).slice(r * facts.hidden, (r + 1) * facts.hidden)),
  );
  expectThat(
    norms.every((n) => Math.abs(n - 1) < 1e-4),
    `sentence_embedding norms are ${norms}, expected 1 (L2-normalized)`,
  );
  return { files: Object.values(EGEMMA_FILES), norms };
}

/** Each image encoded alone equals its rows of a two-image batch, and values in padded patch slots change nothing. */
export async function checkEGemmaVisionBatch(
  h: Harness,
  facts: EGemmaFacts,
  tol = 1e-4,
): Promise<Record<string, unknown>> {
  const { vision } = await egemmaSessions(h);
  const feeds = egemmaVisionFeeds(facts, 2, 11);
  const both = toNumbers((await vision.run(feeds)).image_features!);
  const row = (r: number): Feeds => {
    const slice = (t: TensorData, per: number) =>
      tensor(t.type as 'float32', toNumbers(t).slice(r * per, (r + 1) * per), [1, ...t.dims.slice(1)]);
    return {
      pixel_values: slice(feeds.pixel_values!, facts.maxPatches * facts.patchDim),
      pixel_position_ids: slice(feeds.pixel_position_ids!, facts.maxPatches * 2),
    };
  };
  const alone = [
    ...toNumbers((await vision.run(row(0))).image_features!),
    ...toNumbers((await vision.run(row(1))).image_features!),
  ];
  const vec = (v: number[]): TensorData => ({ type: 'float32', dims: [v.length], data: Float32Array.from(v) });
  expectThat(
    alone.length === both.length,
    `two images alone give ${alone.length / facts.hidden} features, together ${both.length / facts.hidden}`,
  );
  const d = maxAbsDiff(vec(alone), vec(both));
  expectThat(d <= tol, `two images encoded together differ from each alone by ${d} (tolerance ${tol})`);
  const p = maxAbsDiff(
    vec(toNumbers((await vision.run(egemmaVisionFeeds(facts, 2, 11, 5))).image_features!)),
    vec(both),
  );
  expectThat(
    p <= tol,
    `values in padded patch slots (position -1) changed the image features by ${p}; the encoder must attend only to valid patches`,
  );
  return { maxAbsDiff: d, paddingDiff: p };
}

type Processor = ((text: string | string[] | null, images?: unknown) => Promise<Record<string, TfTensor>>) & {
  image_processor?: (
    i: unknown,
  ) => Promise<{ pixel_values: TfTensor; image_position_ids: TfTensor; num_soft_tokens_per_image: number[] }>;
};

/** Gemma 4 image processor: pixel_values [n, max patches, 3*p*p] (p from config.json), one (col, row) per valid patch, soft tokens = patches / k^2. */
export async function checkEGemmaProcessor(h: Harness, facts: EGemmaFacts): Promise<Record<string, unknown>> {
  const { tf, modelId } = await h.pipelineEnv();
  const vision = (h.config.vision_config ?? {}) as Record<string, unknown>;
  const dim = Number(vision.num_channels ?? 3) * Number(vision.patch_size) ** 2;
  expectThat(
    dim === facts.patchDim,
    `config.json vision_config gives patches of ${dim} values, the test was generated for ${facts.patchDim}`,
  );
  const processor: Processor = await tf.AutoProcessor.from_pretrained(modelId);
  const images = rawImages<InstanceType<typeof tf.RawImage>>(tf, facts);
  const out = await processorPart(processor.image_processor, 'image_processor')(images);
  const want = [2, facts.maxPatches, dim];
  expectThat(
    out.pixel_values.dims.join() === want.join(),
    `pixel_values are [${out.pixel_values.dims}], expected [${want}]`,
  );
  const pos = Array.from(out.image_position_ids.data as ArrayLike<bigint>, Number);
  for (let r = 0; r < 2; r++) {
    const valid = pos
      .slice(r * facts.maxPatches * 2, (r + 1) * facts.maxPatches * 2)
      .filter((_, i) => i % 2 === 0)
      .filter((c) => c >= 0).length;
    expectThat(
      valid / facts.pool ** 2 === out.num_soft_tokens_per_image[r],
      `image ${r}: ${valid} valid patches but ${out.num_soft_tokens_per_image[r]} soft tokens (pooling ${facts.pool}x${facts.pool})`,
    );
    expectThat(
      out.num_soft_tokens_per_image[r] === facts.imageTokens,
      `image ${r}: ${out.num_soft_tokens_per_image[r]} soft tokens, the test expects ${facts.imageTokens}`,
    );
  }
  return { pixelValues: [...out.pixel_values.dims], softTokens: out.num_soft_tokens_per_image };
}

/**
 * AutoProcessor + AutoModel: one image token per soft token; sentence_embedding unit-norm and
 * equal to the raw sessions (vision_encoder, then model with the features); a padded batch of two
 * prompts+images equal to each alone; a text-only call runs with empty features.
 */
export async function checkEGemmaEmbed(h: Harness, facts: EGemmaFacts, tol = 1e-4): Promise<Record<string, unknown>> {
  const { tf, modelId, device } = await h.pipelineEnv();
  const processor: Processor = await tf.AutoProcessor.from_pretrained(modelId);
  const model = await tf.AutoModel.from_pretrained(modelId, { device: device as 'cpu', dtype: 'fp32' });
  // transformers.js models are callables typed `(...args: any[]) => any`: this names what the check reads.
  const forward: (inputs: object) => Promise<Record<string, TfTensor>> = model;
  const { vision, model: session } = await egemmaSessions(h);
  const vec = (v: number[]): TensorData => ({ type: 'float32', dims: [v.length], data: Float32Array.from(v) });
  try {
    const images = rawImages<InstanceType<typeof tf.RawImage>>(tf, facts);
    const embed = async (texts: string[], imgs: unknown[] | null) => {
      const inputs = await processor(texts, imgs);
      const out = await forward(inputs);
      return { inputs, emb: toNumbers(plain(out.sentence_embedding!)), dims: out.sentence_embedding!.dims };
    };
    const one = await embed([facts.prompts[0]], [images[0]]);
    const ids = rowsOf(one.inputs.input_ids!)[0]!;
    const n = ids.filter((x) => x === facts.imageTokenId).length;
    expectThat(
      n === facts.imageTokens,
      `the processor put ${n} image tokens in the prompt, expected ${facts.imageTokens} (one per soft token)`,
    );
    expectThat(
      one.dims.join() === [1, facts.hidden].join(),
      `sentence_embedding is [${one.dims}], expected [1, ${facts.hidden}]`,
    );
    const norm = Math.hypot(...one.emb);
    expectThat(Math.abs(norm - 1) < 1e-4, `sentence_embedding has norm ${norm}, expected 1`);
    const features = (
      await vision.run({
        pixel_values: plain(one.inputs.pixel_values!),
        pixel_position_ids: plain(one.inputs.image_position_ids!),
      })
    ).image_features!;
    const raw = toNumbers(
      (
        await session.run({
          input_ids: plain(one.inputs.input_ids!),
          attention_mask: plain(one.inputs.attention_mask!),
          image_features: features,
          video_features: empty(facts.hidden),
          audio_features: empty(facts.hidden),
        })
      ).sentence_embedding!,
    );
    const dRaw = maxAbsDiff(vec(one.emb), vec(raw));
    expectThat(dRaw <= tol, `transformers.js's sentence_embedding differs from the raw sessions' by ${dRaw}`);
    const two = await embed([facts.prompts[0], facts.prompts[1]], [images[0], images[1]]);
    const lens = rowsOf(two.inputs.attention_mask!).map((r) => r.reduce((a, b) => a + b, 0));
    expectThat(lens[0] !== lens[1], `the two prompts have the same length (${lens}); the batch must need padding`);
    const alone1 = await embed([facts.prompts[1]], [images[1]]);
    const dBatch = maxAbsDiff(vec(two.emb), vec([...one.emb, ...alone1.emb]));
    expectThat(
      dBatch <= tol,
      `a padded batch of two prompts+images differs from each alone by ${dBatch}; padding must not change the embedding`,
    );
    const text = await embed(['what is shown in this picture?'], null);
    expectThat(
      text.dims.join() === [1, facts.hidden].join() && text.emb.every(Number.isFinite),
      `a text-only call gave [${text.dims}]`,
    );
    return { imageTokens: n, rawDiff: dRaw, batchDiff: dBatch, paddedLengths: lens };
  } finally {
    await model.dispose();
  }
}
