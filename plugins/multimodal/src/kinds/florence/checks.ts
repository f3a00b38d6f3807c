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
  toNumbers,
  type Harness,
  fromTfTensor as plain,
  argmax,
  generateGreedy,
  CheckFailure,
} from '@hf-core/harness';
import { imageInputs, rawImages, type ImageFacts, type TfTensor } from '../../shared/images.ts';

/** Facts a Florence-2 test is rendered with. */
export interface FlorenceFacts extends ImageFacts {
  kind: 'florence';
  vocabSize: number;
  hidden: number;
  layers: number;
  heads: number;
  headDim: number;
  imageTokens: number;
  startId: number;
}

export const FLORENCE_FILES = {
  embed: 'onnx/embed_tokens.onnx',
  vision: 'onnx/vision_encoder.onnx',
  encoder: 'onnx/encoder_model.onnx',
  decoder: 'onnx/decoder_model_merged.onnx',
} as const;

export async function florenceSessions(h: Harness) {
  return {
    embed: await h.session(FLORENCE_FILES.embed),
    vision: await h.session(FLORENCE_FILES.vision),
    encoder: await h.session(FLORENCE_FILES.encoder),
    decoder: await h.session(FLORENCE_FILES.decoder),
  };
}

/** Seeded encoder inputs: `rows` x `seq` embeddings with a full mask. */
export function encoderFeeds(facts: FlorenceFacts, rows: number, seq: number, seed = 1): Feeds {
  const rng = new SeededFeeds(seed);
  return {
    inputs_embeds: tensor(
      'float32',
      Array.from({ length: rows * seq * facts.hidden }, () => rng.float()),
      [rows, seq, facts.hidden],
    ),
    attention_mask: tensor('int64', new Array(rows * seq).fill(1), [rows, seq]),
  };
}

/** Decoder feeds for new token embeddings after `cache` (empty when undefined). */
export function florenceDecoderFeeds(
  decoder: EngineSession,
  embeds: TensorData,
  memory: TensorData,
  cache?: Feeds,
): Feeds {
  const [b, s] = memory.dims as [number, number];
  return {
    inputs_embeds: embeds,
    encoder_hidden_states: memory,
    encoder_attention_mask: tensor('int64', new Array(b * s).fill(1), [b, s]),
    ...(cache ?? emptyCache(decoder, b)),
  };
}

const nextCache = (out: Record<string, TensorData>, past?: Feeds): Feeds => {
  const c: Feeds = {};
  for (const [n, v] of Object.entries(out))
    if (n.startsWith('present')) c[pastNameOf(n)] = n.includes('.encoder.') && past ? past[pastNameOf(n)]! : v;
  return c;
};

export async function checkFlorenceShapes(h: Harness, facts: FlorenceFacts): Promise<Record<string, unknown>> {
  const { vision, encoder, decoder } = await florenceSessions(h);
  assertOutputShapes(await vision.run(imageInputs(facts, 2, 3)), {
    image_features: [2, facts.imageTokens, facts.hidden],
  });
  const memory = (await encoder.run(encoderFeeds(facts, 2, 7))).last_hidden_state!;
  assertOutputShapes({ last_hidden_state: memory }, { last_hidden_state: [2, 7, facts.hidden] });
  const out = await decoder.run(florenceDecoderFeeds(decoder, encoderFeeds(facts, 2, 3, 5).inputs_embeds!, memory));
  const expected: Record<string, number[]> = { logits: [2, 3, facts.vocabSize] };
  for (let l = 0; l < facts.layers; l++) {
    for (const kv of ['key', 'value']) {
      expected[`present.${l}.decoder.${kv}`] = [2, facts.heads, 3, facts.headDim];
      expected[`present.${l}.encoder.${kv}`] = [2, facts.heads, 7, facts.headDim];
    }
  }
  assertOutputShapes(out, expected);
  return { files: Object.values(FLORENCE_FILES) };
}

/** Decoding step by step with the decoder cache gives the logits of one full decoder pass. */
export async function checkFlorenceKvCache(
  h: Harness,
  facts: FlorenceFacts,
  tol = 1e-4,
): Promise<Record<string, unknown>> {
  const { encoder, decoder } = await florenceSessions(h);
  const memory = (await encoder.run(encoderFeeds(facts, 1, 7, 2))).last_hidden_state!;
  const steps = toNumbers(encoderFeeds(facts, 1, 6, 9).inputs_embeds!);
  const slice = (a: number, b: number) =>
    tensor('float32', steps.slice(a * facts.hidden, b * facts.hidden), [1, b - a, facts.hidden]);
  const full = await decoder.run(florenceDecoderFeeds(decoder, slice(0, 6), memory));
  let out = await decoder.run(florenceDecoderFeeds(decoder, slice(0, 3), memory));
  let cache = nextCache(out);
  let worst = 0;
  for (let t = 2; t < 6; t++) {
    const d = maxAbsDiff(logitsAt(out.logits!, 0, out.logits!.dims[1]! - 1), logitsAt(full.logits!, 0, t));
    worst = Math.max(worst, Number.isNaN(d) ? Infinity : d);
    expectThat(
      d <= tol,
      `KV cache: decoder logits at position ${t} computed step by step differ from the full pass by ${d} (tolerance ${tol})`,
    );
    if (t + 1 < 6) {
      out = await decoder.run(florenceDecoderFeeds(decoder, slice(t + 1, t + 2), memory, cache));
      cache = nextCache(out, cache);
    }
  }
  return { maxAbsDiff: worst, steps: 4 };
}

const NEW_TOKENS = 6;

/**
 * Florence2Processor (<CAPTION> task) + generate: decoder start + exactly max_new_tokens ids,
 * equal to greedy decoding on the raw sessions ([image features; prompt] -> encoder -> decoder
 * with caches), the same twice; post_process_generation returns the caption under its task.
 */
export async function checkFlorenceGenerate(h: Harness, facts: FlorenceFacts): Promise<Record<string, unknown>> {
  const { tf, modelId, device } = await h.pipelineEnv();
  const processor: ((image: unknown, text: string) => Promise<Record<string, TfTensor>>) & {
    batch_decode(ids: unknown, o: object): string[];
    /** Florence2Processor's own: the text of each task, parsed. */
    post_process_generation?(text: string, task: string, size: [number, number]): Record<string, unknown>;
  } = await tf.AutoProcessor.from_pretrained(modelId);
  const model = await tf.AutoModelForImageTextToText.from_pretrained(modelId, {
    device: device as 'cpu',
    dtype: 'fp32',
  });
  try {
    const image = rawImages<InstanceType<typeof tf.RawImage>>(tf, facts)[0]!;
    const inputs = await processor(image, '<CAPTION>');
    const run = async () => await generateGreedy(model, inputs, NEW_TOKENS);
    const out = await run();
    expectThat(
      out.dims.join() === [1, 1 + NEW_TOKENS].join(),
      `generate returned [${out.dims}], expected [1, ${1 + NEW_TOKENS}] (decoder start + max_new_tokens)`,
    );
    const ids = Array.from(out.data as ArrayLike<bigint>, Number);
    expectThat(
      ids[0] === facts.startId,
      `the output starts with ${ids[0]}, expected decoder_start_token_id ${facts.startId}`,
    );
    const raw = await rawFlorence(h, facts, plain(inputs.input_ids!), plain(inputs.pixel_values!));
    expectThat(
      raw.join() === ids.slice(1).join(),
      `transformers.js generated ${ids.slice(1)}, greedy decoding on the raw sessions gives ${raw}`,
    );
    expectThat(
      maxAbsDiff(plain(await run()), plain(out)) === 0,
      'the same image and task generated different tokens on a second call',
    );
    const text = processor.batch_decode(out, { skip_special_tokens: false })[0]!;
    if (!processor.post_process_generation)
      throw new CheckFailure('the processor has no post_process_generation: it is not a Florence2Processor');
    const parsed = processor.post_process_generation(text, '<CAPTION>', [image.height, image.width]);
    expectThat(
      typeof parsed['<CAPTION>'] === 'string',
      `post_process_generation gave ${JSON.stringify(parsed)}, expected a <CAPTION> string`,
    );
    return { generated: ids.slice(1), caption: parsed['<CAPTION>'] };
  } finally {
    await model.dispose();
  }
}

async function rawFlorence(
  h: Harness,
  facts: FlorenceFacts,
  inputIds: TensorData,
  pixels: TensorData,
): Promise<number[]> {
  const { embed, vision, encoder, decoder } = await florenceSessions(h);
  const image = toNumbers((await vision.run({ pixel_values: pixels })).image_features!);
  const text = toNumbers((await embed.run({ input_ids: inputIds })).inputs_embeds!);
  const n = (image.length + text.length) / facts.hidden;
  const memory = (
    await encoder.run({
      inputs_embeds: tensor('float32', [...image, ...text], [1, n, facts.hidden]),
      attention_mask: tensor('int64', new Array(n).fill(1), [1, n]),
    })
  ).last_hidden_state!;
  const embedOf = async (id: number) => (await embed.run({ input_ids: tensor('int64', [id], [1, 1]) })).inputs_embeds!;
  let out = await decoder.run(florenceDecoderFeeds(decoder, await embedOf(facts.startId), memory));
  let cache = nextCache(out);
  const tokens: number[] = [];
  for (let i = 0; i < NEW_TOKENS; i++) {
    tokens.push(argmax(logitsAt(out.logits!, 0, out.logits!.dims[1]! - 1)));
    if (i + 1 === NEW_TOKENS) break;
    out = await decoder.run(florenceDecoderFeeds(decoder, await embedOf(tokens.at(-1)!), memory, cache));
    cache = nextCache(out, cache);
  }
  return tokens;
}
