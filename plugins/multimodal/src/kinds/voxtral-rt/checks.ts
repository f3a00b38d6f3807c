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
  tone,
  toNumbers,
  type Harness,
  argmax,
  generatedTensor,
} from '@hf-core/harness';
import type { TfTensor } from '../../shared/images.ts';

/** Facts a VoxtralRealtime test is rendered with. */
export interface VoxtralRtFacts {
  kind: 'voxtral_rt';
  mels: number;
  encHidden: number;
  encLayers: number;
  encKvHeads: number;
  encHeadDim: number;
  vocabSize: number;
  hidden: number;
  layers: number;
  kvHeads: number;
  headDim: number;
  bosId: number;
  padId: number;
  eosId: number;
}

export const VOXTRAL_RT_FILES = {
  encoder: 'onnx/audio_encoder.onnx',
  embed: 'onnx/embed_tokens.onnx',
  decoder: 'onnx/decoder_model_merged.onnx',
} as const;

export async function voxtralRtSessions(h: Harness) {
  return {
    encoder: await h.session(VOXTRAL_RT_FILES.encoder),
    embed: await h.session(VOXTRAL_RT_FILES.embed),
    decoder: await h.session(VOXTRAL_RT_FILES.decoder),
  };
}

/** Seeded mel features [1, mels, frames]. */
export function melFeeds(facts: VoxtralRtFacts, frames: number, seed = 1): TensorData {
  const rng = new SeededFeeds(seed);
  return tensor(
    'float32',
    Array.from({ length: facts.mels * frames }, () => rng.float()),
    [1, facts.mels, frames],
  );
}

const slice2 = (t: TensorData, from: number, to: number): TensorData => {
  const [, c, n] = t.dims as [number, number, number];
  const v = toNumbers(t);
  const out: number[] = [];
  for (let ch = 0; ch < c; ch++) out.push(...v.slice(ch * n + from, ch * n + to));
  return tensor('float32', out, [1, c, to - from]);
};

/** The encoder's streaming state, as transformers.js keeps it between chunks. */
export class EncoderStream {
  past = 0;
  state: Feeds;
  constructor(
    readonly facts: VoxtralRtFacts,
    encoder: EngineSession,
  ) {
    this.state = {
      past_padding_cache: tensor('float32', new Array((facts.mels + facts.encHidden) * 2).fill(0), [
        1,
        facts.mels + facts.encHidden,
        2,
      ]),
      ...emptyCache(encoder, 1),
    };
  }
  /** Encodes one chunk [1, mels, L] (L a multiple of 8): audio_embeds [1, L / 8, hidden]. */
  async encode(
    encoder: { run(f: Feeds): Promise<Record<string, TensorData>> },
    chunk: TensorData,
  ): Promise<TensorData> {
    const n = Math.floor((1 + chunk.dims[2]! - 3) / 2) + 1;
    const total = this.past + n;
    const out = await encoder.run({
      input_features: chunk,
      attention_mask: tensor('int64', new Array(total).fill(1), [1, total]),
      position_ids: tensor(
        'int64',
        Array.from({ length: n }, (_, i) => this.past + i),
        [1, n],
      ),
      ...this.state,
    });
    this.state = { past_padding_cache: out.present_padding_cache! };
    for (const [name, v] of Object.entries(out)) if (name.startsWith('present.')) this.state[pastNameOf(name)] = v;
    this.past = total;
    return out.audio_embeds!;
  }
}

export async function checkVoxtralRtShapes(h: Harness, facts: VoxtralRtFacts): Promise<Record<string, unknown>> {
  const { encoder, embed, decoder } = await voxtralRtSessions(h);
  const stream = new EncoderStream(facts, encoder);
  const e = await stream.encode(encoder, melFeeds(facts, 32));
  expectThat(
    e.dims.join() === [1, 4, facts.hidden].join(),
    `audio_embeds of 32 mel frames is [${e.dims}], expected [1, 4, ${facts.hidden}] (8 frames per token)`,
  );
  assertOutputShapes(
    {
      present_padding_cache: stream.state.past_padding_cache!,
      'present.0.key': stream.state['past_key_values.0.key']!,
    },
    {
      present_padding_cache: [1, facts.mels + facts.encHidden, 2],
      'present.0.key': [1, facts.encKvHeads, 16, facts.encHeadDim],
    },
  );
  const te = await embed.run({ input_ids: tensor('int64', [facts.bosId, facts.padId, facts.padId], [1, 3]) });
  assertOutputShapes(te, { inputs_embeds: [1, 3, facts.hidden] });
  const mask = [[1, 1, 1]];
  const out = await decoder.run({
    inputs_embeds: te.inputs_embeds!,
    attention_mask: tensor('int64', mask[0]!, [1, 3]),
    ...emptyCache(decoder, 1),
  });
  const expected: Record<string, number[]> = { logits: [1, 3, facts.vocabSize] };
  for (let l = 0; l < facts.layers; l++)
    for (const kv of ['key', 'value']) expected[`present.${l}.${kv}`] = [1, facts.kvHeads, 3, facts.headDim];
  assertOutputShapes(out, expected);
  return { files: Object.values(VOXTRAL_RT_FILES) };
}

/**
 * Streaming consistency of the audio encoder: 48 mel frames in chunks of 8, 16 and 24 frames
 * (padding cache and KV cache carried between calls) give the audio embeddings of one call.
 */
export async function checkEncoderStreaming(
  h: Harness,
  facts: VoxtralRtFacts,
  tol = 1e-4,
): Promise<Record<string, unknown>> {
  const { encoder } = await voxtralRtSessions(h);
  const mel = melFeeds(facts, 48, 7);
  const whole = toNumbers(await new EncoderStream(facts, encoder).encode(encoder, mel));
  const stream = new EncoderStream(facts, encoder);
  const parts: number[] = [];
  for (const [a, b] of [
    [0, 8],
    [8, 24],
    [24, 48],
  ] as const)
    parts.push(...toNumbers(await stream.encode(encoder, slice2(mel, a, b))));
  const d = maxAbsDiff(tensor('float32', parts, [parts.length]), tensor('float32', whole, [whole.length]));
  expectThat(
    parts.length === whole.length && d <= tol,
    `streaming the audio encoder in chunks of 8, 16, 24 mel frames differs from one call by ${d} (tolerance ${tol}): past_padding_cache and the KV cache must carry the state`,
  );
  return { maxAbsDiff: d, tokens: whole.length / facts.hidden };
}

/**
 * Greedy transcription on the raw sessions as VoxtralRealtimeForConditionalGeneration runs it:
 * each decoder step adds the next audio embedding to its token embedding; once the audio is
 * used up one more token is generated without audio, then it stops (or at EOS / maxNew).
 */
export async function rawVoxtralRt(
  h: Harness,
  facts: VoxtralRtFacts,
  prompt: number[],
  chunks: TensorData[],
  maxNew: number,
): Promise<number[]> {
  const { encoder, embed, decoder } = await voxtralRtSessions(h);
  const stream = new EncoderStream(facts, encoder);
  const audio: number[][] = [];
  let exhausted = false;
  let consumed = 0;
  let queue = 0;
  const H = facts.hidden;
  const step = async (ids: number[], cache: Feeds | undefined, pastLen: number) => {
    while (queue < consumed + ids.length && !exhausted) {
      const c = chunks.shift();
      if (!c) {
        exhausted = true;
        break;
      }
      const e = toNumbers(await stream.encode(encoder, c));
      for (let i = 0; i < e.length / H; i++) audio.push(e.slice(i * H, (i + 1) * H));
      queue += e.length / H;
    }
    const emb = toNumbers((await embed.run({ input_ids: tensor('int64', ids, [1, ids.length]) })).inputs_embeds!);
    for (let i = 0; i < ids.length && consumed < queue; i++, consumed++)
      for (let k = 0; k < H; k++) emb[i * H + k]! += audio[consumed]![k]!;
    const mask = [new Array(pastLen + ids.length).fill(1) as number[]];
    return decoder.run({
      inputs_embeds: tensor('float32', emb, [1, ids.length, H]),
      attention_mask: tensor('int64', mask[0]!, [1, mask[0]!.length]),
      ...(cache ?? emptyCache(decoder, 1)),
    });
  };
  const tokens: number[] = [];
  let out = await step(prompt, undefined, 0);
  for (;;) {
    const next = argmax(logitsAt(out.logits!, 0, out.logits!.dims[1]! - 1));
    tokens.push(next);
    if (next === facts.eosId || tokens.length >= maxNew || (exhausted && consumed >= queue)) break;
    const cache: Feeds = {};
    for (const [name, v] of Object.entries(out)) if (name.startsWith('present')) cache[pastNameOf(name)] = v;
    out = await step([next], cache, prompt.length + tokens.length - 1);
  }
  return tokens;
}

/**
 * VoxtralRealtimeProcessor (streaming first chunk: BOS + streaming pads, left-padded mel) and
 * VoxtralRealtimeForConditionalGeneration.generate: the prompt is BOS + 38 [STREAMING_PAD];
 * one token per 8 mel frames of audio; the output equals greedy decoding on the raw sessions
 * and is the same twice.
 */
export async function checkVoxtralRtGenerate(h: Harness, facts: VoxtralRtFacts): Promise<Record<string, unknown>> {
  const { tf, modelId, device } = await h.pipelineEnv();
  const processor: (a: Float32Array, o: object) => Promise<Record<string, TfTensor>> =
    await tf.AutoProcessor.from_pretrained(modelId);
  const model = await tf.VoxtralRealtimeForConditionalGeneration.from_pretrained(modelId, {
    device: device as 'cpu',
    dtype: 'fp32',
  });
  try {
    const clip = tone(440, 0.8);
    const inputs = await processor(clip, { is_streaming: true, is_first_audio_chunk: true });
    const prompt = Array.from(inputs.input_ids!.data as ArrayLike<bigint>).map(Number);
    expectThat(
      prompt.length === 39 && prompt[0] === facts.bosId && prompt.slice(1).every((x) => x === facts.padId),
      `the processor's prompt is ${prompt.length} ids starting ${prompt.slice(0, 3)}, expected BOS ${facts.bosId} + 38 [STREAMING_PAD] ${facts.padId}`,
    );
    const frames = inputs.input_features!.dims[2]!;
    expectThat(
      inputs.input_features!.dims.join() === [1, facts.mels, frames].join() && frames % 8 === 0,
      `input_features is [${inputs.input_features!.dims}], expected [1, ${facts.mels}, a multiple of 8 frames]`,
    );
    const feats: TensorData = {
      type: 'float32',
      dims: [...inputs.input_features!.dims],
      data: inputs.input_features!.data as Float32Array,
    };
    const gen = async () => {
      const out = generatedTensor(
        await model.generate({
          input_ids: inputs.input_ids,
          input_features: [inputs.input_features],
          max_new_tokens: 32,
          do_sample: false,
        }),
      );
      return Array.from(out.data as ArrayLike<bigint>).map(Number);
    };
    const row = await gen();
    expectThat(row.slice(0, prompt.length).join() === prompt.join(), 'generate did not return the prompt ids first');
    const fresh = row.slice(prompt.length);
    const audioTokens = frames / 8;
    const expected = audioTokens - prompt.length + 2;
    expectThat(
      fresh.length === expected || (fresh.at(-1) === facts.eosId && fresh.length < expected),
      `generate made ${fresh.length} tokens for ${audioTokens} audio tokens after a ${prompt.length}-token prompt; expected ${expected} (one per remaining audio token, plus the prompt's and one after the audio ends) or an earlier EOS`,
    );
    const raw = await rawVoxtralRt(h, facts, prompt, [feats], 32);
    expectThat(
      raw.join() === fresh.join(),
      `transformers.js generated ${fresh}, greedy decoding on the raw sessions gives ${raw}`,
    );
    const again = await gen();
    expectThat(again.join() === row.join(), 'the same audio generated different tokens on a second call');
    return { promptTokens: prompt.length, audioTokens, generated: fresh };
  } finally {
    await model.dispose();
  }
}
