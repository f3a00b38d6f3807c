import type { Tensor } from '@huggingface/transformers';
import type { EngineSession } from '@hf-core/core';
import {
  CheckFailure,
  expectThat,
  fromTfTensor,
  generatedTensor,
  maxAbsDiff,
  SeededFeeds,
  SkipCheck,
  tensor,
  type Harness,
} from '@hf-core/harness';
import { emptyPast, presentsAsPast } from './cache.ts';
import type { SpeechFacts } from './facts.ts';
import { generatorFeeds } from './inputs.ts';

type TfTensor = { dims: number[]; data: Float32Array | BigInt64Array; type: string };
const TEXTS = ['hello world', 'the cat sat on the mat.'];
/** HiFi-GAN takes one unbatched spectrogram, so there is no batch axis to compare along. */
export function requireBatchAxis(facts: SpeechFacts): void {
  if (facts.frontEnd === 'spectrogram')
    throw new SkipCheck('SpeechT5HifiGan takes one unbatched spectrogram [frames, mel bins]; it has no batch axis');
}

/** The samples of one-channel audio (transformers.js types multi-channel audio as a list of channels). */
function mono(audio: Float32Array | Float32Array[], what: string): Float32Array {
  if (Array.isArray(audio)) throw new CheckFailure(`${what} returned ${audio.length} channels of audio, expected one`);
  return audio;
}

const audioOk = (x: Float32Array) => x.every((v) => Number.isFinite(v) && Math.abs(v) <= 1);

/**
 * text-to-speech (VITS) on one text and on two: audio at config.sampling_rate, SAMPLES_PER_TOKEN
 * samples per token, finite and in [-1, 1], equal to the raw session on the tokenizer's ids, and
 * each text in the padded batch keeps the samples it has alone.
 */
export async function checkTextToSpeech(h: Harness, session: EngineSession, facts: SpeechFacts) {
  const { tf, modelId, device } = await h.pipelineEnv();
  const tts = await tf.pipeline('text-to-speech', modelId, { device: device as 'cpu', dtype: 'fp32' });
  try {
    const singles: Float32Array[] = [];
    for (const text of TEXTS) {
      const out = await tts(text);
      const audio = mono(out.audio, 'text-to-speech');
      expectThat(
        out.sampling_rate === h.config.sampling_rate,
        `text-to-speech sampling_rate is ${out.sampling_rate}, config.json says ${h.config.sampling_rate}`,
      );
      const enc = tts.tokenizer(text) as Record<string, TfTensor>;
      const n = enc.input_ids!.dims[1]!;
      expectThat(
        audio.length === n * facts.samplesPerToken!,
        `text-to-speech of ${JSON.stringify(text)} gave ${audio.length} samples, expected ${n} tokens x ${facts.samplesPerToken}`,
      );
      expectThat(
        audioOk(audio),
        `text-to-speech of ${JSON.stringify(text)} has samples that are not finite or outside [-1, 1]`,
      );
      const raw = (
        await session.run({
          input_ids: { type: 'int64', dims: enc.input_ids!.dims, data: enc.input_ids!.data },
          attention_mask: { type: 'int64', dims: enc.attention_mask!.dims, data: enc.attention_mask!.data },
        })
      ).waveform!;
      const diff = maxAbsDiff(
        { type: 'float32', dims: [audio.length], data: audio },
        { type: 'float32', dims: [audio.length], data: raw.data },
      );
      expectThat(diff <= 1e-5, `text-to-speech and the raw session differ by ${diff} on ${JSON.stringify(text)}`);
      singles.push(audio);
    }
    const batch = await tts(TEXTS);
    expectThat(
      Array.isArray(batch) && batch.length === TEXTS.length,
      `text-to-speech on ${TEXTS.length} texts returned ${Array.isArray(batch) ? batch.length : 'a non-array'}`,
    );
    batch.forEach((b, i) => {
      const alone = singles[i]!;
      const diff = maxAbsDiff(
        { type: 'float32', dims: [alone.length], data: mono(b.audio, 'text-to-speech').slice(0, alone.length) },
        { type: 'float32', dims: [alone.length], data: alone },
      );
      expectThat(diff <= 1e-4, `text-to-speech batch row ${i} differs from the text alone by ${diff}`);
    });
    return { samples: singles.map((s) => s.length) };
  } finally {
    await tts.dispose();
  }
}

/** StyleTTS 2 / Kokoro through AutoTokenizer + AutoModel: waveform per token, equal to the session, and the style changes it. */
export async function checkStyledSpeech(h: Harness, session: EngineSession, facts: SpeechFacts) {
  const { tf, modelId, device } = await h.pipelineEnv();
  const tokenizer = await tf.AutoTokenizer.from_pretrained(modelId);
  const model = await tf.AutoModel.from_pretrained(modelId, { device: device as 'cpu', dtype: 'fp32' });
  try {
    const { input_ids }: Record<string, TfTensor> = tokenizer(TEXTS[0]!);
    const rng = new SeededFeeds(4);
    const style = (s: number) =>
      new tf.Tensor(
        'float32',
        Float32Array.from({ length: facts.styleDim! }, () => rng.float() * s),
        [1, facts.styleDim!],
      );
    const speed = new tf.Tensor('float32', Float32Array.from([1]), [1]);
    const style1 = style(1);
    const a = (await model({ input_ids, style: style1, speed })) as Record<string, TfTensor>;
    const raw = (
      await session.run({
        input_ids: { type: 'int64', dims: input_ids!.dims, data: input_ids!.data },
        style: { type: 'float32', dims: style1.dims, data: style1.data as Float32Array },
        speed: { type: 'float32', dims: [1], data: Float32Array.from([1]) },
      })
    ).waveform!;
    const diff = maxAbsDiff(fromTfTensor(a.waveform!), raw);
    expectThat(diff <= 1e-5, `AutoModel and the raw session differ by ${diff}`);
    const wave = a.waveform!;
    const n = input_ids!.dims[1]!;
    expectThat(
      wave.dims.join() === [1, n * facts.samplesPerToken!].join(),
      `waveform is [${wave.dims}], expected [1, ${n * facts.samplesPerToken!}]`,
    );
    expectThat(audioOk(wave.data as Float32Array), 'waveform has samples that are not finite or outside [-1, 1]');
    const b = (await model({ input_ids, style: style(3), speed })) as Record<string, TfTensor>;
    expectThat(
      maxAbsDiff(fromTfTensor(wave), fromTfTensor(b.waveform!)) > 1e-6,
      'a different style gives the same waveform: the style input is ignored',
    );
    return { samples: wave.dims[1] };
  } finally {
    await model.dispose();
  }
}

/** SpeechT5 HiFi-GAN through AutoModel: waveform [1, frames x hop], finite, in [-1, 1], equal to the session. */
export async function checkVocoder(h: Harness, session: EngineSession, facts: SpeechFacts) {
  const { tf, modelId, device } = await h.pipelineEnv();
  const model = await tf.AutoModel.from_pretrained(modelId, { device: device as 'cpu', dtype: 'fp32' });
  try {
    const feeds = generatorFeeds(facts, 1, 8);
    const spec = feeds.spectrogram!;
    const out = (await model({
      spectrogram: new tf.Tensor('float32', spec.data as Float32Array, [...spec.dims]),
    })) as Record<string, TfTensor>;
    const wave = out.waveform!;
    expectThat(wave, `SpeechT5HifiGan returned no waveform (got ${Object.keys(out).join(', ')})`);
    const want = [1, spec.dims[0]! * facts.hopLength!];
    expectThat(
      wave.dims.join() === want.join(),
      `waveform is [${wave.dims}], expected [${want}] (frames x prod(upsample_rates))`,
    );
    expectThat(audioOk(wave.data as Float32Array), 'waveform has samples that are not finite or outside [-1, 1]');
    const diff = maxAbsDiff(fromTfTensor(wave), (await session.run(feeds)).waveform!);
    expectThat(diff <= 1e-5, `AutoModel and the raw session differ by ${diff}`);
    return { samples: wave.dims[1] };
  } finally {
    await model.dispose();
  }
}

/**
 * text-to-speech (Supertonic: text encoder, denoising steps, voice decoder) on one text and on
 * two: audio at config.sampling_rate whose length is the text encoder's duration (seconds / speed
 * 1.05 x sampling_rate, as the session predicts it), finite and in [-1, 1].
 */
export async function checkDiffusionSpeech(h: Harness, session: EngineSession, facts: SpeechFacts) {
  const { tf, modelId, device } = await h.pipelineEnv();
  const tts = await tf.pipeline('text-to-speech', modelId, { device: device as 'cpu', dtype: 'fp32' });
  try {
    const [n, dim] = facts.styleShape!;
    const rng = new SeededFeeds(6);
    const styleData = Float32Array.from({ length: n! * dim! }, () => rng.float());
    const speaker_embeddings = new tf.Tensor('float32', styleData, [1, n! * dim!]);
    const out = await tts(TEXTS, { speaker_embeddings, num_inference_steps: 3 });
    expectThat(
      Array.isArray(out) && out.length === TEXTS.length,
      `text-to-speech on ${TEXTS.length} texts returned ${Array.isArray(out) ? out.length : 'a non-array'}`,
    );
    const lengths: number[] = [];
    for (const [i, text] of TEXTS.entries()) {
      const o = out[i]!;
      const audio = mono(o.audio, 'text-to-speech');
      expectThat(
        o.sampling_rate === h.config.sampling_rate,
        `sampling_rate is ${o.sampling_rate}, config.json says ${h.config.sampling_rate}`,
      );
      const enc = tts.tokenizer(text) as Record<string, TfTensor>;
      const raw = await session.run({
        input_ids: { type: 'int64', dims: enc.input_ids!.dims, data: enc.input_ids!.data },
        attention_mask: { type: 'int64', dims: enc.attention_mask!.dims, data: enc.attention_mask!.data },
        style: { type: 'float32', dims: [1, n!, dim!], data: styleData },
      });
      const want = Math.ceil(((raw.durations!.data as Float32Array)[0]! / 1.05) * Number(h.config.sampling_rate));
      expectThat(
        Math.abs(audio.length - want) <= 1,
        `audio for ${JSON.stringify(text)} has ${audio.length} samples; the text encoder's duration gives ${want}`,
      );
      expectThat(
        audioOk(audio),
        `audio for ${JSON.stringify(text)} has samples that are not finite or outside [-1, 1]`,
      );
      lengths.push(audio.length);
    }
    return { samples: lengths };
  } finally {
    await tts.dispose();
  }
}

/**
 * MusicGen generate() (text encoder, merged decoder over batch x codebooks rows with the delay
 * pattern, EnCodec decode): max_new_tokens = n gives n + 1 - num_codebooks frames of audio,
 * hop samples each, finite and in [-1, 1]; greedy generation is deterministic.
 */
export async function checkMusicgen(h: Harness, facts: SpeechFacts, n = 8) {
  const { tf, modelId, device } = await h.pipelineEnv();
  const tokenizer = await tf.AutoTokenizer.from_pretrained(modelId);
  const model = await tf.MusicgenForConditionalGeneration.from_pretrained(modelId, {
    device: device as 'cpu',
    dtype: 'fp32',
  });
  try {
    const inputs = tokenizer(TEXTS[0]!);
    const t0 = performance.now();
    const audio = generatedTensor(await model.generate({ ...inputs, max_new_tokens: n }));
    const ms = performance.now() - t0;
    const frames = n + 1 - facts.codebooks!;
    const want = [1, 1, frames * facts.hopLength!];
    expectThat(
      audio.dims.join() === want.join(),
      `generate(max_new_tokens=${n}) gave audio_values [${audio.dims}], expected [${want}] (${frames} frames after the delay pattern x hop ${facts.hopLength})`,
    );
    expectThat(
      audioOk(audio.data as Float32Array),
      'generated audio has samples that are not finite or outside [-1, 1]',
    );
    const again = generatedTensor(await model.generate({ ...inputs, max_new_tokens: n }));
    expectThat(
      maxAbsDiff(fromTfTensor(audio), fromTfTensor(again)) === 0,
      'greedy generation gave different audio on a second run',
    );
    h.metric('decode_ms_per_token', Math.round((ms / n) * 1000) / 1000);
    return { frames, samples: audio.dims[2] };
  } finally {
    await model.dispose();
  }
}

/**
 * text-to-speech with SpeechT5 (encoder, cached spectrogram decoder, HiFi-GAN from vocoder/):
 * generate_speech gives a spectrogram of reduction_factor frames per step that stops within
 * maxlenratio, the vocoder turns it into frames x hop samples, and the pipeline returns exactly that audio.
 */
export async function checkSpeechT5(h: Harness, facts: SpeechFacts) {
  const { tf, modelId, device } = await h.pipelineEnv();
  const loaded = await tf.pipeline('text-to-speech', modelId, { device: device as 'cpu', dtype: 'fp32' });
  const vocoder = await tf.AutoModel.from_pretrained(`${modelId}/vocoder`, { device: device as 'cpu', dtype: 'fp32' });
  // transformers.js 4.3.2 types 'text-to-audio' as a text task, so pipeline() never loads the
  // SpeechT5Processor the spectrogram path needs: build the same pipeline class with it.
  const factoryLoadsProcessor = Boolean(loaded.processor);
  const tts = factoryLoadsProcessor
    ? loaded
    : new tf.TextToAudioPipeline({
        task: 'text-to-audio',
        model: loaded.model,
        tokenizer: loaded.tokenizer,
        processor: await tf.AutoProcessor.from_pretrained(modelId),
      });
  try {
    tts.vocoder = vocoder;
    const rng = new SeededFeeds(2);
    const spk = Float32Array.from({ length: facts.speakerDim! }, () => rng.float());
    const out = await tts(TEXTS[0]!, { speaker_embeddings: spk });
    const audio = mono(out.audio, 'text-to-speech');
    expectThat(
      out.sampling_rate === facts.samplingRate,
      `text-to-speech sampling_rate is ${out.sampling_rate}, preprocessor_config.json says ${facts.samplingRate}`,
    );
    const { input_ids }: Record<string, Tensor> = tts.tokenizer(TEXTS[0]!);
    const model = tts.model;
    if (!(model instanceof tf.SpeechT5ForTextToSpeech))
      throw new CheckFailure(
        `the text-to-speech pipeline loaded ${model.constructor.name}, not SpeechT5ForTextToSpeech`,
      );
    const { spectrogram, waveform } = await model.generate_speech(
      input_ids,
      new tf.Tensor('float32', spk, [1, facts.speakerDim!]),
      { vocoder },
    );
    if (!spectrogram || !waveform) throw new CheckFailure('generate_speech returned no spectrogram or no waveform');
    const [frames, mels] = spectrogram.dims as [number, number];
    const maxSteps = Math.floor((input_ids!.dims[1]! / facts.reductionFactor!) * 20);
    expectThat(
      mels === facts.featDim &&
        frames > 0 &&
        frames % facts.reductionFactor! === 0 &&
        frames / facts.reductionFactor! <= maxSteps,
      `spectrogram is [${spectrogram.dims}], expected [k x ${facts.reductionFactor}, ${facts.featDim}] with at most ${maxSteps} steps`,
    );
    expectThat(
      waveform.dims.at(-1) === frames * facts.hopLength!,
      `vocoder waveform is [${waveform.dims}], expected ${frames} frames x hop ${facts.hopLength}`,
    );
    expectThat(
      audio.length === frames * facts.hopLength!,
      `pipeline audio has ${audio.length} samples, generate_speech gives ${frames * facts.hopLength!}`,
    );
    const diff = maxAbsDiff(
      { type: 'float32', dims: [audio.length], data: audio },
      { type: 'float32', dims: [audio.length], data: waveform.data as Float32Array },
    );
    expectThat(diff <= 1e-6, `pipeline audio and generate_speech + vocoder differ by ${diff}`);
    expectThat(audioOk(audio), 'speech has samples that are not finite or outside [-1, 1]');
    return { frames, samples: audio.length, factoryLoadsProcessor };
  } finally {
    await vocoder.dispose();
    await loaded.dispose();
  }
}

/**
 * Session level for MusicGen: greedy decoding of all codebook rows with the KV cache equals one
 * uncached pass over the same tokens, logits compared at every generated position of every row.
 */
export async function checkCodebookDecoderCache(h: Harness, facts: SpeechFacts, steps = 3) {
  const d = facts.decoder!;
  const K = facts.codebooks!;
  const v = facts.codebookSize!;
  const enc = (await (await h.session('onnx/text_encoder.onnx')).run(generatorFeeds(facts, 1, 9))).last_hidden_state!;
  const decoder = await h.session('onnx/decoder_model_merged.onnx');
  const rows: number[][] = Array.from({ length: K }, () => [...d.startIds]);
  const cached: Float32Array[][] = [];
  let past = emptyPast(d, enc.dims[1]!, K);
  for (let i = 0; i < steps; i++) {
    const input = rows.map((r) => (i === 0 ? r : [r.at(-1)!]));
    const out = await decoder.run({
      input_ids: tensor('int64', input.flat(), [K, input[0]!.length]),
      encoder_hidden_states: enc,
      ...past,
      use_cache_branch: { type: 'bool', dims: [1], data: Uint8Array.from([i > 0 ? 1 : 0]) },
    });
    const [, len] = out.logits!.dims as number[];
    const data = out.logits!.data as Float32Array;
    cached.push(rows.map((_, r) => data.slice((r * len! + len! - 1) * v, (r * len! + len!) * v)));
    rows.forEach((row, r) => {
      const last = cached[i]![r]!;
      row.push(last.indexOf(Math.max(...last)));
    });
    past = presentsAsPast(out);
  }
  const L = d.startIds.length + steps - 1;
  const full = (
    await decoder.run({
      input_ids: tensor(
        'int64',
        rows.flatMap((r) => r.slice(0, L)),
        [K, L],
      ),
      encoder_hidden_states: enc,
      ...emptyPast(d, enc.dims[1]!, K),
      use_cache_branch: { type: 'bool', dims: [1], data: Uint8Array.from([0]) },
    })
  ).logits!.data as Float32Array;
  let worst = 0;
  for (let i = 0; i < steps; i++) {
    for (let r = 0; r < K; r++) {
      const pos = d.startIds.length - 1 + i;
      const want = full.slice((r * L + pos) * v, (r * L + pos + 1) * v);
      const diff = maxAbsDiff(
        { type: 'float32', dims: [v], data: cached[i]![r]! },
        { type: 'float32', dims: [v], data: want },
      );
      expectThat(
        diff <= 1e-4,
        `codebook ${r}, step ${i}: logits with the KV cache differ from the uncached pass by ${diff}`,
      );
      worst = Math.max(worst, diff);
    }
  }
  return { maxAbsDiff: worst, tokens: rows.map((r) => r.slice(d.startIds.length)) };
}
