import type { Feeds, TensorData } from '@hf-core/core';
import {
  argmax,
  emptyCache,
  expectThat,
  fromTfTensor as plain,
  generateGreedy,
  generationMetrics,
  idRows as rowsOf,
  logitsAt,
  maxAbsDiff,
  newIdsAfterPrompt,
  pastNameOf,
  positionIdsFromMask,
  SeededFeeds,
  tensor,
  tone,
  toNumbers,
  type Harness,
} from '@hf-core/harness';
import { rawImages, type TfTensor } from './images.ts';

/**
 * What Gemma 3n and Gemma 4 share in a test: the four sessions (embed_tokens with per-layer
 * inputs, vision and audio encoders, decoder_model_merged), their feeds, the per-layer and KV-cache
 * checks, raw greedy decoding, and image/audio generate through the processor.
 */

/** Facts both Gemma kinds are rendered with. */
export interface GemmaFacts {
  imageSize: number;
  channels: number;
  vocabSize: number;
  hidden: number;
  layers: number;
  kvHeads: number;
  headDim: number;
  /** per_layer_inputs width (text_config.hidden_size_per_layer_input). */
  perLayer: number;
  mels: number;
  imageTokenId: number;
  audioTokenId: number;
  imagePrompt: string;
  audioPrompt: string;
}

export const GEMMA_FILES = {
  embed: 'onnx/embed_tokens.onnx',
  vision: 'onnx/vision_encoder.onnx',
  audio: 'onnx/audio_encoder.onnx',
  decoder: 'onnx/decoder_model_merged.onnx',
} as const;
/** Half a second of 16 kHz audio: the clip the processor checks and generate use. */
export const GEMMA_CLIP_SECONDS = 0.5;

export async function gemmaSessions(h: Harness) {
  return {
    embed: await h.session(GEMMA_FILES.embed),
    vision: await h.session(GEMMA_FILES.vision),
    audio: await h.session(GEMMA_FILES.audio),
    decoder: await h.session(GEMMA_FILES.decoder),
  };
}

export function gemmaIds(facts: Pick<GemmaFacts, 'vocabSize'>, rows: number, seq: number, seed = 1): TensorData {
  const rng = new SeededFeeds(seed);
  return tensor(
    'int64',
    Array.from({ length: rows * seq }, () => rng.int(5, facts.vocabSize)),
    [rows, seq],
  );
}

/** Decoder feeds for a prompt with an empty cache. */
export function gemmaDecoderFeeds(
  decoder: Awaited<ReturnType<typeof gemmaSessions>>['decoder'],
  embeds: TensorData,
  perLayer: TensorData,
): Feeds {
  const [b, s] = embeds.dims as [number, number];
  const mask = Array.from({ length: b }, () => new Array(s).fill(1) as number[]);
  return {
    inputs_embeds: embeds,
    per_layer_inputs: perLayer,
    attention_mask: tensor('int64', mask.flat(), [b, s]),
    position_ids: positionIdsFromMask(mask, s, 0),
    ...emptyCache(decoder, b),
  };
}

/** KV cache (with per_layer_inputs each step): logits step by step equal one full forward. */
export async function checkGemmaKvCache(
  h: Harness,
  facts: Pick<GemmaFacts, 'vocabSize'>,
  tol = 1e-4,
): Promise<Record<string, unknown>> {
  const { embed, decoder } = await gemmaSessions(h);
  const all = toNumbers(gemmaIds(facts, 1, 8, 21));
  const embedOf = async (from: number, to: number) =>
    embed.run({ input_ids: tensor('int64', all.slice(from, to), [1, to - from]) });
  const e8 = await embedOf(0, 8);
  const full = await decoder.run(gemmaDecoderFeeds(decoder, e8.inputs_embeds!, e8.per_layer_inputs!));
  const e4 = await embedOf(0, 4);
  let out = await decoder.run(gemmaDecoderFeeds(decoder, e4.inputs_embeds!, e4.per_layer_inputs!));
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
    const e = await embedOf(t + 1, t + 2);
    const feeds: Feeds = {
      inputs_embeds: e.inputs_embeds!,
      per_layer_inputs: e.per_layer_inputs!,
      attention_mask: tensor('int64', mask[0]!, [1, t + 2]),
      position_ids: positionIdsFromMask(mask, 1, 0),
    };
    for (const [name, v] of Object.entries(out)) if (name.startsWith('present')) feeds[pastNameOf(name)] = v;
    out = await decoder.run(feeds);
  }
  return { maxAbsDiff: worst, steps: 4 };
}

/** per_layer_inputs reach the decoder: changing them changes the logits (transformers.js feeds them every step). */
export async function checkGemmaPerLayer(
  h: Harness,
  facts: Pick<GemmaFacts, 'vocabSize'>,
): Promise<Record<string, unknown>> {
  const { embed, decoder } = await gemmaSessions(h);
  const e = await embed.run({ input_ids: gemmaIds(facts, 1, 5, 8) });
  const a = (await decoder.run(gemmaDecoderFeeds(decoder, e.inputs_embeds!, e.per_layer_inputs!))).logits!;
  const zero: TensorData = {
    type: 'float32',
    dims: e.per_layer_inputs!.dims,
    data: new Float32Array(toNumbers(e.per_layer_inputs!).length),
  };
  const b = (await decoder.run(gemmaDecoderFeeds(decoder, e.inputs_embeds!, zero))).logits!;
  const d = maxAbsDiff(a, b);
  expectThat(d > 1e-4, `the decoder's logits do not depend on per_layer_inputs (max change ${d} when they are zeroed)`);
  return { maxAbsDiff: d };
}

/** Gemma3nProcessor / Gemma4Processor: text with an image or an audio clip, and their two processors. */
export type GemmaProcessor<ImageOut = Record<string, TfTensor>> = ((
  text: string | string[],
  images?: unknown,
  audio?: unknown,
) => Promise<Record<string, TfTensor>>) & {
  image_processor?: (images: unknown) => Promise<ImageOut>;
  feature_extractor?: (audio: Float32Array) => Promise<Record<string, TfTensor>>;
};

/** A nested config section (`vision_config`, `audio_config`), empty when absent. */
export const configAt = (c: Record<string, unknown>, k: string) => (c[k] ?? {}) as Record<string, unknown>;

/** Greedy decoding on the raw sessions as transformers.js runs Gemma 3n and Gemma 4. */
export async function rawGreedyGemma(
  h: Harness,
  facts: Pick<GemmaFacts, 'hidden' | 'imageTokenId' | 'audioTokenId'>,
  inputIds: number[],
  modality: { image?: Feeds; audio?: Feeds },
  newTokens: number,
) {
  const { embed, vision, audio, decoder } = await gemmaSessions(h);
  const e = await embed.run({ input_ids: tensor('int64', inputIds, [1, inputIds.length]) });
  const merged = Float32Array.from(toNumbers(e.inputs_embeds!));
  const put = (features: number[], tokenId: number, what: string) => {
    let k = 0;
    inputIds.forEach((id, i) => {
      if (id === tokenId) merged.set(features.slice(k++ * facts.hidden, k * facts.hidden), i * facts.hidden);
    });
    expectThat(
      k * facts.hidden === features.length,
      `the prompt has ${k} ${what} tokens but the encoder gave ${features.length / facts.hidden} features`,
    );
  };
  if (modality.image) put(toNumbers((await vision.run(modality.image)).image_features!), facts.imageTokenId, 'image');
  if (modality.audio) put(toNumbers((await audio.run(modality.audio)).audio_features!), facts.audioTokenId, 'audio');
  let t0 = performance.now();
  let out = await decoder.run(
    gemmaDecoderFeeds(decoder, { type: 'float32', dims: e.inputs_embeds!.dims, data: merged }, e.per_layer_inputs!),
  );
  const prefill = performance.now() - t0;
  // How much the modality features move the last prompt logits (the comparison with transformers.js means little if they do not).
  const textOnly = await decoder.run(gemmaDecoderFeeds(decoder, e.inputs_embeds!, e.per_layer_inputs!));
  const last = inputIds.length - 1;
  const featureEffect = maxAbsDiff(logitsAt(out.logits!, 0, last), logitsAt(textOnly.logits!, 0, last));
  const tokens: number[] = [];
  const mask = [new Array(inputIds.length).fill(1) as number[]];
  t0 = performance.now();
  for (let i = 0; i < newTokens; i++) {
    const next = argmax(logitsAt(out.logits!, 0, out.logits!.dims[1]! - 1));
    tokens.push(next);
    if (i + 1 === newTokens) break;
    mask[0]!.push(1);
    const n = await embed.run({ input_ids: tensor('int64', [next], [1, 1]) });
    const feeds: Feeds = {
      inputs_embeds: n.inputs_embeds!,
      per_layer_inputs: n.per_layer_inputs!,
      attention_mask: tensor('int64', mask[0]!, [1, mask[0]!.length]),
      position_ids: positionIdsFromMask(mask, 1, 0),
    };
    for (const [name, v] of Object.entries(out)) if (name.startsWith('present')) feeds[pastNameOf(name)] = v;
    out = await decoder.run(feeds);
  }
  const decode = performance.now() - t0;
  return { tokens, featureEffect, ...generationMetrics(prefill, decode, newTokens - 1) };
}

const NEW_TOKENS = 6;

/** What differs between the Gemma kinds in generate: how many soft tokens a modality gets, and the vision feeds. */
export interface GemmaGenerateSpec<ImageOut> {
  /** Soft tokens the prompt must hold for this image or clip (one per encoder feature). */
  expectedTokens(
    kind: 'image' | 'audio',
    processor: GemmaProcessor<ImageOut>,
    image: unknown,
    clip: Float32Array,
  ): Promise<number> | number;
  /** The vision encoder's feeds, from the processor's output for the image prompt. */
  imageFeeds(inputs: Record<string, TfTensor>): Feeds;
}

/**
 * The processor + AutoModelForImageTextToText.generate, once with an image and once with an audio
 * clip: the prompt holds the expected soft tokens; exactly max_new_tokens new ids in the vocabulary,
 * equal to greedy decoding on the raw sessions (whose modality features do move the logits), the
 * same twice.
 */
export async function checkGemmaGenerate<ImageOut>(
  h: Harness,
  facts: GemmaFacts,
  spec: GemmaGenerateSpec<ImageOut>,
): Promise<Record<string, unknown>> {
  const { tf, modelId, device } = await h.pipelineEnv();
  const processor: GemmaProcessor<ImageOut> = await tf.AutoProcessor.from_pretrained(modelId);
  const model = await tf.AutoModelForImageTextToText.from_pretrained(modelId, {
    device: device as 'cpu',
    dtype: 'fp32',
  });
  try {
    const result: Record<string, unknown> = {};
    const image = rawImages<InstanceType<typeof tf.RawImage>>(tf, facts)[0];
    const clip = tone(440, GEMMA_CLIP_SECONDS);
    for (const kind of ['image', 'audio'] as const) {
      const inputs =
        kind === 'image' ? await processor(facts.imagePrompt, image) : await processor(facts.audioPrompt, null, clip);
      const prompt = rowsOf(inputs.input_ids!)[0]!;
      const tokenId = kind === 'image' ? facts.imageTokenId : facts.audioTokenId;
      const want = await spec.expectedTokens(kind, processor, image, clip);
      const count = prompt.filter((x) => x === tokenId).length;
      expectThat(
        count === want,
        `the processor put ${count} ${kind} tokens in the prompt, expected ${want} (one per ${kind} feature)`,
      );
      const run = async () => rowsOf(await generateGreedy(model, inputs, NEW_TOKENS))[0]!;
      const row = await run();
      expectThat(
        row.length === prompt.length + NEW_TOKENS,
        `generate (${kind}) returned ${row.length} ids, expected ${prompt.length + NEW_TOKENS} (prompt ${prompt.length} + max_new_tokens ${NEW_TOKENS})`,
      );
      const fresh = newIdsAfterPrompt(row, prompt, facts.vocabSize, `generate (${kind})`);
      const modality =
        kind === 'image'
          ? { image: spec.imageFeeds(inputs) }
          : {
              audio: {
                input_features: plain(inputs.input_features!),
                input_features_mask: plain(inputs.input_features_mask!),
              },
            };
      const raw = await rawGreedyGemma(h, facts, prompt, modality, NEW_TOKENS);
      expectThat(
        raw.featureEffect > 1e-4,
        `the ${kind} features do not change the prompt's last logits (max change ${raw.featureEffect}), so generate cannot show they were merged`,
      );
      expectThat(
        raw.tokens.join() === fresh.join(),
        `transformers.js generated ${fresh} (${kind}), greedy decoding on the raw sessions gives ${raw.tokens}`,
      );
      expectThat(
        (await run()).join() === row.join(),
        `the same ${kind} and prompt generated different tokens on a second call`,
      );
      if (kind === 'image')
        for (const m of ['prefill_ms', 'decode_ms_per_token', 'tokens_per_s'] as const) h.metric(m, raw[m]);
      result[kind] = {
        promptTokens: prompt.length,
        modalityTokens: count,
        generated: fresh,
        featureEffect: raw.featureEffect,
      };
    }
    return result;
  } finally {
    await model.dispose();
  }
}
