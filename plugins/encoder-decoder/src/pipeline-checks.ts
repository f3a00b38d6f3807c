import type { EngineSession, Feeds } from '@hf-core/core';
import { CheckFailure, expectThat, generatedTensor, idRows, SkipCheck, type Harness } from '@hf-core/harness';
import { greedyDecode, seq2seqGeometry } from './session-checks.ts';

/** Facts the generated test is rendered with (from the synthesizer, or defaults for a real checkpoint). */
export interface Seq2SeqFacts {
  vocabSize: number;
  tasks: string[];
  translation: { src_lang: string; tgt_lang: string } | null;
  noPipeline: string | null;
}

/** Generation settings that would make transformers.js differ from plain argmax decoding. */
const PLAIN_GREEDY = {
  do_sample: false,
  num_beams: 1,
  forced_bos_token_id: null,
  forced_eos_token_id: null,
  bad_words_ids: null,
  no_repeat_ngram_size: 0,
  repetition_penalty: 1.0,
};

type Tok = ((
  t: string | string[],
  o?: Record<string, unknown>,
) => Record<string, { dims: number[]; data: BigInt64Array }>) & {
  batch_decode(ids: unknown, o: Record<string, unknown>): string[];
  _build_translation_inputs?: (
    t: string[],
    o: Record<string, unknown>,
    kw: Record<string, unknown>,
  ) => Record<string, { dims: number[]; data: BigInt64Array }>;
};
type Seq2SeqModel = {
  generate(o: Record<string, unknown>): Promise<unknown>;
  dispose(): Promise<unknown>;
};

function requirePipeline(facts: Seq2SeqFacts): void {
  if (facts.noPipeline) throw new SkipCheck(facts.noPipeline);
}

async function loadSeq2Seq(h: Harness) {
  const { tf, modelId, device } = await h.pipelineEnv();
  const tokenizer: Tok = await tf.AutoTokenizer.from_pretrained(modelId);
  const model: Seq2SeqModel = await tf.AutoModelForSeq2SeqLM.from_pretrained(modelId, {
    device: device as 'cpu',
    dtype: 'fp32',
  });
  return { tokenizer, model };
}

const toFeeds = (inputs: Record<string, { dims: number[]; data: BigInt64Array }>): Feeds => ({
  input_ids: { type: 'int64', dims: inputs.input_ids!.dims, data: inputs.input_ids!.data },
  attention_mask: { type: 'int64', dims: inputs.attention_mask!.dims, data: inputs.attention_mask!.data },
});

/** The generated id rows, as numbers. */
const generateRows = async (model: Seq2SeqModel, args: Record<string, unknown>): Promise<number[][]> =>
  idRows(generatedTensor(await model.generate(args)));

/**
 * Greedy generation through transformers.js (AutoModelForSeq2SeqLM.generate, KV cache on)
 * produces exactly `n` new tokens after the decoder start token, and the same tokens as greedy
 * decoding straight on the sessions without any cache.
 */
export async function checkGreedyGeneration(
  h: Harness,
  encSession: EngineSession,
  dec: EngineSession,
  facts: Seq2SeqFacts,
  n = 6,
): Promise<Record<string, unknown>> {
  requirePipeline(facts);
  const g = seq2seqGeometry(h.config, h.spec.ref);
  const { tokenizer, model } = await loadSeq2Seq(h);
  try {
    const inputs = tokenizer('hello world, this is a test.');
    const t0 = performance.now();
    const out = await generateRows(model, { ...inputs, ...PLAIN_GREEDY, max_new_tokens: n, min_new_tokens: n });
    const ms = performance.now() - t0;
    const row = out[0]!;
    expectThat(
      row.length === n + 1,
      `generate returned ${row.length - 1} new tokens after the decoder start token, expected ${n} (max_new_tokens = min_new_tokens = ${n}): ${JSON.stringify(row)}`,
    );
    expectThat(
      row[0] === g.decoderStartTokenId,
      `the generated sequence starts with ${row[0]}, expected decoder_start_token_id ${g.decoderStartTokenId}`,
    );
    const ref = await greedyDecode(encSession, dec, g, toFeeds(inputs), n, { cache: false, suppress: g.eosTokenIds });
    expectThat(
      JSON.stringify(ref.tokens[0]) === JSON.stringify(row),
      `generation with the KV cache (transformers.js) gave ${JSON.stringify(row)}, greedy decoding without a cache gave ${JSON.stringify(ref.tokens[0])}`,
    );
    return { tokens: row, generate_ms: Math.round(ms) };
  } finally {
    await model.dispose();
  }
}

/** A padded batch generates, row by row, the same tokens as each input alone. */
export async function checkPaddedBatch(h: Harness, facts: Seq2SeqFacts, n = 5): Promise<Record<string, unknown>> {
  requirePipeline(facts);
  const texts = ['hello world', 'the cat sat on the mat. what a good day it was in paris'];
  const { tokenizer, model } = await loadSeq2Seq(h);
  try {
    const batch = tokenizer(texts, { padding: true });
    const padded = Array.from(batch.attention_mask!.data).filter((x) => x === 0n).length;
    expectThat(
      padded > 0,
      `the tokenizer did not pad the shorter of two inputs (attention_mask has no 0), so the check would prove nothing`,
    );
    const together = await generateRows(model, { ...batch, ...PLAIN_GREEDY, max_new_tokens: n, min_new_tokens: n });
    for (let i = 0; i < texts.length; i++) {
      const alone = (
        await generateRows(model, { ...tokenizer(texts[i]!), ...PLAIN_GREEDY, max_new_tokens: n, min_new_tokens: n })
      )[0]!;
      if (JSON.stringify(alone) !== JSON.stringify(together[i])) {
        throw new CheckFailure(
          `row ${i} of a padded batch generated ${JSON.stringify(together[i])}, alone it generated ${JSON.stringify(alone)}: padding leaks into the encoder or cross-attention`,
        );
      }
    }
    return { paddedPositions: padded, tokens: together };
  } finally {
    await model.dispose();
  }
}

const OUTPUT_KEY: Record<string, string> = {
  'text2text-generation': 'generated_text',
  translation: 'translation_text',
  summarization: 'summary_text',
};

/**
 * A text pipeline (text2text-generation, translation, summarization) returns one string per
 * input, equal to decoding what AutoModelForSeq2SeqLM generates for the same prepared input
 * (prefixes, translation language tokens and forced BOS included).
 */
export async function checkTextPipeline(
  h: Harness,
  task: string,
  facts: Seq2SeqFacts,
): Promise<Record<string, unknown>> {
  requirePipeline(facts);
  const key = OUTPUT_KEY[task];
  if (!key)
    throw new CheckFailure(`no text pipeline check for task "${task}"; known: ${Object.keys(OUTPUT_KEY).join(', ')}`);
  const { tf, modelId, device } = await h.pipelineEnv();
  // One view for the text2text-generation, summarization and translation pipelines: each returns its text under OUTPUT_KEY.
  const pipe: ((t: string, kw: Record<string, unknown>) => Promise<unknown>) & {
    tokenizer: Tok;
    model: Seq2SeqModel;
    dispose(): Promise<unknown>;
  } = await tf.pipeline(task as 'text2text-generation', modelId, { device: device as 'cpu', dtype: 'fp32' });
  const text = 'hello world, this is paris.';
  const kw = () => ({ max_new_tokens: 5, ...(task === 'translation' && facts.translation ? facts.translation : {}) });
  try {
    const out = (await pipe(text, kw())) as Record<string, string>[];
    expectThat(Array.isArray(out) && out.length === 1, `${task} returned ${JSON.stringify(out)}, expected one result`);
    const got = out[0]![key];
    expectThat(typeof got === 'string', `${task} returned ${JSON.stringify(out[0])}, expected a string under "${key}"`);
    // What the pipeline should have produced: the same preparation, generate, decode.
    const cfg = h.config;
    const prefix =
      String(cfg.prefix ?? '') +
      String(((cfg.task_specific_params ?? {}) as Record<string, { prefix?: string }>)[task]?.prefix ?? '');
    const genKw: Record<string, unknown> = kw();
    const opts = { padding: true, truncation: true };
    const inputs =
      task === 'translation' && pipe.tokenizer._build_translation_inputs
        ? pipe.tokenizer._build_translation_inputs([prefix + text], opts, genKw)
        : pipe.tokenizer([prefix + text], opts);
    const ids = generatedTensor(await pipe.model.generate({ ...inputs, ...genKw }));
    const want = pipe.tokenizer.batch_decode(ids, { skip_special_tokens: true })[0];
    expectThat(
      got === want,
      `${task} returned ${JSON.stringify(got)}, but decoding the model's own generation gives ${JSON.stringify(want)}`,
    );
    const details: Record<string, unknown> = { text: got, tokens: idRows(ids)[0] };
    if (typeof genKw.forced_bos_token_id === 'number') {
      const first = idRows(ids)[0]![1];
      expectThat(
        first === genKw.forced_bos_token_id,
        `translation to ${facts.translation?.tgt_lang} should start with the language token ${genKw.forced_bos_token_id}, got ${first}`,
      );
      details.forcedBos = first;
    }
    return details;
  } finally {
    await pipe.dispose();
  }
}
