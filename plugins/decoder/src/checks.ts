import type { EngineSession, Feeds } from '@hf-core/core';
import {
  assertOutputShapes,
  CheckFailure,
  checkKvCacheConsistency,
  checkLeftPaddedGeneration,
  decoderStep,
  emptyCache,
  expectThat,
  greedyGenerate,
  SeededFeeds,
  SkipCheck,
  tensor,
  type Harness,
  type StepOptions,
} from '@hf-core/harness';
import { missingConfigKeys, REQUIRED_CONFIG_KEYS } from './required-keys.ts';

/** Facts the generated test is rendered with (from the synthesizer or the model's config). */
export interface DecoderFacts {
  vocabSize: number;
  padId: number;
  eosId: number;
  /** Cache inputs transformers.js feeds this type (empty: it builds no cache for it). */
  pastNames: string[];
  inputNames: string[];
  maxPositions: number;
  /** transformers.js starts position ids at 1 for gemma3_text. */
  positionStart?: number;
  /** Why the type has no cache, when it has none. */
  noCacheReason?: string;
}

/** config.json has every key transformers.js reads to name and size this type's cache. */
export function checkConfigKeys(config: Record<string, unknown>, modelType: string): { keys: number } {
  const missing = missingConfigKeys(config, modelType);
  if (missing.length) {
    throw new CheckFailure(
      `config.json (model_type "${modelType}") lacks ${missing.map((k) => `"${k}"`).join(', ')}: transformers.js reads ${missing.length > 1 ? 'these keys' : 'this key'} to build the ${modelType} cache; add ${missing.length > 1 ? 'them' : 'it'} with the values the ONNX graph was exported with`,
      { missing },
    );
  }
  return { keys: (REQUIRED_CONFIG_KEYS[modelType] ?? []).length };
}

export const PROMPTS = ['hello world', 'the cat sat on the mat.'];
const NEW_TOKENS = 8;

/** Seeded prompt ids above the special tokens. */
export function promptIds(facts: DecoderFacts, len: number, seed = 1): number[] {
  const rng = new SeededFeeds(seed);
  return Array.from({ length: len }, () => rng.int(Math.min(5, facts.vocabSize - 1), facts.vocabSize));
}

/** transformers.js's token_type_ids for HRM-Text (1 in the prompt pass, 0 after); none elsewhere. */
export function stepOptions(session: EngineSession, facts: DecoderFacts, constantTypes = false): StepOptions {
  const opts: StepOptions = { positionStart: facts.positionStart ?? 0 };
  if (session.inputNames.includes('token_type_ids')) {
    opts.extraFeeds = (ids, hasPast) => ({
      token_type_ids: tensor(
        'int64',
        ids.flat().map(() => (constantTypes || hasPast ? 0 : 1)),
        [ids.length, ids[0]!.length],
      ),
    });
  }
  return opts;
}

/** Every cache input transformers.js will feed is declared by the session, with the expected names. */
export function checkCacheInputs(session: EngineSession, facts: DecoderFacts): { cacheInputs: number } {
  const missing = facts.inputNames.filter((n) => !session.inputNames.includes(n));
  if (missing.length) {
    throw new CheckFailure(
      `onnx/model.onnx lacks input${missing.length > 1 ? 's' : ''} ${missing.join(', ')} that transformers.js feeds this model type (declared: ${session.inputNames.join(', ')}); re-export the decoder with its cache (optimum: --task text-generation-with-past)`,
    );
  }
  const outputs = facts.pastNames.map((n) => n.replace('past_key_values', 'present').replace(/^past_/, 'present_'));
  const missingOut = outputs.filter((n) => !session.outputNames.includes(n));
  if (missingOut.length)
    throw new CheckFailure(
      `onnx/model.onnx lacks output${missingOut.length > 1 ? 's' : ''} ${missingOut.join(', ')} (declared: ${session.outputNames.join(', ')})`,
    );
  return { cacheInputs: facts.pastNames.length };
}

/** Logits [b, s, vocab] and every present output's batch and sequence dims after a prompt pass. */
export async function checkStepShapes(
  session: EngineSession,
  facts: DecoderFacts,
  rows = 2,
  seq = 6,
): Promise<Record<string, unknown>> {
  const ids = Array.from({ length: rows }, (_, r) => promptIds(facts, seq, r + 1));
  const { logits, cache } = await decoderStep(
    session,
    ids,
    ids.map((row) => row.map(() => 1)),
    undefined,
    stepOptions(session, facts),
  );
  assertOutputShapes({ logits }, { logits: [rows, seq, facts.vocabSize] });
  for (const [name, t] of Object.entries(cache)) {
    expectThat(t.dims[0] === rows, `${name} has batch dim ${t.dims[0]}, expected ${rows}`);
    if (name.startsWith('past_key_values.') && !/conv_state|shift_state/.test(name))
      expectThat(
        t.dims.at(-2) === seq,
        `present for ${name} has sequence dim ${t.dims.at(-2)} (shape [${t.dims}]), expected ${seq} after a ${seq}-token prompt`,
      );
  }
  return { presents: Object.keys(cache).length };
}

/** Feeds of a whole prompt with an empty cache (for latency and parity). */
export function promptFeeds(session: EngineSession, facts: DecoderFacts, seq = 16): Feeds {
  const ids = promptIds(facts, seq, 9);
  const feeds: Feeds = {
    input_ids: tensor('int64', ids, [1, seq]),
    attention_mask: tensor(
      'int64',
      ids.map(() => 1),
      [1, seq],
    ),
  };
  if (session.inputNames.includes('position_ids'))
    feeds.position_ids = tensor(
      'int64',
      ids.map((_, i) => i + (facts.positionStart ?? 0)),
      [1, seq],
    );
  Object.assign(feeds, stepOptions(session, facts).extraFeeds?.([ids], false) ?? {}, emptyCache(session, 1));
  return feeds;
}

/** KV-cache consistency on the raw session (skips where transformers.js builds no cache). */
export async function checkKvCache(session: EngineSession, facts: DecoderFacts): Promise<Record<string, unknown>> {
  if (!facts.pastNames.length) throw new SkipCheck(facts.noCacheReason ?? 'this model type has no cache inputs');
  return checkKvCacheConsistency(session, promptIds(facts, 10, 4), {
    ...stepOptions(session, facts, true),
    prefill: 4,
    tol: 1e-4,
  });
}

/** Session-level left padding: a padded batch generates what each prompt generates alone (every backend). */
export async function checkSessionLeftPadding(
  session: EngineSession,
  facts: DecoderFacts,
): Promise<Record<string, unknown>> {
  return checkLeftPaddedGeneration(
    session,
    [promptIds(facts, 3, 5), promptIds(facts, 7, 6)],
    facts.padId,
    6,
    stepOptions(session, facts),
  );
}

/** Session-level greedy generation with the cache; records prefill_ms, decode_ms_per_token, tokens_per_s. */
export async function checkSessionGeneration(
  h: Harness,
  session: EngineSession,
  facts: DecoderFacts,
): Promise<Record<string, unknown>> {
  const prompt = [promptIds(facts, 8, 2)];
  await greedyGenerate(session, prompt, 2, stepOptions(session, facts)); // warm-up
  const g = await greedyGenerate(session, prompt, 16, stepOptions(session, facts));
  expectThat(
    g.tokens[0]!.length === 16,
    `greedy generation on the session produced ${g.tokens[0]!.length} tokens, expected 16`,
  );
  for (const t of g.tokens[0]!)
    expectThat(t >= 0 && t < facts.vocabSize, `generated token id ${t} is outside the vocabulary (${facts.vocabSize})`);
  h.metric('prefill_ms', g.prefill_ms);
  h.metric('decode_ms_per_token', g.decode_ms_per_token);
  h.metric('tokens_per_s', g.tokens_per_s);
  return { prefill_ms: g.prefill_ms, decode_ms_per_token: g.decode_ms_per_token, tokens_per_s: g.tokens_per_s };
}

type Tf = Awaited<ReturnType<Harness['pipelineEnv']>>['tf'];
type Tokenizer = Awaited<ReturnType<Tf['AutoTokenizer']['from_pretrained']>>;
type Generator = { generate(args: Record<string, unknown>): Promise<unknown>; dispose(): Promise<unknown> };

async function loadCausalLm(h: Harness): Promise<{ tf: Tf; tokenizer: Tokenizer; model: Generator }> {
  const { tf, modelId, device } = await h.pipelineEnv();
  const tokenizer = await tf.AutoTokenizer.from_pretrained(modelId);
  const model: Generator = await tf.AutoModelForCausalLM.from_pretrained(modelId, {
    device: device as 'cpu',
    dtype: 'fp32',
  });
  return { tf, tokenizer, model };
}

const rowsOf = (t: unknown): number[][] => (t as { tolist(): bigint[][] }).tolist().map((r) => r.map(Number));
const greedy = { do_sample: false, max_new_tokens: NEW_TOKENS, min_new_tokens: NEW_TOKENS };

/**
 * AutoModelForCausalLM.generate: greedy decoding returns exactly NEW_TOKENS new tokens, the same
 * tokens the raw session's greedy loop picks, and records the pipeline's generation timings.
 */
export async function checkGenerate(
  h: Harness,
  session: EngineSession,
  facts: DecoderFacts,
): Promise<Record<string, unknown>> {
  const { tokenizer, model } = await loadCausalLm(h);
  try {
    const inputs = tokenizer(PROMPTS[0]);
    const promptLen = inputs.input_ids.dims[1] as number;
    const t0 = performance.now();
    await model.generate({ ...inputs, ...greedy, max_new_tokens: 1, min_new_tokens: 1 });
    const prefill = performance.now() - t0;
    const t1 = performance.now();
    const out = rowsOf(await model.generate({ ...inputs, ...greedy }));
    const total = performance.now() - t1;
    const generated = out[0]!.slice(promptLen);
    expectThat(
      generated.length === NEW_TOKENS,
      `generate returned ${generated.length} new tokens, expected ${NEW_TOKENS} (sequence length ${out[0]!.length}, prompt ${promptLen})`,
    );
    const raw = await greedyGenerate(session, [out[0]!.slice(0, promptLen)], NEW_TOKENS, {
      ...stepOptions(session, facts),
      suppressTokens: [facts.eosId],
    });
    expectThat(
      raw.tokens[0]!.join() === generated.join(),
      `transformers.js greedy tokens [${generated}] differ from the raw session's greedy loop [${raw.tokens[0]}]`,
    );
    const r = (x: number) => Math.round(x * 1000) / 1000;
    h.metric('pipeline_prefill_ms', r(prefill));
    h.metric('pipeline_decode_ms_per_token', r(Math.max(0, total - prefill) / (NEW_TOKENS - 1)));
    return { newTokens: generated.length, tokens: generated };
  } finally {
    await model.dispose();
  }
}

/** A left-padded batch of two prompts generates, row by row, the same tokens as each prompt alone. */
export async function checkLeftPaddedBatch(h: Harness): Promise<Record<string, unknown>> {
  const { tokenizer, model } = await loadCausalLm(h);
  try {
    tokenizer.padding_side = 'left';
    const batch = tokenizer(PROMPTS, { padding: true });
    const mask = rowsOf(batch.attention_mask);
    expectThat(
      mask.some((row) => row[0] === 0),
      `the batch was not left-padded (attention_mask ${JSON.stringify(mask)}); the prompts must differ in length`,
    );
    const together = rowsOf(await model.generate({ ...batch, ...greedy }));
    const width = batch.input_ids.dims[1] as number;
    for (let r = 0; r < PROMPTS.length; r++) {
      const alone = tokenizer(PROMPTS[r]);
      const single = rowsOf(await model.generate({ ...alone, ...greedy }))[0]!.slice(alone.input_ids.dims[1]);
      const inBatch = together[r]!.slice(width);
      expectThat(
        single.join() === inBatch.join(),
        `row ${r} ("${PROMPTS[r]}") generates [${inBatch}] in a left-padded batch but [${single}] alone`,
      );
    }
    return { rows: PROMPTS.length, paddedWidth: width };
  } finally {
    await model.dispose();
  }
}

/** text-generation pipeline: returns generated_text that starts with the prompt and adds text. */
export async function checkTextGeneration(h: Harness): Promise<Record<string, unknown>> {
  const { tf, modelId, device } = await h.pipelineEnv();
  const pipe = await tf.pipeline('text-generation', modelId, { device: device as 'cpu', dtype: 'fp32' });
  try {
    const out = (await pipe(PROMPTS[1]!, greedy)) as { generated_text: string }[];
    const text = out[0]?.generated_text;
    expectThat(
      typeof text === 'string',
      `text-generation returned ${JSON.stringify(out).slice(0, 200)}, expected [{ generated_text }]`,
    );
    expectThat(
      text.startsWith(PROMPTS[1]!) && text.length > PROMPTS[1]!.length,
      `generated_text ${JSON.stringify(text)} does not extend the prompt ${JSON.stringify(PROMPTS[1])}`,
    );
    return { chars: text.length - PROMPTS[1]!.length };
  } finally {
    await pipe.dispose();
  }
}
