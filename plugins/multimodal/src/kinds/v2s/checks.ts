import type { EngineSession, Feeds, TensorData } from '@hf-core/core';
import {
  assertOutputShapes,
  emptyCache,
  expectThat,
  logitsAt,
  maxAbsDiff,
  pastNameOf,
  SeededFeeds,
  tensor,
  type Harness,
  fromTfTensor as plain,
  idRows as rowsOf,
  generationMetrics,
  argmax,
  generatedTensor,
} from '@hf-core/harness';
import { imageInputs, rawImages, type ImageFacts, type TfTensor } from '../../shared/images.ts';

/** Facts an image-to-text (vision-encoder-decoder) test is rendered with. */
export interface V2sFacts extends ImageFacts {
  kind: 'v2s';
  vocabSize: number;
  encoderTokens: number;
  encoderHidden: number;
  layers: number;
  heads: number;
  headDim: number;
  /** decoder_start_token_id: the first decoder token of every caption. */
  startId: number;
}

export const V2S_FILES = { encoder: 'onnx/encoder_model.onnx', decoder: 'onnx/decoder_model_merged.onnx' } as const;

export async function v2sSessions(h: Harness) {
  return { encoder: await h.session(V2S_FILES.encoder), decoder: await h.session(V2S_FILES.decoder) };
}

/** Decoder feeds: new ids [b][s] after `cache` (empty when undefined), cross-attending `memory`. */
export function v2sDecoderFeeds(decoder: EngineSession, ids: number[][], memory: TensorData, cache?: Feeds): Feeds {
  return {
    input_ids: tensor('int64', ids.flat(), [ids.length, ids[0]!.length]),
    encoder_hidden_states: memory,
    ...(cache ?? emptyCache(decoder, ids.length)),
  };
}

const presentAsPast = (out: Record<string, TensorData>): Feeds =>
  Object.fromEntries(
    Object.entries(out)
      .filter(([n]) => n.startsWith('present'))
      .map(([n, v]) => [pastNameOf(n), v]),
  );

export function seededIds(facts: V2sFacts, rows: number, seq: number, seed = 1): number[][] {
  const rng = new SeededFeeds(seed);
  return Array.from({ length: rows }, () => Array.from({ length: seq }, () => rng.int(1, facts.vocabSize)));
}

export async function checkV2sShapes(h: Harness, facts: V2sFacts): Promise<Record<string, unknown>> {
  const { encoder, decoder } = await v2sSessions(h);
  const enc = await encoder.run(imageInputs(facts, 2, 3));
  assertOutputShapes(enc, { last_hidden_state: [2, facts.encoderTokens, facts.encoderHidden] });
  const out = await decoder.run(v2sDecoderFeeds(decoder, seededIds(facts, 2, 5), enc.last_hidden_state!));
  const expected: Record<string, number[]> = { logits: [2, 5, facts.vocabSize] };
  for (let l = 0; l < facts.layers; l++)
    for (const kv of ['key', 'value']) expected[`present.${l}.${kv}`] = [2, facts.heads, 5, facts.headDim];
  assertOutputShapes(out, expected);
  return { files: Object.values(V2S_FILES) };
}

/** Step-by-step decoding with the cache gives the logits of one full decoder forward. */
export async function checkV2sKvCache(h: Harness, facts: V2sFacts, tol = 1e-4): Promise<Record<string, unknown>> {
  const { encoder, decoder } = await v2sSessions(h);
  const memory = (await encoder.run(imageInputs(facts, 1, 12))).last_hidden_state!;
  const ids = seededIds(facts, 1, 8, 13)[0]!;
  const full = await decoder.run(v2sDecoderFeeds(decoder, [ids], memory));
  let out = await decoder.run(v2sDecoderFeeds(decoder, [ids.slice(0, 4)], memory));
  let worst = 0;
  for (let t = 3; t < ids.length; t++) {
    const d = maxAbsDiff(logitsAt(out.logits!, 0, out.logits!.dims[1]! - 1), logitsAt(full.logits!, 0, t));
    worst = Math.max(worst, Number.isNaN(d) ? Infinity : d);
    expectThat(
      d <= tol,
      `KV cache: decoder logits at position ${t} computed step by step differ from the full forward by ${d} (tolerance ${tol}); present must be past followed by the new positions`,
    );
    if (t + 1 < ids.length)
      out = await decoder.run(v2sDecoderFeeds(decoder, [[ids[t + 1]!]], memory, presentAsPast(out)));
  }
  return { maxAbsDiff: worst, steps: ids.length - 4 };
}

/** Greedy captioning on the raw sessions: encoder once, then the decoder from decoder_start_token_id with the cache. */
export async function rawCaption(h: Harness, facts: V2sFacts, pixels: TensorData, newTokens: number) {
  const { encoder, decoder } = await v2sSessions(h);
  const memory = (await encoder.run({ pixel_values: pixels })).last_hidden_state!;
  const t0 = performance.now();
  let out = await decoder.run(v2sDecoderFeeds(decoder, [[facts.startId]], memory));
  const prefill = performance.now() - t0;
  const tokens: number[] = [];
  const t1 = performance.now();
  for (let i = 0; i < newTokens; i++) {
    const next = argmax(logitsAt(out.logits!, 0, out.logits!.dims[1]! - 1));
    tokens.push(next);
    if (i + 1 < newTokens) out = await decoder.run(v2sDecoderFeeds(decoder, [[next]], memory, presentAsPast(out)));
  }
  const decode = performance.now() - t1;
  return { tokens, ...generationMetrics(prefill, decode, newTokens - 1) };
}

const NEW_TOKENS = 6;

/**
 * AutoModelForVision2Seq.generate and the image-to-text pipeline: a caption is the start token
 * plus exactly max_new_tokens ids, equal to greedy decoding on the raw sessions, the same twice,
 * the same for each image alone as in a batch of two; the pipeline's text is their decoding.
 */
export async function checkImageToText(h: Harness, facts: V2sFacts): Promise<Record<string, unknown>> {
  const { tf, modelId, device } = await h.pipelineEnv();
  const processor = await tf.AutoProcessor.from_pretrained(modelId);
  const model = await tf.AutoModelForVision2Seq.from_pretrained(modelId, { device: device as 'cpu', dtype: 'fp32' });
  const captioner = await tf.pipeline('image-to-text', modelId, { device: device as 'cpu', dtype: 'fp32' });
  try {
    const images = rawImages<InstanceType<typeof tf.RawImage>>(tf, facts);
    const gen = async (imgs: unknown[]) => {
      const { pixel_values } = (await processor(imgs)) as { pixel_values: TfTensor };
      const out = generatedTensor(
        await model.generate({
          pixel_values,
          max_new_tokens: NEW_TOKENS,
          min_new_tokens: NEW_TOKENS,
          do_sample: false,
        }),
      );
      return { pixel_values, rows: rowsOf(out), dims: out.dims };
    };
    const one = await gen([images[0]]);
    expectThat(
      one.dims.join() === [1, 1 + NEW_TOKENS].join(),
      `generate returned [${one.dims}], expected [1, ${1 + NEW_TOKENS}] (decoder start + max_new_tokens ${NEW_TOKENS})`,
    );
    const [start, ...fresh] = one.rows[0]!;
    expectThat(
      start === facts.startId,
      `the caption starts with token ${start}, expected decoder_start_token_id ${facts.startId}`,
    );
    expectThat(
      fresh.every((t) => Number.isInteger(t) && t >= 0 && t < facts.vocabSize),
      `generated ids ${fresh} are not all in the vocabulary [0, ${facts.vocabSize})`,
    );
    const raw = await rawCaption(h, facts, plain(one.pixel_values), NEW_TOKENS);
    expectThat(
      raw.tokens.join() === fresh.join(),
      `transformers.js generated ${fresh}, greedy decoding on the raw sessions gives ${raw.tokens}`,
    );
    expectThat(
      (await gen([images[0]])).rows[0]!.join() === one.rows[0]!.join(),
      'the same image generated a different caption on a second call',
    );
    const alone1 = await gen([images[1]]);
    const both = await gen(images);
    expectThat(
      both.rows.length === 2 &&
        both.rows[0]!.join() === one.rows[0]!.join() &&
        both.rows[1]!.join() === alone1.rows[0]!.join(),
      `a batch of two images generated ${JSON.stringify(both.rows)}, alone they give ${JSON.stringify([one.rows[0], alone1.rows[0]])}`,
    );
    const captions = (await captioner(images, {
      max_new_tokens: NEW_TOKENS,
      min_new_tokens: NEW_TOKENS,
    })) as { generated_text: string }[][];
    expectThat(
      Array.isArray(captions) && captions.length === 2,
      `image-to-text on two images returned ${JSON.stringify(captions).slice(0, 200)}, expected two results`,
    );
    const tokenizer = await tf.AutoTokenizer.from_pretrained(modelId);
    const want = tokenizer.decode(fresh, { skip_special_tokens: true }).trim();
    expectThat(
      captions[0]?.[0]?.generated_text === want,
      `image-to-text gave "${captions[0]?.[0]?.generated_text}" for image 0, the decoded greedy caption is "${want}"`,
    );
    for (const m of ['prefill_ms', 'decode_ms_per_token', 'tokens_per_s'] as const) h.metric(m, raw[m]);
    return { generated: fresh, captions: captions.map((c) => c[0]?.generated_text) };
  } finally {
    await captioner.dispose();
    await model.dispose();
  }
}
