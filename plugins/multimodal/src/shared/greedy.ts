import type { EngineSession, Feeds, TensorData } from '@hf-core/core';
import { GreedyTrace, logitsAt, pastNameOf, positionIdsFromMask, tensor } from '@hf-core/harness';

/** What one decode step feeds besides the cache: the picked id's embeddings and positions. */
export type StepFeeds = (next: number, mask: number[][], step: number) => Promise<Feeds>;

/**
 * Greedy decoding after the prompt pass on the raw sessions, as transformers.js runs an
 * LLaVA-style decoder: pick from `out`'s last logits (never `suppress`), extend the attention
 * mask, feed `stepFeeds` plus the presents as the past. The picks come with their near ties
 * (greedyMismatch); `decodeMs` is the time of the one-token steps. Callers time their prefill
 * and this in one `timedSection` (harness), so no other model of the run is timed meanwhile.
 */
export async function decodeGreedily(
  decoder: EngineSession,
  out: Record<string, TensorData>,
  promptLength: number,
  newTokens: number,
  stepFeeds: StepFeeds,
  suppress: readonly number[] = [],
): Promise<{ trace: GreedyTrace; decodeMs: number }> {
  const trace = new GreedyTrace();
  const mask = [new Array(promptLength).fill(1) as number[]];
  const t0 = performance.now();
  for (let i = 0; i < newTokens; i++) {
    const next = trace.pick(logitsAt(out.logits!, 0, out.logits!.dims[1]! - 1), suppress);
    if (i + 1 === newTokens) break;
    mask[0]!.push(1);
    const feeds = await stepFeeds(next, mask, i);
    for (const [name, v] of Object.entries(out)) if (name.startsWith('present')) feeds[pastNameOf(name)] = v;
    out = await decoder.run(feeds);
  }
  return { trace, decodeMs: performance.now() - t0 };
}

/** The usual step feeds: `embeds` of the id, the mask so far, position ids from the mask (starting at `positionStart`). */
export const embedStep =
  (embeds: (ids: TensorData) => Promise<Feeds>, positionStart = 0): StepFeeds =>
  async (next, mask) => ({
    ...(await embeds(tensor('int64', [next], [1, 1]))),
    attention_mask: tensor('int64', mask[0]!, [1, mask[0]!.length]),
    position_ids: positionIdsFromMask(mask, 1, positionStart),
  });
