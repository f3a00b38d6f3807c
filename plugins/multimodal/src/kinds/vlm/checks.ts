import type { EngineSession, Feeds, TensorData } from '@hf-core/core';
import {
  assertOutputShapes,
  checkBatchEquivalence,
  emptyCache,
  expectThat,
  logitsAt,
  maxAbsDiff,
  pastNameOf,
  positionIdsFromMask,
  SeededFeeds,
  SkipCheck,
  tensor,
  tone,
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
import { imageInputs, rawImages, type ImageFacts, type TfTensor } from '../../shared/images.ts';

/** Facts an image-text-to-text test is rendered with. */
export interface VlmFacts extends ImageFacts {
  kind: 'vlm';
  vocabSize: number;
  hidden: number;
  layers: number;
  kvHeads: number;
  headDim: number;
  /** Image features per image (= image tokens the processor puts in the prompt). */
  imageTokens: number;
  imageTokenId: number;
  prompt: string;
  positionStart: number;
  /** The processor takes (text, images) rather than (images, text) (Gemma 3, Qwen-VL). */
  textFirst: boolean;
  /** Hybrid decoders: layers whose cache is a conv state + recurrent state instead of keys/values. */
  hybrid?: { linear: number[]; convDim: number; heads: number; stateDim: number; kernel: number };
  /** Audio-text-to-text: audio_encoder over Whisper features [1, mels, frames] instead of a vision encoder. */
  audio?: { mels: number; frames: number; samples: number; timeMajor?: boolean };
}

/** What the session helpers read of the facts: any kind with the LLaVA-style session layout (lfm too). */
export type VlmLayout = Omit<VlmFacts, 'kind'>;

export const VLM_FILES = {
  embed: 'onnx/embed_tokens.onnx',
  vision: 'onnx/vision_encoder.onnx',
  decoder: 'onnx/decoder_model_merged.onnx',
} as const;

export const AUDIO_ENCODER_FILE = 'onnx/audio_encoder.onnx';

/** The model's sessions; `vision` is the modality encoder (vision_encoder, or audio_encoder for audio models). */
export async function vlmSessions(h: Harness, facts?: VlmLayout) {
  return {
    embed: await h.session(VLM_FILES.embed),
    vision: await h.session(facts ? encoderFile(facts) : VLM_FILES.vision),
    decoder: await h.session(VLM_FILES.decoder),
  };
}

/** The modality encoder's file: vision_encoder, or audio_encoder for audio models. */
export const encoderFile = (facts: VlmLayout) => (facts.audio ? AUDIO_ENCODER_FILE : VLM_FILES.vision);

const featuresName = (facts: VlmLayout) => (facts.audio ? 'audio_features' : 'image_features');

export function idsFeeds(facts: VlmLayout, rows: number, seq: number, seed = 1): Feeds {
  const rng = new SeededFeeds(seed);
  return {
    input_ids: tensor(
      'int64',
      Array.from({ length: rows * seq }, () => rng.int(5, facts.vocabSize)),
      [rows, seq],
    ),
  };
}

/** Text position ids from the mask (the last `n`); Qwen-VL's M-RoPE takes the same ids on all 3 rows. */
export function textPositions(facts: VlmLayout, mask: number[][], n: number): TensorData {
  const p = positionIdsFromMask(mask, n, facts.positionStart);
  if (!facts.patchInput) return p;
  const v = toNumbers(p);
  return tensor('int64', [...v, ...v, ...v], [3, ...p.dims]);
}

/** Decoder feeds for a prompt of `embeds` [b, s, hidden] with an empty cache. */
export function decoderFeeds(decoder: EngineSession, facts: VlmLayout, embeds: TensorData): Feeds {
  const [b, s] = embeds.dims as [number, number];
  const mask = Array.from({ length: b }, () => new Array(s).fill(1) as number[]);
  return {
    inputs_embeds: embeds,
    attention_mask: tensor('int64', mask.flat(), [b, s]),
    position_ids: textPositions(facts, mask, s),
    ...emptyCache(decoder, b),
  };
}

/** Vision encoder feeds: `rows` seeded images, or one image's flattened patches + grid (Qwen-VL). */
export function visionFeeds(facts: VlmLayout, rows: number, seed: number): Feeds {
  const q = facts.patchInput;
  if (facts.audio) {
    const rng = new SeededFeeds(seed);
    const a = facts.audio;
    const n = rows * a.mels * a.frames * (a.timeMajor ? 2 : 1);
    const values = Array.from({ length: n }, () => rng.float());
    if (!a.timeMajor) return { audio_values: tensor('float32', values, [rows, a.mels, a.frames]) };
    return { input_features: tensor('float32', values, [rows, a.frames, 2 * a.mels]) };
  }
  if (facts.tiles) {
    const { pixel_values } = imageInputs(facts, rows * facts.tiles, seed);
    const dims = [rows, facts.tiles, facts.channels, facts.imageSize, facts.imageSize];
    return {
      pixel_values: { ...pixel_values!, dims },
      pixel_attention_mask: tensor('bool', new Array(rows * facts.tiles * facts.imageSize ** 2).fill(1), [
        rows,
        facts.tiles,
        facts.imageSize,
        facts.imageSize,
      ]),
    };
  }
  if (!q) return imageInputs(facts, rows, seed);
  const rng = new SeededFeeds(seed);
  const n = q.grid.reduce((a, b) => a * b, 1);
  return {
    pixel_values: tensor(
      'float32',
      Array.from({ length: n * q.dim }, () => rng.float()),
      [n, q.dim],
    ),
    [q.gridName]: tensor('int64', q.grid, [1, 3]),
  };
}

/** Each of two images encoded alone equals its row of the two-image batch. */
export async function checkVisionBatch(h: Harness, facts: VlmLayout): Promise<Record<string, unknown>> {
  if (facts.patchInput)
    throw new SkipCheck(
      "transformers.js's Qwen2VLImageProcessor stacks several images as temporal frames of one grid, so the vision encoder takes one image per call",
    );
  return checkBatchEquivalence((await vlmSessions(h, facts)).vision, visionFeeds(facts, 2, 6));
}

/** Every session's outputs have the documented names and shapes. */
export async function checkVlmShapes(h: Harness, facts: VlmLayout): Promise<Record<string, unknown>> {
  const { embed, vision, decoder } = await vlmSessions(h, facts);
  const e = await embed.run(idsFeeds(facts, 2, 6));
  assertOutputShapes(e, { inputs_embeds: [2, 6, facts.hidden] });
  assertOutputShapes(await vision.run(visionFeeds(facts, 2, 3)), {
    [featuresName(facts)]: facts.patchInput ? [facts.imageTokens, facts.hidden] : [2, facts.imageTokens, facts.hidden],
  });
  const d = await decoder.run(decoderFeeds(decoder, facts, e.inputs_embeds!));
  const expected: Record<string, number[]> = { logits: [2, 6, facts.vocabSize] };
  const hy = facts.hybrid;
  for (let l = 0; l < facts.layers; l++) {
    if (hy?.linear.includes(l)) {
      expected[`present_conv.${l}`] = [2, hy.convDim, hy.kernel - 1];
      expected[`present_recurrent.${l}`] = [2, hy.heads, hy.stateDim, facts.headDim];
    } else for (const kv of ['key', 'value']) expected[`present.${l}.${kv}`] = [2, facts.kvHeads, 6, facts.headDim];
  }
  assertOutputShapes(d, expected);
  return { files: Object.values(VLM_FILES) };
}

/**
 * KV-cache consistency through inputs_embeds: logits of each position computed step by step
 * (prefill, then one token at a time feeding present back as past) equal one full forward.
 */
export async function checkEmbedsKvCache(h: Harness, facts: VlmLayout, tol = 1e-4): Promise<Record<string, unknown>> {
  const { embed, decoder } = await vlmSessions(h, facts);
  const ids = idsFeeds(facts, 1, 8, 21);
  const all = toNumbers(ids.input_ids!);
  const embedOf = async (from: number, to: number) =>
    (await embed.run({ input_ids: tensor('int64', all.slice(from, to), [1, to - from]) })).inputs_embeds!;
  const full = await decoder.run(decoderFeeds(decoder, facts, await embedOf(0, 8)));
  const prefill = 4;
  let out = await decoder.run(decoderFeeds(decoder, facts, await embedOf(0, prefill)));
  let worst = 0;
  for (let t = prefill - 1; t < 8; t++) {
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
      position_ids: textPositions(facts, mask, 1),
    };
    for (const [name, v] of Object.entries(out)) if (name.startsWith('present')) feeds[pastNameOf(name)] = v;
    out = await decoder.run(feeds);
  }
  return { maxAbsDiff: worst, steps: 8 - prefill };
}

/**
 * Qwen2-VL M-RoPE positions of a prompt with one image, as transformers.js's get_rope_index
 * makes them: text counts up on all three rows; the image block holds (t, h, w) grid positions
 * after the text before it; text after the image resumes past the block's largest position.
 */
export function mropePositions(ids: number[], facts: VlmLayout): { rows: number[][]; max: number } {
  const q = facts.patchInput!;
  const [gt, gh, gw] = [q.grid[0], q.grid[1] / q.merge, q.grid[2] / q.merge];
  const start = ids.findIndex((x, i) => x === facts.imageTokenId && ids[i - 1] === q.visionStartId);
  expectThat(start > 0, 'the prompt has no <|vision_start|> followed by an image token');
  const rows: number[][] = [[], [], []];
  for (let i = 0; i < start; i++) for (const r of rows) r.push(i);
  for (let i = 0; i < gt * gh * gw; i++) {
    rows[0]!.push(start + Math.floor(i / (gh * gw)));
    rows[1]!.push(start + (Math.floor(i / gw) % gh));
    rows[2]!.push(start + (i % gw));
  }
  const next = start + Math.max(gt, gh, gw);
  for (let i = start + gt * gh * gw, k = 0; i < ids.length; i++, k++) for (const r of rows) r.push(next + k);
  return { rows, max: Math.max(...rows.flat()) };
}

/**
 * Greedy generation on the raw sessions, the way transformers.js runs an ImageTextToText model:
 * embed the prompt, put the image features at the image tokens, then decode with the cache.
 */
export async function rawGreedy(h: Harness, facts: VlmLayout, inputIds: number[], vision_: Feeds, newTokens: number) {
  const { embed, vision, decoder } = await vlmSessions(h, facts);
  const embeds = (await embed.run({ input_ids: tensor('int64', inputIds, [1, inputIds.length]) })).inputs_embeds!;
  const features = toNumbers((await vision.run(vision_))[featuresName(facts)]!);
  const merged = Float32Array.from(toNumbers(embeds));
  let k = 0;
  inputIds.forEach((id, i) => {
    if (id === facts.imageTokenId) merged.set(features.slice(k++ * facts.hidden, k * facts.hidden), i * facts.hidden);
  });
  expectThat(
    k * facts.hidden === features.length,
    `the prompt has ${k} modality tokens but the encoder gave ${features.length / facts.hidden} features`,
  );
  const prompt = decoderFeeds(decoder, facts, { type: 'float32', dims: embeds.dims, data: merged });
  const mrope = facts.patchInput ? mropePositions(inputIds, facts) : undefined;
  if (mrope) prompt.position_ids = tensor('int64', mrope.rows.flat(), [3, 1, inputIds.length]);
  let t0 = performance.now();
  let out = await decoder.run(prompt);
  const prefill = performance.now() - t0;
  const tokens: number[] = [];
  const mask = [new Array(inputIds.length).fill(1) as number[]];
  t0 = performance.now();
  for (let i = 0; i < newTokens; i++) {
    const next = argmax(logitsAt(out.logits!, 0, out.logits!.dims[1]! - 1));
    tokens.push(next);
    if (i + 1 === newTokens) break;
    mask[0]!.push(1);
    const pos = mrope
      ? tensor('int64', new Array(3).fill(mrope.max + i + 1), [3, 1, 1])
      : positionIdsFromMask(mask, 1, facts.positionStart);
    const feeds: Feeds = {
      inputs_embeds: (await embed.run({ input_ids: tensor('int64', [next], [1, 1]) })).inputs_embeds!,
      attention_mask: tensor('int64', mask[0]!, [1, mask[0]!.length]),
      position_ids: pos,
    };
    for (const [name, v] of Object.entries(out)) if (name.startsWith('present')) feeds[pastNameOf(name)] = v;
    out = await decoder.run(feeds);
  }
  const decode = performance.now() - t0;
  return { tokens, ...generationMetrics(prefill, decode, newTokens - 1) };
}

const NEW_TOKENS = 6;

/**
 * AutoProcessor + AutoModelForImageTextToText.generate: the prompt holds one image token per
 * image feature; greedy output is the prompt plus exactly max_new_tokens ids in the vocabulary,
 * equal to greedy decoding on the raw sessions, the same twice, and the same for each image
 * alone as in a batch of two.
 */
export async function checkGenerate(h: Harness, facts: VlmLayout): Promise<Record<string, unknown>> {
  const { tf, modelId, device } = await h.pipelineEnv();
  const processor: ((a: unknown, b: unknown) => Promise<Record<string, TfTensor>>) & {
    tokenizer?: { decode(ids: number[], o: object): string };
  } = await tf.AutoProcessor.from_pretrained(modelId);
  const auto = facts.audio ? tf.AutoModelForAudioTextToText : tf.AutoModelForImageTextToText;
  const model = await auto.from_pretrained(modelId, { device: device as 'cpu', dtype: 'fp32' });
  try {
    if (facts.audio) return await generateFromAudio(h, facts, processor, model);
    const images = rawImages<InstanceType<typeof tf.RawImage>>(tf, facts);
    const gen = async (imgs: unknown[]) => {
      // Idefics3-style processors take one list of images per prompt.
      const images_ = imgs.length === 1 ? imgs[0] : facts.tiles ? imgs.map((i) => [i]) : imgs;
      const texts = imgs.map(() => facts.prompt);
      const inputs = facts.textFirst ? await processor(texts, images_) : await processor(images_, texts);
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
    const visionIn: Feeds = { pixel_values: plain(one.inputs.pixel_values!) };
    if (facts.tiles) visionIn.pixel_attention_mask = plain(one.inputs.pixel_attention_mask!);
    if (facts.patchInput) visionIn[facts.patchInput.gridName] = plain(one.inputs.image_grid_thw!);
    const raw = await rawGreedy(h, facts, prompt, visionIn, NEW_TOKENS);
    expectThat(
      raw.tokens.join() === fresh.join(),
      `transformers.js generated ${fresh}, greedy decoding on the raw sessions gives ${raw.tokens}`,
    );
    const again = await gen([images[0]]);
    expectThat(
      again.rows[0]!.join() === one.rows[0]!.join(),
      'the same image and prompt generated different tokens on a second call',
    );
    // Qwen-VL's processor takes one image per prompt here (several images become video frames).
    const alone1 = facts.patchInput ? one : await gen([images[1]]);
    const both = facts.patchInput ? { rows: [one.rows[0]!, one.rows[0]!] } : await gen(images);
    expectThat(
      both.rows.length === 2 &&
        both.rows[0]!.join() === one.rows[0]!.join() &&
        both.rows[1]!.join() === alone1.rows[0]!.join(),
      `a batch of two images generated ${JSON.stringify(both.rows)}, alone they give ${JSON.stringify([one.rows[0], alone1.rows[0]])}`,
    );
    const text = processorPart(processor.tokenizer, 'tokenizer').decode(fresh, { skip_special_tokens: false });
    expectThat(typeof text === 'string', 'the tokenizer could not decode the generated ids');
    for (const m of ['prefill_ms', 'decode_ms_per_token', 'tokens_per_s'] as const) h.metric(m, raw[m]);
    return { promptTokens: prompt.length, imageTokens, generated: fresh, text };
  } finally {
    await model.dispose();
  }
}

/**
 * Audio-text-to-text generate (one clip: these processors take no batches): the prompt holds
 * one audio token per audio feature; exactly max_new_tokens new ids; equal to raw greedy
 * decoding; the same twice.
 */
async function generateFromAudio(
  h: Harness,
  facts: VlmLayout,
  processor: (t: string, a: Float32Array) => Promise<Record<string, TfTensor>>,
  model: { generate(o: object): Promise<unknown> },
): Promise<Record<string, unknown>> {
  const clip = tone(440, facts.audio!.samples / 16000);
  const inputs = await processor(facts.prompt, clip);
  const prompt = rowsOf(inputs.input_ids!)[0]!;
  const audioTokens = prompt.filter((x) => x === facts.imageTokenId).length;
  expectThat(
    audioTokens === facts.imageTokens,
    `the processor put ${audioTokens} audio tokens in the prompt, expected ${facts.imageTokens} (one per audio feature)`,
  );
  const run = async () => rowsOf(await generateGreedy(model, inputs, NEW_TOKENS));
  const rows = await run();
  expectThat(
    rows[0]!.length === prompt.length + NEW_TOKENS,
    `generate returned ${rows[0]!.length} ids, expected ${prompt.length + NEW_TOKENS} (prompt ${prompt.length} + max_new_tokens ${NEW_TOKENS})`,
  );
  const fresh = rows[0]!.slice(prompt.length);
  expectThat(
    fresh.every((t) => t >= 0 && t < facts.vocabSize),
    `generated ids ${fresh} are not all in the vocabulary`,
  );
  const audioIn: Feeds = facts.audio!.timeMajor
    ? { input_features: plain(inputs.input_features!) }
    : { audio_values: plain(inputs.audio_values!) };
  const raw = await rawGreedy(h, facts, prompt, audioIn, NEW_TOKENS);
  expectThat(
    raw.tokens.join() === fresh.join(),
    `transformers.js generated ${fresh}, greedy decoding on the raw sessions gives ${raw.tokens}`,
  );
  expectThat(
    (await run())[0]!.join() === rows[0]!.join(),
    'the same clip and prompt generated different tokens on a second call',
  );
  for (const m of ['prefill_ms', 'decode_ms_per_token', 'tokens_per_s'] as const) h.metric(m, raw[m]);
  return {
    promptTokens: prompt.length,
    audioTokens,
    generated: fresh,
    audioFeatures: [...(inputs.audio_values ?? inputs.input_features)!.dims],
  };
}
