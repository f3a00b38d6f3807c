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
  type TfTensorLike,
  argmax,
  newIdsAfterPrompt,
  generateGreedy,
} from '@hf-core/harness';
import { imageInputs, rawImages, type ImageFacts, type TfTensor } from '../../shared/images.ts';

/** Facts a Janus (multi_modality) test is rendered with. */
export interface JanusFacts extends ImageFacts {
  kind: 'janus';
  vocabSize: number;
  hidden: number;
  layers: number;
  kvHeads: number;
  headDim: number;
  /** Image features per image (= placeholder tokens VLChatProcessor puts in the prompt). */
  imageTokens: number;
  imageTokenId: number;
  genVocab: number;
  genTokens: number;
  prompt: string;
}

export const JANUS_FILES = {
  prepare: 'onnx/prepare_inputs_embeds.onnx',
  model: 'onnx/language_model.onnx',
  lmHead: 'onnx/lm_head.onnx',
  genHead: 'onnx/gen_head.onnx',
  genEmbeds: 'onnx/gen_img_embeds.onnx',
  decode: 'onnx/image_decode.onnx',
} as const;

export async function janusSessions(h: Harness) {
  return {
    prepare: await h.session(JANUS_FILES.prepare),
    model: await h.session(JANUS_FILES.model),
    lmHead: await h.session(JANUS_FILES.lmHead),
  };
}

/** prepare_inputs_embeds feeds: ids [b][s] (image tokens where id === imageTokenId), one image per row (or none). */
export function janusPrepareFeeds(facts: JanusFacts, ids: number[][], pixels?: TensorData): Feeds {
  const b = ids.length;
  const s = ids[0]!.length;
  const seq = ids.flat().map((x) => (x === facts.imageTokenId ? 1 : 0));
  const n = pixels ? 1 : 0;
  const pv = pixels
    ? { ...pixels, dims: [b, 1, facts.channels, facts.imageSize, facts.imageSize] }
    : tensor('float32', [], [0, 0, 3, 384, 384]);
  return {
    input_ids: tensor('int64', ids.flat(), [b, s]),
    pixel_values: pv,
    images_seq_mask: tensor('bool', seq, [b, s]),
    images_emb_mask: tensor('bool', new Array(b * n * facts.imageTokens).fill(1), [b, n, facts.imageTokens]),
  };
}

/** A prompt row: `pre` text ids, the image placeholders, `post` text ids. */
export function janusIds(facts: JanusFacts, pre: number, post: number, seed = 1): number[] {
  const rng = new SeededFeeds(seed);
  const text = (k: number) => Array.from({ length: k }, () => rng.int(10, facts.vocabSize));
  return [...text(pre), ...new Array(facts.imageTokens).fill(facts.imageTokenId), ...text(post)];
}

function lmFeeds(model: EngineSession, embeds: TensorData, pastLen: number, cache?: Feeds): Feeds {
  const [b, s] = embeds.dims as [number, number];
  const mask = Array.from({ length: b }, () => new Array(pastLen + s).fill(1) as number[]);
  return {
    inputs_embeds: embeds,
    attention_mask: tensor('int64', mask.flat(), [b, pastLen + s]),
    position_ids: positionIdsFromMask(mask, s),
    ...(cache ?? emptyCache(model, b)),
  };
}

const pastFrom = (out: Record<string, TensorData>): Feeds =>
  Object.fromEntries(
    Object.entries(out)
      .filter(([n]) => n.startsWith('present'))
      .map(([n, v]) => [pastNameOf(n), v]),
  );

/** Every session's outputs have the documented names and shapes. */
export async function checkJanusShapes(h: Harness, facts: JanusFacts): Promise<Record<string, unknown>> {
  const { prepare, model, lmHead } = await janusSessions(h);
  const ids = [janusIds(facts, 2, 3, 1), janusIds(facts, 2, 3, 2)];
  const s = ids[0]!.length;
  const e = await prepare.run(janusPrepareFeeds(facts, ids, imageInputs(facts, 2, 3).pixel_values));
  assertOutputShapes(e, { inputs_embeds: [2, s, facts.hidden] });
  const lm = await model.run(lmFeeds(model, e.inputs_embeds!, 0));
  const expected: Record<string, number[]> = { hidden_states: [2, s, facts.hidden] };
  for (let l = 0; l < facts.layers; l++)
    for (const kv of ['key', 'value']) expected[`present.${l}.${kv}`] = [2, facts.kvHeads, s, facts.headDim];
  assertOutputShapes(lm, expected);
  assertOutputShapes(await lmHead.run({ hidden_states: lm.hidden_states! }), { logits: [2, s, facts.vocabSize] });
  assertOutputShapes(await (await h.session(JANUS_FILES.genHead)).run({ hidden_states: lm.hidden_states! }), {
    logits: [2, s, facts.genVocab],
  });
  assertOutputShapes(
    await (await h.session(JANUS_FILES.genEmbeds)).run({ image_ids: tensor('int64', [1, 2, 3, 4], [2, 2]) }),
    { inputs_embeds: [2, 2, facts.hidden] },
  );
  const toks = tensor(
    'int64',
    Array.from({ length: facts.genTokens }, (_, i) => i % facts.genVocab),
    [1, facts.genTokens],
  );
  assertOutputShapes(await (await h.session(JANUS_FILES.decode)).run({ generated_tokens: toks }), {
    decoded_image: [1, 3, facts.imageSize, facts.imageSize],
  });
  return { files: Object.values(JANUS_FILES) };
}

/**
 * prepare_inputs_embeds puts the image features at the placeholder tokens only: text positions
 * equal a call without images (pixel_values [0, 0, 3, 384, 384], as transformers.js feeds
 * cached steps), and another image changes every placeholder position.
 */
export async function checkJanusMerge(h: Harness, facts: JanusFacts): Promise<Record<string, unknown>> {
  const { prepare } = await janusSessions(h);
  const ids = janusIds(facts, 3, 2, 5);
  const withA = toNumbers(
    (await prepare.run(janusPrepareFeeds(facts, [ids], imageInputs(facts, 1, 1).pixel_values))).inputs_embeds!,
  );
  const withB = toNumbers(
    (await prepare.run(janusPrepareFeeds(facts, [ids], imageInputs(facts, 1, 2).pixel_values))).inputs_embeds!,
  );
  const textOnly = ids.map((x) => (x === facts.imageTokenId ? 10 : x));
  const none = toNumbers((await prepare.run(janusPrepareFeeds(facts, [textOnly]))).inputs_embeds!);
  const H = facts.hidden;
  let textDiff = 0;
  let unchangedImage = 0;
  ids.forEach((id, i) => {
    const row = (v: number[]) => v.slice(i * H, (i + 1) * H);
    if (id === facts.imageTokenId) {
      if (Math.max(...row(withA).map((x, k) => Math.abs(x - row(withB)[k]!))) < 1e-6) unchangedImage++;
    } else textDiff = Math.max(textDiff, ...row(withA).map((x, k) => Math.abs(x - row(none)[k]!)));
  });
  expectThat(
    textDiff <= 1e-5,
    `text positions of prepare_inputs_embeds differ by ${textDiff} between a call with an image and one without: image features must go to images_seq_mask positions only`,
  );
  expectThat(
    unchangedImage === 0,
    `${unchangedImage} of ${facts.imageTokens} image placeholder positions did not change with another image: they must hold the image features`,
  );
  return { textDiff, imageTokens: facts.imageTokens };
}

/** Logits of each position computed step by step (prefill, then one token at a time) equal one full forward. */
export async function checkJanusKvCache(h: Harness, facts: JanusFacts, tol = 1e-4): Promise<Record<string, unknown>> {
  const { prepare, model, lmHead } = await janusSessions(h);
  const ids = janusIds(facts, 2, 6, 9);
  const pixels = imageInputs(facts, 1, 12).pixel_values;
  const all = (await prepare.run(janusPrepareFeeds(facts, [ids], pixels))).inputs_embeds!;
  const slice = (from: number, to: number): TensorData => ({
    type: 'float32',
    dims: [1, to - from, facts.hidden],
    data: Float32Array.from(toNumbers(all).slice(from * facts.hidden, to * facts.hidden)),
  });
  const logits = async (o: Record<string, TensorData>) =>
    (await lmHead.run({ hidden_states: o.hidden_states! })).logits!;
  const full = await logits(await model.run(lmFeeds(model, all, 0)));
  const prefill = ids.length - 4;
  let out = await model.run(lmFeeds(model, slice(0, prefill), 0));
  let worst = 0;
  for (let t = prefill - 1; t < ids.length; t++) {
    const l = await logits(out);
    const d = maxAbsDiff(logitsAt(l, 0, l.dims[1]! - 1), logitsAt(full, 0, t));
    worst = Math.max(worst, Number.isNaN(d) ? Infinity : d);
    expectThat(
      d <= tol,
      `KV cache: logits at position ${t} computed step by step differ from the full forward by ${d} (tolerance ${tol}); present must be past followed by the new positions`,
    );
    if (t + 1 === ids.length) break;
    out = await model.run(lmFeeds(model, slice(t + 1, t + 2), t + 1, pastFrom(out)));
  }
  return { maxAbsDiff: worst, steps: ids.length - prefill };
}

/** Greedy decoding on the raw sessions as MultiModalityCausalLM runs text generation. */
export async function rawGreedyJanus(
  h: Harness,
  facts: JanusFacts,
  ids: number[],
  pixels: TensorData,
  newTokens: number,
) {
  const { prepare, model, lmHead } = await janusSessions(h);
  const e = (await prepare.run(janusPrepareFeeds(facts, [ids], pixels))).inputs_embeds!;
  let out = await model.run(lmFeeds(model, e, 0));
  const tokens: number[] = [];
  for (let i = 0; i < newTokens; i++) {
    const l = (await lmHead.run({ hidden_states: out.hidden_states! })).logits!;
    const next = argmax(logitsAt(l, 0, l.dims[1]! - 1));
    tokens.push(next);
    if (i + 1 === newTokens) break;
    const step = (await prepare.run(janusPrepareFeeds(facts, [[next]]))).inputs_embeds!;
    out = await model.run(lmFeeds(model, step, ids.length + i, pastFrom(out)));
  }
  return tokens;
}

const NEW_TOKENS = 6;
const rowOf = (t: TfTensorLike) => Array.from(t.data as ArrayLike<bigint>).map(Number);

/**
 * VLChatProcessor + MultiModalityCausalLM.generate (text mode): the prompt holds one placeholder
 * per image feature; the output is the prompt plus exactly max_new_tokens ids in the vocabulary,
 * equal to greedy decoding on the raw sessions, and the same twice; another image is accepted.
 */
export async function checkJanusGenerate(h: Harness, facts: JanusFacts): Promise<Record<string, unknown>> {
  const { tf, modelId, device } = await h.pipelineEnv();
  const processor: (conv: object[], o: object) => Promise<Record<string, TfTensor>> =
    await tf.AutoProcessor.from_pretrained(modelId);
  const model = await tf.MultiModalityCausalLM.from_pretrained(modelId, { device: device as 'cpu', dtype: 'fp32' });
  try {
    const images = rawImages(tf, facts);
    const gen = async (img: unknown) => {
      const inputs = await processor([{ role: 'User', content: facts.prompt, images: [] }], { images: [img] });
      const out = await generateGreedy(model, inputs, NEW_TOKENS);
      return { inputs, row: rowOf(out), dims: out.dims };
    };
    const one = await gen(images[0]);
    const prompt = rowOf(one.inputs.input_ids!);
    const placeholders = prompt.filter((x) => x === facts.imageTokenId).length;
    expectThat(
      placeholders === facts.imageTokens,
      `VLChatProcessor put ${placeholders} image placeholders in the prompt, expected ${facts.imageTokens} (one per image feature)`,
    );
    expectThat(
      one.inputs.pixel_values!.dims.join() === [1, 1, facts.channels, facts.imageSize, facts.imageSize].join(),
      `the processor gave pixel_values [${one.inputs.pixel_values!.dims}], expected [1, 1, ${facts.channels}, ${facts.imageSize}, ${facts.imageSize}]`,
    );
    expectThat(
      one.dims.join() === [1, prompt.length + NEW_TOKENS].join(),
      `generate returned [${one.dims}], expected [1, ${prompt.length + NEW_TOKENS}] (prompt ${prompt.length} + max_new_tokens ${NEW_TOKENS})`,
    );
    const fresh = newIdsAfterPrompt(one.row, prompt, facts.vocabSize);
    const raw = await rawGreedyJanus(h, facts, prompt, plain(one.inputs.pixel_values!), NEW_TOKENS);
    expectThat(
      raw.join() === fresh.join(),
      `transformers.js generated ${fresh}, greedy decoding on the raw sessions gives ${raw}`,
    );
    const again = await gen(images[0]);
    expectThat(
      again.row.join() === one.row.join(),
      'the same image and prompt generated different tokens on a second call',
    );
    const other = await gen(images[1]);
    expectThat(
      other.row.length === one.row.length,
      `the second image generated ${other.row.length} ids, the first ${one.row.length}`,
    );
    return {
      promptTokens: prompt.length,
      imageTokens: placeholders,
      generated: fresh,
      other: other.row.slice(prompt.length),
    };
  } finally {
    await model.dispose();
  }
}
