import type { EngineSession, Feeds, TensorData } from '@hf-core/core';
import {
  assertOutputShapes,
  emptyCache,
  expectThat,
  logitsAt,
  maxAbsDiff,
  pastNameOf,
  positionIdsFromMask,
  SeededFeeds,
  tensor,
  toNumbers,
  type Harness,
  fromTfTensor as plain,
  idRows as rowsOf,
  generationMetrics,
  argmax,
  newIdsAfterPrompt,
  generateGreedy,
  processorPart,
} from '@hf-core/harness';
import { rawImages, type TfTensor } from '../../shared/images.ts';

/** Facts a Phi-3 Vision test is rendered with. */
export interface Phi3vFacts {
  kind: 'phi3v';
  vocabSize: number;
  hidden: number;
  layers: number;
  kvHeads: number;
  headDim: number;
  numCrops: number;
  /** Features per 336 crop (config num_img_tokens). */
  tokensPerCrop: number;
  imageTokenId: number;
  prompt: string;
}

export const PHI3V_FILES = {
  embeds: 'onnx/prepare_inputs_embeds.onnx',
  vision: 'onnx/vision_encoder.onnx',
  model: 'onnx/model.onnx',
} as const;
const CROP = 336;

export async function phi3vSessions(h: Harness) {
  return {
    embeds: await h.session(PHI3V_FILES.embeds),
    vision: await h.session(PHI3V_FILES.vision),
    model: await h.session(PHI3V_FILES.model),
  };
}

/** transformers.js's calc_num_image_tokens_from_image_size for a padded height x width. */
export const hdTokens = (facts: Phi3vFacts, height: number, width: number) => {
  const [hb, wb] = [Math.floor(height / CROP), Math.floor(width / CROP)];
  return Math.floor((hb * wb + 1) * facts.tokensPerCrop + 1 + (hb + 1) * Math.sqrt(facts.tokensPerCrop));
};

/** Seeded vision feeds: `sizes` [h, w] per image (multiples of 336), pixel_values [images, 1 + num_crops, 3, 336, 336]. */
export function phi3vVisionFeeds(facts: Phi3vFacts, sizes: [number, number][], seed: number): Feeds {
  const rng = new SeededFeeds(seed);
  const dims = [sizes.length, 1 + facts.numCrops, 3, CROP, CROP];
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.float();
  return {
    pixel_values: { type: 'float32', dims, data },
    image_sizes: tensor('int64', sizes.flat(), [sizes.length, 2]),
  };
}

const emptyFeatures = (facts: Phi3vFacts): TensorData => ({
  type: 'float32',
  dims: [0, facts.hidden],
  data: new Float32Array(0),
});

export function phi3vIds(facts: Phi3vFacts, rows: number, seq: number, seed = 1): TensorData {
  const rng = new SeededFeeds(seed);
  return tensor(
    'int64',
    Array.from({ length: rows * seq }, () => rng.int(5, facts.vocabSize)),
    [rows, seq],
  );
}

export function phi3vModelFeeds(model: EngineSession, embeds: TensorData): Feeds {
  const [b, s] = embeds.dims as [number, number];
  const mask = Array.from({ length: b }, () => new Array(s).fill(1) as number[]);
  return {
    inputs_embeds: embeds,
    attention_mask: tensor('int64', mask.flat(), [b, s]),
    position_ids: positionIdsFromMask(mask, s, 0),
    ...emptyCache(model, b),
  };
}

/** Text-only embeds (no image features), as transformers.js makes them for every decoding step. */
export async function textEmbeds(h: Harness, facts: Phi3vFacts, ids: TensorData): Promise<TensorData> {
  return (await (await phi3vSessions(h)).embeds.run({ input_ids: ids, image_features: emptyFeatures(facts) }))
    .inputs_embeds!;
}

/** Output names and shapes of the three sessions; the image feature count follows the HD transform. */
export async function checkPhi3vShapes(h: Harness, facts: Phi3vFacts): Promise<Record<string, unknown>> {
  const { vision, model } = await phi3vSessions(h);
  const sizes: [number, number][] = [
    [672, 672],
    [672, 336],
  ];
  const n = sizes.reduce((a, [hh, ww]) => a + hdTokens(facts, hh, ww), 0);
  assertOutputShapes(await vision.run(phi3vVisionFeeds(facts, sizes, 3)), { image_features: [n, facts.hidden] });
  const e = await textEmbeds(h, facts, phi3vIds(facts, 2, 6));
  expectThat(
    e.dims.join() === [2, 6, facts.hidden].join(),
    `prepare_inputs_embeds gave [${e.dims}], expected [2, 6, ${facts.hidden}]`,
  );
  const expected: Record<string, number[]> = { logits: [2, 6, facts.vocabSize] };
  for (let l = 0; l < facts.layers; l++)
    for (const kv of ['key', 'value']) expected[`present.${l}.${kv}`] = [2, facts.kvHeads, 6, facts.headDim];
  assertOutputShapes(await model.run(phi3vModelFeeds(model, e)), expected);
  return { imageFeatures: [n, facts.hidden], files: Object.values(PHI3V_FILES) };
}

/**
 * prepare_inputs_embeds: the k-th negative (image) id takes the k-th image feature, row-major over
 * the batch; every other position equals the text-only embedding of that id.
 */
export async function checkPhi3vMerge(h: Harness, facts: Phi3vFacts, tol = 1e-6): Promise<Record<string, unknown>> {
  const { embeds } = await phi3vSessions(h);
  const ids = toNumbers(phi3vIds(facts, 2, 6, 4));
  const imagePos = [1, 2, 7, 9];
  const withImages = ids.map((x, i) => (imagePos.includes(i) ? -facts.imageTokenId : x));
  const rng = new SeededFeeds(5);
  const feats = Float32Array.from({ length: imagePos.length * facts.hidden }, () => rng.float());
  const merged = toNumbers(
    (
      await embeds.run({
        input_ids: tensor('int64', withImages, [2, 6]),
        image_features: { type: 'float32', dims: [imagePos.length, facts.hidden], data: feats },
      })
    ).inputs_embeds!,
  );
  const text = toNumbers(await textEmbeds(h, facts, tensor('int64', ids, [2, 6])));
  let worst = 0;
  for (let i = 0; i < 12; i++) {
    const k = imagePos.indexOf(i);
    const want =
      k >= 0
        ? Array.from(feats.slice(k * facts.hidden, (k + 1) * facts.hidden))
        : text.slice(i * facts.hidden, (i + 1) * facts.hidden);
    const got = merged.slice(i * facts.hidden, (i + 1) * facts.hidden);
    const d = Math.max(...got.map((x, j) => Math.abs(x - want[j]!)));
    worst = Math.max(worst, Number.isNaN(d) ? Infinity : d);
    expectThat(
      d <= tol,
      `prepare_inputs_embeds position ${i} (${k >= 0 ? `image token ${k}` : 'text'}) differs by ${d} from the ${k >= 0 ? 'image feature it should take' : 'text embedding'}`,
    );
  }
  return { maxAbsDiff: worst, imageTokens: imagePos.length };
}

/** Each of two images encoded alone gives exactly its block of the two-image batch's features. */
export async function checkPhi3vVisionBatch(
  h: Harness,
  facts: Phi3vFacts,
  tol = 1e-5,
): Promise<Record<string, unknown>> {
  const { vision } = await phi3vSessions(h);
  const sizes: [number, number][] = [
    [672, 672],
    [672, 336],
  ];
  const both = phi3vVisionFeeds(facts, sizes, 6);
  const all = toNumbers((await vision.run(both)).image_features!);
  const per = (1 + facts.numCrops) * 3 * CROP * CROP;
  const px = both.pixel_values!.data as Float32Array;
  let off = 0;
  let worst = 0;
  for (let i = 0; i < 2; i++) {
    const alone = toNumbers(
      (
        await vision.run({
          pixel_values: {
            type: 'float32',
            dims: [1, 1 + facts.numCrops, 3, CROP, CROP],
            data: px.slice(i * per, (i + 1) * per),
          },
          image_sizes: tensor('int64', sizes[i]!, [1, 2]),
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

/** KV cache: logits step by step (prefill 4, then one token at a time feeding present back) equal one full forward. */
export async function checkPhi3vKvCache(h: Harness, facts: Phi3vFacts, tol = 1e-4): Promise<Record<string, unknown>> {
  const { model } = await phi3vSessions(h);
  const all = toNumbers(phi3vIds(facts, 1, 8, 21));
  const embedOf = (from: number, to: number) =>
    textEmbeds(h, facts, tensor('int64', all.slice(from, to), [1, to - from]));
  const full = await model.run(phi3vModelFeeds(model, await embedOf(0, 8)));
  let out = await model.run(phi3vModelFeeds(model, await embedOf(0, 4)));
  let worst = 0;
  for (let t = 3; t < 8; t++) {
    const d = maxAbsDiff(logitsAt(out.logits!, 0, out.logits!.dims[1]! - 1), logitsAt(full.logits!, 0, t));
    worst = Math.max(worst, Number.isNaN(d) ? Infinity : d);
    expectThat(
      d <= tol,
      `KV cache: logits at position ${t} computed step by step differ from the full forward by ${d} (tolerance ${tol}); present must be past followed by the new positions`,
    );
    if (t + 1 === 8) break;
    const mask = [new Array(t + 2).fill(1) as number[]];
    const feeds: Feeds = {
      inputs_embeds: await embedOf(t + 1, t + 2),
      attention_mask: tensor('int64', mask[0]!, [1, t + 2]),
      position_ids: positionIdsFromMask(mask, 1, 0),
    };
    for (const [name, v] of Object.entries(out)) if (name.startsWith('present')) feeds[pastNameOf(name)] = v;
    out = await model.run(feeds);
  }
  return { maxAbsDiff: worst, steps: 4 };
}

type Phi3vImageProcessor = (
  images: unknown,
) => Promise<{ pixel_values: TfTensor; image_sizes: TfTensor; num_img_tokens: number[] }>;

/**
 * Phi3VImageProcessor on one image and on two: pixel_values [n, 1 + num_crops, 3, 336, 336],
 * image_sizes padded to 336 multiples, num_img_tokens by the HD-transform formula with
 * config.json's img_processor.num_img_tokens.
 */
export async function checkPhi3vProcessor(h: Harness, facts: Phi3vFacts): Promise<Record<string, unknown>> {
  const { tf, modelId } = await h.pipelineEnv();
  const perCrop = Number((h.config.img_processor as Record<string, unknown> | undefined)?.num_img_tokens);
  expectThat(
    perCrop === facts.tokensPerCrop,
    `config.json img_processor.num_img_tokens is ${perCrop}, the test was generated for ${facts.tokensPerCrop}`,
  );
  const processor: Phi3vImageProcessor = processorPart(
    (await tf.AutoProcessor.from_pretrained(modelId)).image_processor,
    'image_processor',
  );
  const images = rawImages<InstanceType<typeof tf.RawImage>>(tf, { imageSize: CROP, channels: 3 });
  const shapes: number[][] = [];
  for (const batch of [[images[0]], images]) {
    const out = await processor(batch);
    const want = [batch.length, 1 + facts.numCrops, 3, CROP, CROP];
    expectThat(
      out.pixel_values.dims.join() === want.join(),
      `pixel_values are [${out.pixel_values.dims}] for ${batch.length} image(s), expected [${want}]`,
    );
    expectThat(
      out.image_sizes.dims.join() === [batch.length, 2].join(),
      `image_sizes are [${out.image_sizes.dims}], expected [${batch.length}, 2]`,
    );
    const sizes = Array.from(out.image_sizes.data as ArrayLike<bigint>, Number);
    expectThat(
      sizes.every((x) => x > 0 && x % CROP === 0),
      `image_sizes ${sizes} are not positive multiples of ${CROP}`,
    );
    batch.forEach((_, i) => {
      const want = hdTokens({ ...facts, tokensPerCrop: perCrop }, sizes[2 * i]!, sizes[2 * i + 1]!);
      expectThat(
        out.num_img_tokens[i] === want,
        `num_img_tokens[${i}] is ${out.num_img_tokens[i]} for a ${sizes[2 * i]}x${sizes[2 * i + 1]} image, expected ${want}`,
      );
    });
    expectThat(
      Array.from(out.pixel_values.data as ArrayLike<number>).every(Number.isFinite),
      'processor gave non-finite pixel values',
    );
    shapes.push([...out.pixel_values.dims]);
  }
  return { shapes };
}

/** Greedy decoding on the raw sessions as Phi3VForCausalLM runs it: vision -> prepare_inputs_embeds -> model, then text-only steps with the cache. */
export async function rawGreedyPhi3v(
  h: Harness,
  facts: Phi3vFacts,
  inputIds: number[],
  visionIn: Feeds,
  newTokens: number,
) {
  const { embeds, vision, model } = await phi3vSessions(h);
  const image_features = (await vision.run(visionIn)).image_features!;
  const e = (await embeds.run({ input_ids: tensor('int64', inputIds, [1, inputIds.length]), image_features }))
    .inputs_embeds!;
  let t0 = performance.now();
  let out = await model.run(phi3vModelFeeds(model, e));
  const prefill = performance.now() - t0;
  const tokens: number[] = [];
  const mask = [new Array(inputIds.length).fill(1) as number[]];
  t0 = performance.now();
  for (let i = 0; i < newTokens; i++) {
    const next = argmax(logitsAt(out.logits!, 0, out.logits!.dims[1]! - 1));
    tokens.push(next);
    if (i + 1 === newTokens) break;
    mask[0]!.push(1);
    const feeds: Feeds = {
      inputs_embeds: await textEmbeds(h, facts, tensor('int64', [next], [1, 1])),
      attention_mask: tensor('int64', mask[0]!, [1, mask[0]!.length]),
      position_ids: positionIdsFromMask(mask, 1, 0),
    };
    for (const [name, v] of Object.entries(out)) if (name.startsWith('present')) feeds[pastNameOf(name)] = v;
    out = await model.run(feeds);
  }
  const decode = performance.now() - t0;
  return { tokens, ...generationMetrics(prefill, decode, newTokens - 1) };
}

const NEW_TOKENS = 6;

/**
 * Phi3VProcessor + AutoModelForCausalLM.generate (transformers.js registers phi3_v as a causal LM):
 * the prompt holds num_img_tokens negative image ids; exactly max_new_tokens new ids in the
 * vocabulary, equal to greedy decoding on the raw sessions, the same twice, and the same for each
 * image alone as in a left-padded batch of two.
 */
export async function checkPhi3vGenerate(h: Harness, facts: Phi3vFacts): Promise<Record<string, unknown>> {
  const { tf, modelId, device } = await h.pipelineEnv();
  const processor: ((
    t: string | string[],
    i: unknown,
  ) => Promise<Record<string, TfTensor> & { num_img_tokens: number[] }>) & {
    tokenizer?: { decode(ids: number[], o: object): string };
  } = await tf.AutoProcessor.from_pretrained(modelId);
  const model = await tf.AutoModelForCausalLM.from_pretrained(modelId, { device: device as 'cpu', dtype: 'fp32' });
  try {
    const image = rawImages<InstanceType<typeof tf.RawImage>>(tf, { imageSize: CROP, channels: 3 })[0];
    const inputs = await processor(facts.prompt, image);
    const prompt = rowsOf(inputs.input_ids!)[0]!;
    const sizes = Array.from(inputs.image_sizes!.data as ArrayLike<bigint>, Number);
    const want = hdTokens(facts, sizes[0]!, sizes[1]!);
    const imageTokens = prompt.filter((x) => x === -facts.imageTokenId).length;
    expectThat(
      imageTokens === want,
      `the processor put ${imageTokens} (negative) image tokens in the prompt, expected ${want} for a ${sizes[0]}x${sizes[1]} image`,
    );
    const run = async () => await generateGreedy(model, inputs, NEW_TOKENS);
    const out = await run();
    expectThat(
      out.dims.join() === [1, prompt.length + NEW_TOKENS].join(),
      `generate returned [${out.dims}], expected [1, ${prompt.length + NEW_TOKENS}] (prompt ${prompt.length} + max_new_tokens ${NEW_TOKENS})`,
    );
    const row = rowsOf(out)[0]!;
    const fresh = newIdsAfterPrompt(row, prompt, facts.vocabSize);
    const raw = await rawGreedyPhi3v(
      h,
      facts,
      prompt,
      { pixel_values: plain(inputs.pixel_values!), image_sizes: plain(inputs.image_sizes!) },
      NEW_TOKENS,
    );
    expectThat(
      raw.tokens.join() === fresh.join(),
      `transformers.js generated ${fresh}, greedy decoding on the raw sessions gives ${raw.tokens}`,
    );
    expectThat(
      rowsOf(await run())[0]!.join() === row.join(),
      'the same image and prompt generated different tokens on a second call',
    );
    // A batch of two prompts with two images of different sizes (different image token counts, so the processor pads on the left).
    const other = rawImages<InstanceType<typeof tf.RawImage>>(tf, { imageSize: CROP, channels: 3 })[1];
    const gen = async (texts: string[], imgs: unknown[]) => {
      const i = await processor(texts, imgs);
      return rowsOf(await generateGreedy(model, i, NEW_TOKENS));
    };
    const alone1 = (await gen([facts.prompt], [other]))[0]!;
    const both = await gen([facts.prompt, facts.prompt], [image, other]);
    const pad = Number(h.config.pad_token_id);
    const unpad = (r: number[]) => r.slice(r.findIndex((x) => x !== pad));
    expectThat(
      both.length === 2 && unpad(both[0]!).join() === row.join() && unpad(both[1]!).join() === alone1.join(),
      `a batch of two images generated ${JSON.stringify(both)}, alone they give ${JSON.stringify([row, alone1])}`,
    );
    const text = processorPart(processor.tokenizer, 'tokenizer').decode(fresh, { skip_special_tokens: false });
    expectThat(typeof text === 'string', 'the tokenizer could not decode the generated ids');
    for (const m of ['prefill_ms', 'decode_ms_per_token', 'tokens_per_s'] as const) h.metric(m, raw[m]);
    return { promptTokens: prompt.length, imageTokens, imageSizes: sizes, generated: fresh, text };
  } finally {
    await model.dispose();
  }
}
