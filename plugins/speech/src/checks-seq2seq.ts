import type { EngineSession, Feeds, TensorData } from '@hf-core/core';
import type { Tensor } from '@huggingface/transformers';
import {
  expectThat,
  generatedTensor,
  idRows,
  maxAbsDiff,
  readWavAt,
  SeededFeeds,
  sliceAxis,
  tensor,
  type Harness,
} from '@hf-core/harness';
import { emptyPast, presentsAsPast, type Decoder } from './cache.ts';
import type { SpeechFacts } from './facts.ts';
import { audioFiles, speechFeeds } from './inputs.ts';

type TfTensor = { dims: number[]; data: Float32Array | BigInt64Array; type: string };

/** Argmax of the last position of logits [1, s, v], with `banned` ids masked out. */
function lastArgmax(logits: TensorData, banned: number[]): number {
  const [, s, v] = logits.dims as number[];
  const x = logits.data as Float32Array;
  const off = (s! - 1) * v!;
  const ban = new Set(banned);
  let best = -1;
  for (let j = 0; j < v!; j++) if (!ban.has(j) && (best < 0 || x[off + j]! > x[off + best]!)) best = j;
  return best;
}

/**
 * Greedy decoding through the merged decoder session, one token at a time with the KV cache
 * (past_key_values.* from the previous present.*), `steps` tokens after the start ids, eos banned.
 */
export async function greedyWithCache(decoder: EngineSession, encoderHidden: TensorData, d: Decoder, steps: number) {
  const ids = [...d.startIds];
  const stepLogits: TensorData[] = [];
  let past = emptyPast(d, encoderHidden.dims[1]!);
  let input = ids;
  for (let i = 0; i < steps; i++) {
    const out = await decoder.run({
      input_ids: tensor('int64', input, [1, input.length]),
      encoder_hidden_states: encoderHidden,
      ...past,
      use_cache_branch: { type: 'bool', dims: [1], data: Uint8Array.from([i > 0 ? 1 : 0]) },
    });
    const next = lastArgmax(out.logits!, [d.eos, ...(d.suppress ?? [])]);
    stepLogits.push(sliceAxis(out.logits!, 1, out.logits!.dims[1]!));
    ids.push(next);
    input = [next];
    past = presentsAsPast(out);
  }
  return { ids, stepLogits };
}

/**
 * Session level: greedy decoding with the KV cache equals decoding without it: the whole token
 * sequence run at once with an empty cache gives the same logits at every generated position.
 */
export async function checkDecoderCache(h: Harness, facts: SpeechFacts, steps = 4) {
  const d = facts.decoder!;
  const encoder = await h.session('onnx/encoder_model.onnx');
  const decoder = await h.session('onnx/decoder_model_merged.onnx');
  const enc = (await encoder.run(speechFeeds(facts, { rows: 1, seed: 9 }))).last_hidden_state!;
  const { ids, stepLogits } = await greedyWithCache(decoder, enc, d, steps);
  const full = await decoder.run({
    input_ids: tensor('int64', ids.slice(0, -1), [1, ids.length - 1]),
    encoder_hidden_states: enc,
    ...emptyPast(d, enc.dims[1]!),
    use_cache_branch: { type: 'bool', dims: [1], data: Uint8Array.from([0]) },
  });
  const v = facts.vocabSize;
  const fullLogits = full.logits!.data as Float32Array;
  let worst = 0;
  for (let i = 0; i < steps; i++) {
    const pos = d.startIds.length - 1 + i;
    const cached = stepLogits[i]!;
    const last = (cached.data as Float32Array).slice((cached.dims[1]! - 1) * v, cached.dims[1]! * v);
    const diff = maxAbsDiff(
      { type: 'float32', dims: [v], data: last },
      { type: 'float32', dims: [v], data: fullLogits.slice(pos * v, (pos + 1) * v) },
    );
    expectThat(
      diff <= 1e-4,
      `decoder step ${i}: logits with the KV cache differ from the uncached pass by ${diff} at position ${pos}`,
    );
    worst = Math.max(worst, diff);
    const recomputed = lastArgmax(
      { type: 'float32', dims: [1, 1, v], data: fullLogits.slice(pos * v, (pos + 1) * v) },
      [d.eos, ...(d.suppress ?? [])],
    );
    expectThat(
      recomputed === ids[d.startIds.length + i],
      `decoder step ${i}: cached greedy token ${ids[d.startIds.length + i]} differs from uncached ${recomputed}`,
    );
  }
  return { maxAbsDiff: worst, tokens: ids.slice(d.startIds.length) };
}

/**
 * Pipeline level: generate (Whisper: language en, task transcribe) with max_new_tokens =
 * min_new_tokens = n returns exactly the start prompt (Whisper: <|startoftranscript|> <|en|>
 * <|transcribe|> <|notimestamps|>; Moonshine: <s>) followed by n in-vocabulary tokens, the same tokens the cached session loop
 * picks greedily on the same features.
 */
export async function checkGeneration(h: Harness, facts: SpeechFacts, n = 6, files?: string[]) {
  const d = facts.decoder!;
  const { tf, modelId, device } = await h.pipelineEnv();
  const processor = await tf.AutoProcessor.from_pretrained(modelId);
  const model = await tf.AutoModelForSpeechSeq2Seq.from_pretrained(modelId, { device: device as 'cpu', dtype: 'fp32' });
  try {
    const [path] = files ?? (await audioFiles(facts));
    const inputs: Record<string, Tensor> = await processor(await readWavAt(path!, facts.samplingRate));
    const t0 = performance.now();
    const out = generatedTensor(
      await model.generate({
        inputs: inputs[facts.input],
        max_new_tokens: n,
        min_new_tokens: n,
        ...d.generateOptions,
      }),
    );
    const ms = performance.now() - t0;
    const seq = idRows(out)[0]!;
    expectThat(
      seq.length === d.startIds.length + n,
      `generate(max_new_tokens=${n}) returned ${seq.length} tokens, expected ${d.startIds.length} prompt + ${n} new`,
    );
    expectThat(
      seq.slice(0, d.startIds.length).join() === d.startIds.join(),
      `generated sequence starts with [${seq.slice(0, d.startIds.length)}], expected the prompt [${d.startIds}]`,
    );
    expectThat(
      seq.every((t) => Number.isInteger(t) && t >= 0 && t < facts.vocabSize),
      `generated ids [${seq}] leave the vocabulary of ${facts.vocabSize}`,
    );
    const encoder = await h.session('onnx/encoder_model.onnx');
    const feats = inputs[facts.input]!;
    const enc = (await encoder.run({ [facts.input]: { type: 'float32', dims: feats.dims, data: feats.data } }))
      .last_hidden_state!;
    const { ids } = await greedyWithCache(await h.session('onnx/decoder_model_merged.onnx'), enc, d, n);
    expectThat(ids.join() === seq.join(), `transformers.js generated [${seq}], the cached session loop picks [${ids}]`);
    h.metric('decode_ms_per_token', Math.round((ms / n) * 1000) / 1000);
    h.metric('tokens_per_s', Math.round((n / ms) * 1000 * 1000) / 1000);
    return { tokens: seq.slice(d.startIds.length) };
  } finally {
    await model.dispose();
  }
}

/**
 * automatic-speech-recognition (Whisper, Moonshine, Cohere ASR) on each file and on both at once:
 * a text per clip without special-token markup, equal to the tokenizer's
 * decoding of the raw sessions' greedy tokens, and the batch gives the same texts as the clips alone.
 */
export async function checkSeq2SeqAsr(h: Harness, facts: SpeechFacts, n = 6, files?: string[]) {
  const { tf, modelId, device } = await h.pipelineEnv();
  const asr = await tf.pipeline('automatic-speech-recognition', modelId, { device: device as 'cpu', dtype: 'fp32' });
  try {
    const paths = files ?? (await audioFiles(facts));
    const audios = await Promise.all(paths.map((p) => readWavAt(p, facts.samplingRate)));
    const opts = { max_new_tokens: n, min_new_tokens: n, ...facts.decoder!.generateOptions };
    const texts: string[] = [];
    const encoder = await h.session('onnx/encoder_model.onnx');
    const decoder = await h.session('onnx/decoder_model_merged.onnx');
    const processor: (a: Float32Array) => Promise<Record<string, TfTensor>> = asr.processor;
    for (const [i, audio] of audios.entries()) {
      const out = (await asr(audio, opts)) as { text: string };
      expectThat(
        typeof out.text === 'string',
        `seq2seq ASR returned no text for ${paths[i]} (got ${JSON.stringify(out)})`,
      );
      expectThat(
        !out.text.includes('<|'),
        `ASR transcript of ${paths[i]} still holds special tokens: ${JSON.stringify(out.text)}`,
      );
      // The same greedy tokens from the raw sessions, decoded by the model's tokenizer.
      const feats = (await processor(audio))[facts.input]!;
      const enc = (await encoder.run({ [facts.input]: { type: 'float32', dims: feats.dims, data: feats.data } }))
        .last_hidden_state!;
      const { ids } = await greedyWithCache(decoder, enc, facts.decoder!, n);
      // Whisper's ASR decoding drops timestamp tokens (ids from <|notimestamps|> + 1 on).
      const timestampBegin =
        'timestamp_begin' in asr.tokenizer && typeof asr.tokenizer.timestamp_begin === 'number'
          ? asr.tokenizer.timestamp_begin
          : Number.POSITIVE_INFINITY;
      const textIds = ids.slice(facts.decoder!.startIds.length).filter((t) => t < timestampBegin);
      const expected = asr.tokenizer.decode(textIds, { skip_special_tokens: true }).trim();
      expectThat(
        out.text.trim() === expected,
        `ASR transcript of ${paths[i]} is ${JSON.stringify(out.text)}, but the raw sessions' greedy tokens decode to ${JSON.stringify(expected)}`,
      );
      texts.push(out.text);
    }
    const batch = (await asr(audios, opts)) as { text: string }[];
    expectThat(
      Array.isArray(batch) && batch.length === audios.length,
      `seq2seq ASR on ${audios.length} clips returned ${Array.isArray(batch) ? batch.length : 'a non-array'}`,
    );
    batch.forEach((b, i) =>
      expectThat(
        b.text === texts[i],
        `seq2seq ASR batch row ${i} (${paths[i]}) is ${JSON.stringify(b.text)}, alone it is ${JSON.stringify(texts[i])}`,
      ),
    );
    return { transcripts: texts.map((t) => t.slice(0, 40)) };
  } finally {
    await asr.dispose();
  }
}

/** Feeds for one uncached step of the merged decoder: the start prompt over seeded encoder states. */
export function decoderFeeds(facts: SpeechFacts, seed = 13): Feeds {
  const d = facts.decoder!;
  const rng = new SeededFeeds(seed);
  const frames = facts.encoderFrames!;
  return {
    input_ids: tensor('int64', d.startIds, [1, d.startIds.length]),
    encoder_hidden_states: tensor(
      'float32',
      Array.from({ length: frames * facts.hidden }, () => rng.float()),
      [1, frames, facts.hidden],
    ),
    ...emptyPast(d, frames),
    use_cache_branch: { type: 'bool', dims: [1], data: Uint8Array.from([0]) },
  };
}
