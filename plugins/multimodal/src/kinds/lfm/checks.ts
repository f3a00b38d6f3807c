import type { Feeds, TensorData } from '@hf-core/core';
import {
  assertOutputShapes,
  expectThat,
  logitsAt,
  maxAbsDiff,
  pastNameOf,
  positionIdsFromMask,
  SeededFeeds,
  SkipCheck,
  tensor,
  toNumbers,
  type Harness,
  fromTfTensor as plain,
  idRows as rowsOf,
  generationMetrics,
  newIdsAfterPrompt,
  generateGreedy,
  processorPart,
} from '@hf-core/harness';
import { decoderFeeds, idsFeeds, VLM_FILES, vlmSessions, type VlmFacts } from '../vlm/checks.ts';
import { rawImages, type TfTensor } from '../../shared/images.ts';

/** Facts an LFM2-VL / LFM3-VL test is rendered with (kind 'lfm' picks its template; the rest is what the VLM helpers read). */
export interface LfmFacts extends Omit<VlmFacts, 'kind'> {
  kind: 'lfm';
  lfm: {
    variant: 'lfm2' | 'lfm3';
    /** Decoder layers whose cache is a conv state past_conv.i [b, hidden, kernel - 1]. */
    convLayers: number[];
    kernel: number;
    patchSize: number;
    /** lfm2: patches per tile after padding (pixel_values [tiles, maxPatches, patchDim]). */
    maxPatches: number;
    patchDim: number;
    /** Patches merged per side into one feature (lfm2 downsample_factor, lfm3 merge_size). */
    downsample: number;
    /** lfm3: the 64x48 test image's grid [t, h, w]. */
    grid?: [number, number, number];
  };
}

/**
 * Vision encoder feeds: lfm2, `rows` tiles of h x w valid patches (seeded values, padding zeros,
 * as the processor pads) with their mask and spatial shapes; lfm3, one image's patches + grid.
 */
export function lfmVisionFeeds(
  facts: LfmFacts,
  rows: number,
  seed: number,
  shapes: [number, number][] = [
    [6, 8],
    [8, 6],
  ],
  padValue = 0,
): Feeds {
  const f = facts.lfm;
  const rng = new SeededFeeds(seed);
  if (f.variant === 'lfm3') {
    const n = f.grid!.reduce((a, b) => a * b, 1);
    return {
      pixel_values: tensor(
        'float32',
        Array.from({ length: n * f.patchDim }, () => rng.float()),
        [n, f.patchDim],
      ),
      image_grid_thw: tensor('int64', f.grid!, [1, 3]),
    };
  }
  const values: number[] = [];
  const mask: number[] = [];
  const spatial: number[] = [];
  for (let r = 0; r < rows; r++) {
    const [hh, ww] = shapes[r % shapes.length]!;
    for (let i = 0; i < f.maxPatches; i++) {
      const valid = i < hh * ww;
      mask.push(valid ? 1 : 0);
      for (let k = 0; k < f.patchDim; k++) values.push(valid ? rng.float() : padValue);
    }
    spatial.push(hh, ww);
  }
  return {
    pixel_values: tensor('float32', values, [rows, f.maxPatches, f.patchDim]),
    pixel_attention_mask: tensor('int64', mask, [rows, f.maxPatches]),
    spatial_shapes: tensor('int64', spatial, [rows, 2]),
  };
}

const tokensOf = (facts: LfmFacts, rows: number) =>
  facts.lfm.variant === 'lfm3' ? facts.imageTokens : rows * facts.imageTokens;

/** Output names and shapes: image_features [tokens, hidden]; decoder logits, present_conv.i [b, hidden, kernel-1] for conv layers, present.i.key/value for attention layers. */
export async function checkLfmShapes(h: Harness, facts: LfmFacts): Promise<Record<string, unknown>> {
  const { embed, vision, decoder } = await vlmSessions(h);
  const e = await embed.run(idsFeeds(facts, 2, 6));
  assertOutputShapes(e, { inputs_embeds: [2, 6, facts.hidden] });
  assertOutputShapes(await vision.run(lfmVisionFeeds(facts, 2, 3)), {
    image_features: [tokensOf(facts, 2), facts.hidden],
  });
  const expected: Record<string, number[]> = { logits: [2, 6, facts.vocabSize] };
  for (let l = 0; l < facts.layers; l++) {
    if (facts.lfm.convLayers.includes(l)) expected[`present_conv.${l}`] = [2, facts.hidden, facts.lfm.kernel - 1];
    else for (const kv of ['key', 'value']) expected[`present.${l}.${kv}`] = [2, facts.kvHeads, 6, facts.headDim];
  }
  assertOutputShapes(await decoder.run(decoderFeeds(decoder, facts, e.inputs_embeds!)), expected);
  return { files: Object.values(VLM_FILES) };
}

/**
 * LFM2-VL tiles: each tile encoded alone equals its rows of a two-tile batch (tiles of different
 * spatial shapes), and the values in padded patch slots do not change the features.
 */
export async function checkLfmVisionBatch(h: Harness, facts: LfmFacts, tol = 1e-4): Promise<Record<string, unknown>> {
  if (facts.lfm.variant === 'lfm3')
    throw new SkipCheck(
      "LFM3-VL's Qwen2-VL image processor patchifies one image per vision call (its grid input describes one image)",
    );
  const { vision } = await vlmSessions(h);
  const both = toNumbers((await vision.run(lfmVisionFeeds(facts, 2, 11))).image_features!);
  const batchFeeds = lfmVisionFeeds(facts, 2, 11);
  const row = (r: number): Feeds => {
    const f = facts.lfm;
    const slice = (t: TensorData, per: number) =>
      tensor(t.type as 'float32', toNumbers(t).slice(r * per, (r + 1) * per), [1, ...t.dims.slice(1)]);
    return {
      pixel_values: slice(batchFeeds.pixel_values!, f.maxPatches * f.patchDim),
      pixel_attention_mask: slice(batchFeeds.pixel_attention_mask!, f.maxPatches),
      spatial_shapes: slice(batchFeeds.spatial_shapes!, 2),
    };
  };
  const alone = [
    ...toNumbers((await vision.run(row(0))).image_features!),
    ...toNumbers((await vision.run(row(1))).image_features!),
  ];
  expectThat(
    alone.length === both.length,
    `two tiles alone give ${alone.length / facts.hidden} features, together ${both.length / facts.hidden}`,
  );
  const d = maxAbsDiff(
    { type: 'float32', dims: [alone.length], data: Float32Array.from(alone) },
    { type: 'float32', dims: [both.length], data: Float32Array.from(both) },
  );
  expectThat(d <= tol, `two tiles encoded together differ from each alone by ${d} (tolerance ${tol})`);
  const noisy = toNumbers((await vision.run(lfmVisionFeeds(facts, 2, 11, undefined, 5))).image_features!);
  const p = maxAbsDiff(
    { type: 'float32', dims: [noisy.length], data: Float32Array.from(noisy) },
    { type: 'float32', dims: [both.length], data: Float32Array.from(both) },
  );
  expectThat(
    p <= tol,
    `values in padded patch slots (pixel_attention_mask 0) changed the image features by ${p}; the encoder must attend only to valid patches`,
  );
  return { maxAbsDiff: d, paddingDiff: p };
}

const configAt = (c: Record<string, unknown>, k: string) => (c[k] ?? {}) as Record<string, unknown>;

/**
 * The image processor on the 64x48 test image: lfm2, pixel_values [1, max patches, 3*p*p] with
 * patch_size and channels from config.json's vision_config, a mask of h*w ones and spatial
 * shapes (h, w) whose unshuffled features equal the image tokens; lfm3, patches [t*h*w,
 * 3*T*p*p] with the grid.
 */
export async function checkLfmProcessor(h: Harness, facts: LfmFacts): Promise<Record<string, unknown>> {
  const { tf, modelId } = await h.pipelineEnv();
  const vision = configAt(h.config, 'vision_config');
  const f = facts.lfm;
  const loaded = await tf.AutoProcessor.from_pretrained(modelId);
  const processor: (images: unknown) => Promise<Record<string, TfTensor>> = processorPart(
    loaded.image_processor,
    'image_processor',
  );
  const images = rawImages<InstanceType<typeof tf.RawImage>>(tf, facts);
  if (f.variant === 'lfm3') {
    const dim = Number(vision.in_channels ?? 3) * Number(vision.temporal_patch_size) * Number(vision.patch_size) ** 2;
    expectThat(
      dim === f.patchDim,
      `config.json vision_config gives patches of ${dim} values, the test was generated for ${f.patchDim}`,
    );
    const out = await processor(images[0]);
    const grid = Array.from(out.image_grid_thw!.data as ArrayLike<bigint>, Number);
    expectThat(grid.join() === f.grid!.join(), `image_grid_thw is [${grid}] for a 64x48 image, expected [${f.grid}]`);
    expectThat(
      out.pixel_values!.dims.join() === [grid.reduce((a, b) => a * b, 1), dim].join(),
      `pixel_values are [${out.pixel_values!.dims}], expected [${grid.reduce((a, b) => a * b, 1)}, ${dim}]`,
    );
    return { pixelValues: [...out.pixel_values!.dims], grid };
  }
  const dim = Number(vision.num_channels ?? 3) * Number(vision.patch_size) ** 2;
  expectThat(
    dim === f.patchDim,
    `config.json vision_config gives patches of ${dim} values, the test was generated for ${f.patchDim}`,
  );
  const shapes: number[][] = [];
  for (const batch of [[images[0]], images]) {
    const out = await processor(batch);
    const want = [batch.length, f.maxPatches, dim];
    expectThat(
      out.pixel_values!.dims.join() === want.join(),
      `processor gave pixel_values [${out.pixel_values!.dims}] for ${batch.length} image(s), expected [${want}]`,
    );
    expectThat(
      Array.from(out.pixel_values!.data as ArrayLike<number>).every(Number.isFinite),
      'processor gave non-finite pixel values',
    );
    const spatial = Array.from(out.spatial_shapes!.data as ArrayLike<bigint>, Number);
    const mask = Array.from(out.pixel_attention_mask!.data as ArrayLike<bigint>, Number);
    for (let r = 0; r < batch.length; r++) {
      const [hh, ww] = [spatial[2 * r]!, spatial[2 * r + 1]!];
      const ones = mask.slice(r * f.maxPatches, (r + 1) * f.maxPatches).reduce((a, b) => a + b, 0);
      expectThat(
        ones === hh * ww,
        `image ${r}: pixel_attention_mask has ${ones} valid patches, spatial_shapes says ${hh}x${ww}`,
      );
      const tokens = Math.ceil(hh / f.downsample) * Math.ceil(ww / f.downsample);
      expectThat(
        tokens === facts.imageTokens,
        `image ${r}: ${hh}x${ww} patches give ${tokens} features, the test expects ${facts.imageTokens}`,
      );
    }
    shapes.push([...out.pixel_values!.dims], spatial);
  }
  return { shapes };
}

const NEW_TOKENS = 6;

/**
 * Greedy decoding on the raw sessions as transformers.js runs an LLaVA-style model: embed the
 * prompt, put the image features at the image tokens, decode feeding present_conv / present.*
 * back; the end-of-sequence ids are masked until `newTokens` (generate's min_new_tokens).
 */
export async function lfmRawGreedy(
  h: Harness,
  facts: LfmFacts,
  inputIds: number[],
  visionIn: Feeds,
  newTokens: number,
  eos: number[],
) {
  const { embed, vision, decoder } = await vlmSessions(h);
  const embeds = (await embed.run({ input_ids: tensor('int64', inputIds, [1, inputIds.length]) })).inputs_embeds!;
  const features = toNumbers((await vision.run(visionIn)).image_features!);
  const merged = Float32Array.from(toNumbers(embeds));
  let k = 0;
  inputIds.forEach((id, i) => {
    if (id === facts.imageTokenId) merged.set(features.slice(k++ * facts.hidden, k * facts.hidden), i * facts.hidden);
  });
  expectThat(
    k * facts.hidden === features.length,
    `the prompt has ${k} image tokens but the encoder gave ${features.length / facts.hidden} features`,
  );
  let t0 = performance.now();
  let out = await decoder.run(decoderFeeds(decoder, facts, { type: 'float32', dims: embeds.dims, data: merged }));
  const prefill = performance.now() - t0;
  const tokens: number[] = [];
  const mask = [new Array(inputIds.length).fill(1) as number[]];
  t0 = performance.now();
  for (let i = 0; i < newTokens; i++) {
    const logits = toNumbers(logitsAt(out.logits!, 0, out.logits!.dims[1]! - 1)).map((x, id) =>
      eos.includes(id) ? -Infinity : x,
    );
    const next = logits.reduce((best, x, j, a) => (x > a[best]! ? j : best), 0);
    tokens.push(next);
    if (i + 1 === newTokens) break;
    mask[0]!.push(1);
    const feeds: Feeds = {
      inputs_embeds: (await embed.run({ input_ids: tensor('int64', [next], [1, 1]) })).inputs_embeds!,
      attention_mask: tensor('int64', mask[0]!, [1, mask[0]!.length]),
      position_ids: positionIdsFromMask(mask, 1, facts.positionStart),
    };
    for (const [name, v] of Object.entries(out)) if (name.startsWith('present')) feeds[pastNameOf(name)] = v;
    out = await decoder.run(feeds);
  }
  const decode = performance.now() - t0;
  return { tokens, ...generationMetrics(prefill, decode, newTokens - 1) };
}

/**
 * AutoProcessor + AutoModelForImageTextToText.generate: one image token per image feature,
 * exactly max_new_tokens new ids, equal to greedy decoding on the raw sessions (conv states
 * and keys/values fed back), the same twice; lfm2 also the same per image in a batch of two.
 */
export async function checkLfmGenerate(h: Harness, facts: LfmFacts): Promise<Record<string, unknown>> {
  const { tf, modelId, device } = await h.pipelineEnv();
  const processor: ((images: unknown, texts: string[]) => Promise<Record<string, TfTensor>>) & {
    tokenizer?: { decode(ids: number[], o: object): string };
  } = await tf.AutoProcessor.from_pretrained(modelId);
  const model = await tf.AutoModelForImageTextToText.from_pretrained(modelId, {
    device: device as 'cpu',
    dtype: 'fp32',
  });
  try {
    const images = rawImages<InstanceType<typeof tf.RawImage>>(tf, facts);
    const gen = async (imgs: unknown[]) => {
      const inputs = await processor(
        imgs.length === 1 ? imgs[0] : imgs,
        imgs.map(() => facts.prompt),
      );
      const out = await generateGreedy(model, inputs, NEW_TOKENS);
      return { inputs, rows: rowsOf(out), dims: out.dims };
    };
    const one = await gen([images[0]]);
    const prompt = rowsOf(one.inputs.input_ids!)[0]!;
    const imageTokens = prompt.filter((x) => x === facts.imageTokenId).length;
    expectThat(
      imageTokens === facts.imageTokens,
      `the processor put ${imageTokens} image tokens in the prompt, expected ${facts.imageTokens} (one per image feature)`,
    );
    expectThat(
      one.dims.join() === [1, prompt.length + NEW_TOKENS].join(),
      `generate returned [${one.dims}], expected [1, ${prompt.length + NEW_TOKENS}] (prompt ${prompt.length} + max_new_tokens ${NEW_TOKENS})`,
    );
    const fresh = newIdsAfterPrompt(one.rows[0]!, prompt, facts.vocabSize);
    const visionIn: Feeds =
      facts.lfm.variant === 'lfm2'
        ? {
            pixel_values: plain(one.inputs.pixel_values!),
            pixel_attention_mask: plain(one.inputs.pixel_attention_mask!),
            spatial_shapes: plain(one.inputs.spatial_shapes!),
          }
        : { pixel_values: plain(one.inputs.pixel_values!), image_grid_thw: plain(one.inputs.image_grid_thw!) };
    // generate runs with min_new_tokens = max_new_tokens, so the end-of-sequence ids never win.
    const eosId = (configAt(h.config, 'text_config').eos_token_id ?? h.config.eos_token_id) as
      | number
      | number[]
      | undefined;
    const raw = await lfmRawGreedy(h, facts, prompt, visionIn, NEW_TOKENS, eosId === undefined ? [] : [eosId].flat());
    expectThat(
      raw.tokens.join() === fresh.join(),
      `transformers.js generated ${fresh}, greedy decoding on the raw sessions gives ${raw.tokens}`,
    );
    const again = await gen([images[0]]);
    expectThat(
      again.rows[0]!.join() === one.rows[0]!.join(),
      'the same image and prompt generated different tokens on a second call',
    );
    if (facts.lfm.variant === 'lfm2') {
      const alone1 = await gen([images[1]]);
      const both = await gen(images);
      expectThat(
        both.rows.length === 2 &&
          both.rows[0]!.join() === one.rows[0]!.join() &&
          both.rows[1]!.join() === alone1.rows[0]!.join(),
        `a batch of two images generated ${JSON.stringify(both.rows)}, alone they give ${JSON.stringify([one.rows[0], alone1.rows[0]])}`,
      );
    }
    const text = processorPart(processor.tokenizer, 'tokenizer').decode(fresh, { skip_special_tokens: false });
    for (const m of ['prefill_ms', 'decode_ms_per_token', 'tokens_per_s'] as const) h.metric(m, raw[m]);
    return { promptTokens: prompt.length, imageTokens, generated: fresh, text };
  } finally {
    await model.dispose();
  }
}
