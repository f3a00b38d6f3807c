import type { Feeds, TensorData } from '@hf-core/core';
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
  tone,
  toNumbers,
  type Harness,
  fromTfTensor as plain,
  idRows as rowsOf,
  generationMetrics,
  argmax,
  newIdsAfterPrompt,
  timedSection,
} from '@hf-core/harness';
import { imageInputs, rawImages, type TfTensor } from './images.ts';

/** Facts a Gemma 3n test is rendered with. */
export interface Gemma3nFacts {
  kind: 'gemma3n';
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
  imageTokens: number;
  audioTokens: number;
  imageTokenId: number;
  audioTokenId: number;
  imagePrompt: string;
  audioPrompt: string;
}

export const GEMMA3N_FILES = {
  embed: 'onnx/embed_tokens.onnx',
  vision: 'onnx/vision_encoder.onnx',
  audio: 'onnx/audio_encoder.onnx',
  decoder: 'onnx/decoder_model_merged.onnx',
} as const;
/** Half a second of 16 kHz audio: 8064 samples after padding to 128, 48 frames of 512 with hop 160. */
const CLIP_SECONDS = 0.5;
const CLIP_FRAMES = 48;

export async function gemma3nSessions(h: Harness) {
  return {
    embed: await h.session(GEMMA3N_FILES.embed),
    vision: await h.session(GEMMA3N_FILES.vision),
    audio: await h.session(GEMMA3N_FILES.audio),
    decoder: await h.session(GEMMA3N_FILES.decoder),
  };
}

export function gemma3nIds(facts: Pick<Gemma3nFacts, 'vocabSize'>, rows: number, seq: number, seed = 1): TensorData {
  const rng = new SeededFeeds(seed);
  return tensor(
    'int64',
    Array.from({ length: rows * seq }, () => rng.int(5, facts.vocabSize)),
    [rows, seq],
  );
}

export function gemma3nAudioFeeds(facts: Gemma3nFacts, rows: number, frames: number, seed: number): Feeds {
  const rng = new SeededFeeds(seed);
  return {
    input_features: tensor(
      'float32',
      Array.from({ length: rows * frames * facts.mels }, () => rng.float()),
      [rows, frames, facts.mels],
    ),
    input_features_mask: tensor('bool', new Array(rows * frames).fill(1), [rows, frames]),
  };
}

export const gemma3nVisionFeeds = (facts: Gemma3nFacts, rows: number, seed: number): Feeds =>
  imageInputs(facts, rows, seed);

/** Decoder feeds for a prompt with an empty cache. */
export function gemma3nDecoderFeeds(
  decoder: Awaited<ReturnType<typeof gemma3nSessions>>['decoder'],
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

/** Output names and shapes of the four sessions. */
export async function checkGemma3nShapes(h: Harness, facts: Gemma3nFacts): Promise<Record<string, unknown>> {
  const { embed, vision, audio, decoder } = await gemma3nSessions(h);
  const e = await embed.run({ input_ids: gemma3nIds(facts, 2, 6) });
  assertOutputShapes(e, {
    inputs_embeds: [2, 6, facts.hidden],
    per_layer_inputs: [2, 6, facts.layers, facts.perLayer],
  });
  assertOutputShapes(await vision.run(gemma3nVisionFeeds(facts, 2, 3)), {
    image_features: [2, facts.imageTokens, facts.hidden],
  });
  assertOutputShapes(await audio.run(gemma3nAudioFeeds(facts, 2, CLIP_FRAMES, 4)), {
    audio_features: [2, facts.audioTokens, facts.hidden],
  });
  const expected: Record<string, number[]> = { logits: [2, 6, facts.vocabSize] };
  for (let l = 0; l < facts.layers; l++)
    for (const kv of ['key', 'value']) expected[`present.${l}.${kv}`] = [2, facts.kvHeads, 6, facts.headDim];
  assertOutputShapes(await decoder.run(gemma3nDecoderFeeds(decoder, e.inputs_embeds!, e.per_layer_inputs!)), expected);
  return { files: Object.values(GEMMA3N_FILES) };
}

/** KV cache (with per_layer_inputs each step): logits step by step equal one full forward. */
export async function checkGemma3nKvCache(
  h: Harness,
  facts: Pick<Gemma3nFacts, 'vocabSize'>,
  tol = 1e-4,
): Promise<Record<string, unknown>> {
  const { embed, decoder } = await gemma3nSessions(h);
  const all = toNumbers(gemma3nIds(facts, 1, 8, 21));
  const embedOf = async (from: number, to: number) =>
    embed.run({ input_ids: tensor('int64', all.slice(from, to), [1, to - from]) });
  const e8 = await embedOf(0, 8);
  const full = await decoder.run(gemma3nDecoderFeeds(decoder, e8.inputs_embeds!, e8.per_layer_inputs!));
  const e4 = await embedOf(0, 4);
  let out = await decoder.run(gemma3nDecoderFeeds(decoder, e4.inputs_embeds!, e4.per_layer_inputs!));
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
export async function checkGemma3nPerLayer(
  h: Harness,
  facts: Pick<Gemma3nFacts, 'vocabSize'>,
): Promise<Record<string, unknown>> {
  const { embed, decoder } = await gemma3nSessions(h);
  const e = await embed.run({ input_ids: gemma3nIds(facts, 1, 5, 8) });
  const a = (await decoder.run(gemma3nDecoderFeeds(decoder, e.inputs_embeds!, e.per_layer_inputs!))).logits!;
  const zero: TensorData = {
    type: 'float32',
    dims: e.per_layer_inputs!.dims,
    data: new Float32Array(toNumbers(e.per_layer_inputs!).length),
  };
  const b = (await decoder.run(gemma3nDecoderFeeds(decoder, e.inputs_embeds!, zero))).logits!;
  const d = maxAbsDiff(a, b);
  expectThat(d > 1e-4, `the decoder's logits do not depend on per_layer_inputs (max change ${d} when they are zeroed)`);
  return { maxAbsDiff: d };
}

type Gemma3nProcessor = ((
  text: string | string[],
  images?: unknown,
  audio?: unknown,
) => Promise<Record<string, TfTensor>>) & {
  image_processor: (images: unknown) => Promise<Record<string, TfTensor>>;
  feature_extractor: (audio: Float32Array) => Promise<Record<string, TfTensor>>;
};

const configAt = (c: Record<string, unknown>, k: string) => (c[k] ?? {}) as Record<string, unknown>;

/**
 * Image processor: pixel_values [n, 3, size, size] with vision_config.image_size; audio feature extractor:
 * input_features [1, frames, audio_config.input_feat_size] and a mask [1, frames].
 */
export async function checkGemma3nProcessor(h: Harness, facts: Gemma3nFacts): Promise<Record<string, unknown>> {
  const { tf, modelId } = await h.pipelineEnv();
  const size = Number(configAt(h.config, 'vision_config').image_size);
  const mels = Number(configAt(h.config, 'audio_config').input_feat_size);
  expectThat(
    size === facts.imageSize && mels === facts.mels,
    `config.json states image_size ${size} / input_feat_size ${mels}, the test was generated for ${facts.imageSize} / ${facts.mels}`,
  );
  const processor = (await tf.AutoProcessor.from_pretrained(modelId)) as unknown as Gemma3nProcessor;
  const images = rawImages<InstanceType<typeof tf.RawImage>>(tf, facts);
  for (const batch of [[images[0]], images]) {
    const { pixel_values } = await processor.image_processor(batch);
    const want = [batch.length, 3, size, size];
    expectThat(
      pixel_values!.dims.join() === want.join(),
      `processor gave pixel_values [${pixel_values!.dims}] for ${batch.length} image(s), expected [${want}]`,
    );
  }
  const a = await processor.feature_extractor(tone(440, CLIP_SECONDS));
  expectThat(
    a.input_features!.dims.join() === [1, CLIP_FRAMES, mels].join(),
    `the feature extractor gave input_features [${a.input_features!.dims}], expected [1, ${CLIP_FRAMES}, ${mels}]`,
  );
  expectThat(
    a.input_features_mask!.dims.join() === [1, CLIP_FRAMES].join(),
    `input_features_mask is [${a.input_features_mask!.dims}], expected [1, ${CLIP_FRAMES}]`,
  );
  expectThat(
    Array.from(a.input_features!.data as ArrayLike<number>).every(Number.isFinite),
    'the feature extractor gave non-finite values',
  );
  return { pixelValues: [1, 3, size, size], inputFeatures: [...a.input_features!.dims] };
}

/** Greedy decoding on the raw sessions as Gemma3nForConditionalGeneration runs it. */
export async function rawGreedyGemma3n(
  h: Harness,
  facts: Pick<Gemma3nFacts, 'hidden' | 'imageTokenId' | 'audioTokenId'>,
  inputIds: number[],
  modality: { image?: Feeds; audio?: Feeds },
  newTokens: number,
) {
  const { embed, vision, audio, decoder } = await gemma3nSessions(h);
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
  // The prefill and decode timings are one timed section: no other model of the run is timed meanwhile.
  return timedSection(async () => {
    let t0 = performance.now();
    let out = await decoder.run(
      gemma3nDecoderFeeds(decoder, { type: 'float32', dims: e.inputs_embeds!.dims, data: merged }, e.per_layer_inputs!),
    );
    const prefill = performance.now() - t0;
    // How much the modality features move the last prompt logits (the comparison with transformers.js means little if they do not).
    const textOnly = await decoder.run(gemma3nDecoderFeeds(decoder, e.inputs_embeds!, e.per_layer_inputs!));
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
  });
}

const NEW_TOKENS = 6;

/**
 * Gemma3nProcessor + AutoModelForImageTextToText.generate, once with an image and once with an audio
 * clip: the prompt holds image_seq_length / audio_seq_length soft tokens; exactly max_new_tokens new
 * ids in the vocabulary, equal to greedy decoding on the raw sessions, the same twice.
 */
export async function checkGemma3nGenerate(h: Harness, facts: Gemma3nFacts): Promise<Record<string, unknown>> {
  const { tf, modelId, device } = await h.pipelineEnv();
  const processor = (await tf.AutoProcessor.from_pretrained(modelId)) as unknown as Gemma3nProcessor;
  const model = await tf.AutoModelForImageTextToText.from_pretrained(modelId, {
    device: device as 'cpu',
    dtype: 'fp32',
  });
  try {
    const result: Record<string, unknown> = {};
    const image = rawImages<InstanceType<typeof tf.RawImage>>(tf, facts)[0];
    for (const kind of ['image', 'audio'] as const) {
      const inputs =
        kind === 'image'
          ? await processor(facts.imagePrompt, image)
          : await processor(facts.audioPrompt, null, tone(440, CLIP_SECONDS));
      const prompt = rowsOf(inputs.input_ids!)[0]!;
      const [tokenId, want] =
        kind === 'image' ? [facts.imageTokenId, facts.imageTokens] : [facts.audioTokenId, facts.audioTokens];
      const count = prompt.filter((x) => x === tokenId).length;
      expectThat(
        count === want,
        `the processor put ${count} ${kind} tokens in the prompt, expected ${want} (one per ${kind} feature)`,
      );
      const run = async () =>
        rowsOf(
          (await model.generate({
            ...inputs,
            max_new_tokens: NEW_TOKENS,
            min_new_tokens: NEW_TOKENS,
            do_sample: false,
          } as never)) as unknown as TfTensor,
        )[0]!;
      const row = await run();
      expectThat(
        row.length === prompt.length + NEW_TOKENS,
        `generate (${kind}) returned ${row.length} ids, expected ${prompt.length + NEW_TOKENS} (prompt ${prompt.length} + max_new_tokens ${NEW_TOKENS})`,
      );
      const fresh = newIdsAfterPrompt(row, prompt, facts.vocabSize, `generate (${kind})`);
      const modality =
        kind === 'image'
          ? { image: { pixel_values: plain(inputs.pixel_values!) } }
          : {
              audio: {
                input_features: plain(inputs.input_features!),
                input_features_mask: plain(inputs.input_features_mask!),
              },
            };
      const raw = await rawGreedyGemma3n(h, facts, prompt, modality, NEW_TOKENS);
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
