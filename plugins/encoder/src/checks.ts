import type { EngineSession, Feeds } from '@hf-core/core';
import { CheckFailure, expectThat, maxAbsDiff, textFeeds, type Harness } from '@hf-core/harness';

/** Facts the generated test is rendered with (from the synthesizer or the model's config). */
export interface EncoderFacts {
  hidden: number;
  vocabSize: number;
  head: 'mlm' | 'token-classification' | 'none';
  numLabels?: number;
  padId: number;
  maskToken: string | null;
  tasks: string[];
}

/**
 * Text feeds for an encoder session: `rows` rows of `seq` token ids (seeded, above the special
 * ids), with `lengths[r]` real tokens per row and padding after; token_type_ids when the
 * session takes them.
 */
export function encoderFeeds(
  session: EngineSession,
  facts: EncoderFacts,
  opts: { rows: number; seq: number; lengths?: number[]; seed?: number },
): Feeds {
  const t = textFeeds({ ...opts, vocabSize: facts.vocabSize, padId: facts.padId, minId: 5 });
  const feeds: Feeds = { input_ids: t.input_ids, attention_mask: t.attention_mask };
  if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = t.token_type_ids;
  return feeds;
}

/** The same first `n` tokens, alone and followed by `pad` padding positions (mask 0). */
export function paddingPair(
  session: EngineSession,
  facts: EncoderFacts,
  n = 5,
  pad = 3,
): { short: Feeds; padded: Feeds; n: number } {
  const padded = encoderFeeds(session, facts, { rows: 1, seq: n + pad, lengths: [n], seed: 7 });
  const short = encoderFeeds(session, facts, { rows: 1, seq: n, seed: 7 });
  return { short, padded, n };
}

export function expectedShapes(facts: EncoderFacts, rows: number, seq: number): Record<string, number[]> {
  const shapes: Record<string, number[]> = { last_hidden_state: [rows, seq, facts.hidden] };
  if (facts.head === 'mlm') shapes.logits = [rows, seq, facts.vocabSize];
  if (facts.head === 'token-classification') shapes.logits = [rows, seq, facts.numLabels ?? 0];
  return shapes;
}

const SENTENCES = ['hello world', 'the cat sat on the mat.'];

/**
 * AutoTokenizer + AutoModel through transformers.js: padded batch of two sentences; the
 * last_hidden_state equals the raw session's output on the same ids.
 */
export async function checkAutoModel(h: Harness, session: EngineSession, facts: EncoderFacts) {
  const { tf, modelId, device } = await h.pipelineEnv();
  const tokenizer = await tf.AutoTokenizer.from_pretrained(modelId);
  const model = await tf.AutoModel.from_pretrained(modelId, { device: device as 'cpu', dtype: 'fp32' });
  try {
    // The tokenizer is typed to return `any`: this names the int64 tensors the check reads.
    const inputs: Record<string, { dims: number[]; data: BigInt64Array } | undefined> = tokenizer(SENTENCES, {
      padding: true,
    });
    const out = (await model(inputs)) as Record<string, { dims: number[]; data: Float32Array }>;
    const hidden = out.last_hidden_state;
    expectThat(hidden, `AutoModel returned no last_hidden_state (got ${Object.keys(out).join(', ')})`);
    const seq = inputs.input_ids!.dims[1];
    expectThat(
      hidden.dims.join() === [2, seq, facts.hidden].join(),
      `AutoModel last_hidden_state is [${hidden.dims}], expected [2, ${seq}, ${facts.hidden}]`,
    );
    const feeds: Feeds = {};
    for (const name of session.inputNames) {
      const ids = inputs.input_ids!;
      const t =
        inputs[name] ??
        (name === 'token_type_ids' ? { dims: ids.dims, data: new BigInt64Array(ids.data.length) } : undefined);
      if (t) feeds[name] = { type: 'int64', dims: t.dims, data: t.data };
    }
    const raw = await session.run(feeds);
    const diff = maxAbsDiff({ type: 'float32', dims: hidden.dims, data: hidden.data }, raw.last_hidden_state!);
    expectThat(diff <= 1e-5, `transformers.js and the raw session disagree by ${diff} on last_hidden_state`);
    return { maxAbsDiff: diff, tokens: seq };
  } finally {
    await model.dispose();
  }
}

/** feature-extraction pipeline with mean pooling + normalize: unit-norm vectors of size hidden. */
export async function checkFeatureExtraction(h: Harness, facts: EncoderFacts) {
  const { tf, modelId, device } = await h.pipelineEnv();
  const extractor = await tf.pipeline('feature-extraction', modelId, { device: device as 'cpu', dtype: 'fp32' });
  try {
    const out = await extractor(SENTENCES, { pooling: 'mean', normalize: true });
    expectThat(
      out.dims.join() === [2, facts.hidden].join(),
      `feature-extraction returned [${out.dims}], expected [2, ${facts.hidden}]`,
    );
    const v = out.data as Float32Array;
    for (let r = 0; r < 2; r++) {
      const norm = Math.hypot(...v.slice(r * facts.hidden, (r + 1) * facts.hidden));
      expectThat(Math.abs(norm - 1) < 1e-4, `row ${r} of the normalized embedding has norm ${norm}, expected 1`);
    }
    return { dims: out.dims };
  } finally {
    await extractor.dispose();
  }
}

/** fill-mask pipeline: top-k predictions for the mask token, scores in (0,1], descending, sum <= 1. */
export async function checkFillMask(h: Harness, facts: EncoderFacts) {
  if (!facts.maskToken) throw new CheckFailure('the tokenizer has no mask token');
  const { tf, modelId, device } = await h.pipelineEnv();
  const fill = await tf.pipeline('fill-mask', modelId, { device: device as 'cpu', dtype: 'fp32' });
  try {
    const preds = (await fill(`the capital of france is ${facts.maskToken}.`, { top_k: 5 })) as {
      score: number;
      token: number;
      token_str: string;
      sequence: string;
    }[];
    expectThat(preds.length === 5, `fill-mask returned ${preds.length} predictions, expected 5`);
    let sum = 0;
    preds.forEach((p, i) => {
      expectThat(p.score > 0 && p.score <= 1, `prediction ${i} has score ${p.score}`);
      expectThat(i === 0 || preds[i - 1]!.score >= p.score, 'predictions are not sorted by score');
      expectThat(
        Number.isInteger(p.token) && p.token >= 0 && p.token < facts.vocabSize,
        `prediction ${i} token id ${p.token} is outside the vocabulary`,
      );
      expectThat(typeof p.sequence === 'string' && p.sequence.length > 0, `prediction ${i} has no sequence text`);
      sum += p.score;
    });
    expectThat(sum <= 1 + 1e-5, `top-5 scores sum to ${sum} > 1`);
    return { top: preds[0]!.token_str, scoreSum: sum };
  } finally {
    await fill.dispose();
  }
}

/** token-classification pipeline: every returned entity has a label from the config's id2label. */
export async function checkTokenClassification(h: Harness) {
  const { tf, modelId, device } = await h.pipelineEnv();
  const labels = new Set(Object.values((h.config.id2label ?? {}) as Record<string, string>));
  const ner = await tf.pipeline('token-classification', modelId, { device: device as 'cpu', dtype: 'fp32' });
  try {
    const out = (await ner('hello world this is paris', { ignore_labels: [] })) as { entity: string; score: number }[];
    expectThat(out.length > 0, 'token-classification returned no tokens');
    for (const e of out)
      expectThat(
        labels.has(e.entity) && e.score > 0 && e.score <= 1,
        `entity ${JSON.stringify(e)} has a label outside id2label or a bad score`,
      );
    return { tokens: out.length };
  } finally {
    await ner.dispose();
  }
}
