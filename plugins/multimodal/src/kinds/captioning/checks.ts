import type { Feeds, TensorData } from '@hf-core/core';
import {
  expectThat,
  logitsAt,
  maxAbsDiff,
  pastNameOf,
  positionIdsFromMask,
  tensor,
  toNumbers,
  type Harness,
  argmax,
} from '@hf-core/harness';
import { imageInputs } from '../../shared/images.ts';
import { rawCaption, v2sDecoderFeeds, v2sSessions, type V2sFacts } from '../v2s/checks.ts';
import { decoderFeeds, vlmSessions, type VlmFacts } from '../vlm/checks.ts';

/**
 * Facts a session-level captioning test (blip, git: types transformers.js 4.3.2 does not
 * register) is rendered with. `cross-attention` (BLIP) uses the vision-encoder-decoder session
 * layout and facts; `prefix` (GIT) uses the image-text-to-text layout with the image features
 * prepended to the caption's token embeddings.
 */
export interface CaptionFacts {
  kind: 'captioning';
  layout: 'cross-attention' | 'prefix';
  /** Why the pipeline-level checks skip. */
  pipelineUnsupported: string;
  /** The first caption token (text_config.bos_token_id / bos_token_id). */
  startId: number;
  v2s?: V2sFacts;
  vlm?: VlmFacts;
}

const lastLogits = (out: Record<string, TensorData>) => logitsAt(out.logits!, 0, out.logits!.dims[1]! - 1);
const pastFrom = (out: Record<string, TensorData>): Feeds =>
  Object.fromEntries(
    Object.entries(out)
      .filter(([n]) => n.startsWith('present'))
      .map(([n, v]) => [pastNameOf(n), v]),
  );
const concat1 = (a: TensorData, b: TensorData): TensorData => {
  const h = a.dims[2]!;
  const x = toNumbers(a);
  const y = toNumbers(b);
  return { type: 'float32', dims: [1, a.dims[1]! + b.dims[1]!, h], data: Float32Array.from([...x, ...y]) };
};

/** GIT: image features of one image [1, n, hidden], and the embeddings of ids [1, k, hidden]. */
async function prefixParts(h: Harness, _facts: VlmFacts, pixels: Feeds, ids: number[]) {
  const { embed, vision } = await vlmSessions(h);
  const features = (await vision.run(pixels)).image_features!;
  const embeds = (await embed.run({ input_ids: tensor('int64', ids, [1, ids.length]) })).inputs_embeds!;
  return { features, embeds, n: features.dims[1]! };
}

/** GIT decoder feeds for `embeds` [1, s, hidden] after `past` positions held in `cache`. */
function prefixStepFeeds(facts: VlmFacts, embeds: TensorData, past: number, cache: Feeds): Feeds {
  const mask = [new Array(past + embeds.dims[1]!).fill(1) as number[]];
  return {
    inputs_embeds: embeds,
    attention_mask: tensor('int64', mask[0]!, [1, mask[0]!.length]),
    position_ids: positionIdsFromMask(mask, embeds.dims[1]!, facts.positionStart),
    ...cache,
  };
}

/** GIT greedy decoding with the cache: prefill [image features; start token], then one token at a time. */
export async function rawPrefixCaption(h: Harness, facts: CaptionFacts, pixels: Feeds, newTokens: number) {
  const f = facts.vlm!;
  const { embed, decoder } = await vlmSessions(h);
  const { features, embeds, n } = await prefixParts(h, f, pixels, [facts.startId]);
  let out = await decoder.run(decoderFeeds(decoder, f, concat1(features, embeds)));
  const tokens: number[] = [];
  for (let i = 0; i < newTokens; i++) {
    const next = argmax(lastLogits(out));
    tokens.push(next);
    if (i + 1 === newTokens) break;
    const e = (await embed.run({ input_ids: tensor('int64', [next], [1, 1]) })).inputs_embeds!;
    out = await decoder.run(prefixStepFeeds(f, e, n + 1 + i, pastFrom(out)));
  }
  return tokens;
}

/** Greedy decoding without the cache: every step reruns the whole sequence through the decoder. */
async function uncachedCaption(h: Harness, facts: CaptionFacts, pixels: Feeds, newTokens: number): Promise<number[]> {
  const ids = [facts.startId];
  if (facts.layout === 'cross-attention') {
    const { encoder, decoder } = await v2sSessions(h);
    const memory = (await encoder.run(pixels)).last_hidden_state!;
    for (let i = 0; i < newTokens; i++)
      ids.push(argmax(lastLogits(await decoder.run(v2sDecoderFeeds(decoder, [ids], memory)))));
  } else {
    const { decoder } = await vlmSessions(h);
    for (let i = 0; i < newTokens; i++) {
      const { features, embeds } = await prefixParts(h, facts.vlm!, pixels, ids);
      ids.push(argmax(lastLogits(await decoder.run(decoderFeeds(decoder, facts.vlm!, concat1(features, embeds))))));
    }
  }
  return ids.slice(1);
}

/** Greedy decoding with the KV cache on the raw sessions, for either layout. */
export async function greedyCaption(
  h: Harness,
  facts: CaptionFacts,
  pixels: Feeds,
  newTokens: number,
): Promise<number[]> {
  if (facts.layout === 'cross-attention')
    return (await rawCaption(h, facts.v2s!, pixels.pixel_values!, newTokens)).tokens;
  return rawPrefixCaption(h, facts, pixels, newTokens);
}

/**
 * Greedy captioning on the raw sessions (the family's input contract, without transformers.js):
 * for each of two images, exactly `newTokens` ids in the vocabulary, the same on a second call,
 * and equal to greedy decoding that reruns the whole sequence without the cache.
 */
export async function checkGreedyCaption(
  h: Harness,
  facts: CaptionFacts,
  newTokens = 6,
): Promise<Record<string, unknown>> {
  const vocab = (facts.v2s ?? facts.vlm)!.vocabSize;
  const imageFacts = (facts.v2s ?? facts.vlm)!;
  const captions: number[][] = [];
  for (const seed of [31, 32]) {
    const pixels = imageInputs(imageFacts, 1, seed);
    const tokens = await greedyCaption(h, facts, pixels, newTokens);
    expectThat(
      tokens.length === newTokens,
      `greedy decoding produced ${tokens.length} tokens, ${newTokens} were requested`,
    );
    expectThat(
      tokens.every((t) => Number.isInteger(t) && t >= 0 && t < vocab),
      `greedy ids ${tokens} are not all in the vocabulary [0, ${vocab})`,
    );
    const again = await greedyCaption(h, facts, pixels, newTokens);
    expectThat(again.join() === tokens.join(), `the same image gave ${tokens} and then ${again}`);
    const plain = await uncachedCaption(h, facts, pixels, newTokens);
    expectThat(
      plain.join() === tokens.join(),
      `greedy decoding with the KV cache gave ${tokens}, rerunning the whole sequence without it gives ${plain}`,
    );
    captions.push(tokens);
  }
  return { captions };
}

/**
 * GIT KV-cache consistency with the image prefix: logits of each caption position computed step
 * by step (prefill image features + the first tokens, then one token at a time feeding present
 * back as past) equal one full forward over [image features; caption].
 */
export async function checkPrefixKvCache(
  h: Harness,
  facts: CaptionFacts,
  tol = 1e-4,
): Promise<Record<string, unknown>> {
  const f = facts.vlm!;
  const { embed, decoder } = await vlmSessions(h);
  const ids = [facts.startId, 7, 19, 42, 11, 60, 23, 5].map((x) => x % f.vocabSize);
  const { features, embeds, n } = await prefixParts(h, f, imageInputs(f, 1, 12), ids);
  const full = await decoder.run(decoderFeeds(decoder, f, concat1(features, embeds)));
  const prefill = 3;
  const head = (await embed.run({ input_ids: tensor('int64', ids.slice(0, prefill), [1, prefill]) })).inputs_embeds!;
  let out = await decoder.run(decoderFeeds(decoder, f, concat1(features, head)));
  let worst = 0;
  for (let t = prefill - 1; t < ids.length; t++) {
    const d = maxAbsDiff(lastLogits(out), logitsAt(full.logits!, 0, n + t));
    worst = Math.max(worst, Number.isNaN(d) ? Infinity : d);
    expectThat(
      d <= tol,
      `KV cache: logits at caption position ${t} (after ${n} image features) computed step by step differ from the full forward by ${d} (tolerance ${tol}); present must be past followed by the new positions`,
    );
    if (t + 1 === ids.length) break;
    const e = (await embed.run({ input_ids: tensor('int64', [ids[t + 1]!], [1, 1]) })).inputs_embeds!;
    out = await decoder.run(prefixStepFeeds(f, e, n + t + 1, pastFrom(out)));
  }
  return { maxAbsDiff: worst, steps: ids.length - prefill, imageTokens: n };
}
