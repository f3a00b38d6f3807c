import type { EngineSession, TensorData } from '@hf-core/core';
import { CheckFailure, expectThat, maxAbsDiff, processorPart, readWavAt, type Harness } from '@hf-core/harness';

export { checkGeneration, checkDecoderCache, checkSeq2SeqAsr, decoderFeeds } from './checks-seq2seq.ts';
export { checkCodec } from './checks-codec.ts';
export {
  checkCodebookDecoderCache,
  checkDiffusionSpeech,
  checkMusicgen,
  checkSpeechT5,
  checkStyledSpeech,
  checkTextToSpeech,
  checkVocoder,
  requireBatchAxis,
} from './checks-tts.ts';
export type { SpeechFacts } from './facts.ts';
export { audioFiles, expectedShapes, generatorFeeds, generatorShapes, speechFeeds, testClips } from './inputs.ts';
import { audioFiles } from './inputs.ts';
import type { SpeechFacts } from './facts.ts';

type TfTensor = { dims: number[]; data: Float32Array | BigInt64Array; type: string };

/** The sampling rate the processor's feature extractor expects (preprocessor_config.json sampling_rate). */
const samplingRateOf = (processor: { feature_extractor?: { config: { sampling_rate: number } } }): number =>
  processorPart(processor.feature_extractor, 'feature_extractor').config.sampling_rate;
const asData = (t: TfTensor): TensorData => ({ type: t.type as TensorData['type'], dims: t.dims, data: t.data });

/**
 * AutoProcessor on each audio file (read and checked against the processor's sampling rate):
 * its main output has the shape the config implies (samples; frames x feature size; Whisper's
 * num_mel_bins x nb_max_frames) and the processor's sampling_rate is the one the test expects.
 */
export async function checkProcessor(h: Harness, facts: SpeechFacts, files?: string[]) {
  const { tf, modelId } = await h.pipelineEnv();
  const processor = await tf.AutoProcessor.from_pretrained(modelId);
  const fe = processor.feature_extractor;
  if (!fe)
    throw new CheckFailure(
      `AutoProcessor for ${modelId} has no feature extractor (preprocessor_config.json feature_extractor_type ${facts.featureExtractor})`,
    );
  expectThat(
    fe.config.sampling_rate === facts.samplingRate,
    `preprocessor_config.json sampling_rate is ${fe.config.sampling_rate}, expected ${facts.samplingRate}`,
  );
  const shapes: number[][] = [];
  for (const file of files ?? (await audioFiles(facts))) {
    const audio = await readWavAt(file, fe.config.sampling_rate);
    const out = (await processor(audio)) as Record<string, TfTensor>;
    const main = out[facts.input];
    expectThat(main, `processor output for ${file} has no ${facts.input} (got ${Object.keys(out).join(', ')})`);
    const dims = main.dims;
    if (facts.frontEnd === 'mel') {
      const want = [1, Number(h.config.num_mel_bins), fe.config.nb_max_frames];
      expectThat(
        dims.join() === want.join(),
        `${facts.input} for ${file} is [${dims}], expected [${want}] (config num_mel_bins x nb_max_frames)`,
      );
    } else if (facts.frontEnd === 'raw') {
      const want = facts.inputRank === 3 ? [1, 1, audio.length] : [1, audio.length];
      expectThat(
        dims.join() === want.join(),
        `${facts.input} for ${file} is [${dims}], expected [${want}] (one value per sample)`,
      );
    } else {
      const frames = expectedFrames(facts.featureExtractor, fe.config, audio.length);
      expectThat(
        dims.length === 3 &&
          dims[0] === 1 &&
          dims[1] === (frames?.n ?? dims[1]) &&
          dims[1]! > 0 &&
          dims[2] === facts.featDim,
        `${facts.input} for ${file} is [${dims}], expected [1, ${frames ? `${frames.n} (${frames.why})` : 'frames'}, ${facts.featDim}]`,
      );
    }
    expectThat(
      [...(main.data as Float32Array)].every(Number.isFinite),
      `${facts.input} for ${file} has non-finite values`,
    );
    shapes.push(dims);
  }
  return { shapes, samplingRate: fe.config.sampling_rate };
}

/**
 * Spectrogram frames a feature extractor makes from `samples` samples, from its config (the
 * framing each transformers.js extractor uses), or undefined when the type has no fixed rule.
 */
export function expectedFrames(
  extractor: string | null,
  cfg: Record<string, number>,
  samples: number,
): { n: number; why: string } | undefined {
  const kaldi = Math.floor((samples - 400) / 160) + 1; // 25 ms windows every 10 ms, no centering
  switch (extractor) {
    case 'ParakeetFeatureExtractor':
    case 'CohereAsrFeatureExtractor':
      return {
        n: Math.floor(samples / cfg.hop_length!) + 1,
        why: `samples / hop_length ${cfg.hop_length} + 1, centered`,
      };
    case 'ASTFeatureExtractor':
      return { n: cfg.max_length!, why: `max_length ${cfg.max_length}` };
    case 'SeamlessM4TFeatureExtractor':
      return {
        n: Math.floor((kaldi + (kaldi % 2)) / cfg.stride!),
        why: `${kaldi} kaldi frames padded to even / stride ${cfg.stride}`,
      };
    case 'WeSpeakerFeatureExtractor':
      return { n: kaldi, why: '25 ms windows every 10 ms' };
    default:
      return undefined;
  }
}

const argmaxRows = (logits: TensorData): number[] => {
  const [, t, v] = logits.dims as number[];
  const x = logits.data as Float32Array;
  return Array.from({ length: t! }, (_, i) => {
    let best = 0;
    for (let j = 1; j < v!; j++) if (x[i * v! + j]! > x[i * v! + best]!) best = j;
    return best;
  });
};

/**
 * automatic-speech-recognition (CTC) on each file: the transcript equals the tokenizer's decoding
 * of the argmax of the raw session's logits on the processor's features, uses only vocabulary
 * characters, and a batch of two files gives the same transcripts as one file at a time.
 */
export async function checkCtcAsr(h: Harness, session: EngineSession, facts: SpeechFacts, files?: string[]) {
  const { tf, modelId, device } = await h.pipelineEnv();
  const asr = await tf.pipeline('automatic-speech-recognition', modelId, { device: device as 'cpu', dtype: 'fp32' });
  try {
    const paths = files ?? (await audioFiles(facts));
    const sr = samplingRateOf(asr.processor);
    const audios = await Promise.all(paths.map((p) => readWavAt(p, sr)));
    const texts: string[] = [];
    for (const [i, audio] of audios.entries()) {
      const { text } = (await asr(audio)) as { text: string };
      expectThat(typeof text === 'string', `ASR returned no text for ${paths[i]}`);
      const inputs: Record<string, TfTensor> = await asr.processor(audio);
      const logits = (await session.run({ [facts.input]: asData(inputs[facts.input]!) })).logits!;
      const expected = asr.tokenizer.decode(argmaxRows(logits), { skip_special_tokens: true }).trim();
      expectThat(
        text === expected,
        `ASR transcript of ${paths[i]} is ${JSON.stringify(text)}, but decoding the session's argmax gives ${JSON.stringify(expected)}`,
      );
      expectThat(
        /^[A-Z' ]*$/.test(text),
        `ASR transcript of ${paths[i]} has characters outside the CTC vocabulary: ${JSON.stringify(text)}`,
      );
      texts.push(text);
    }
    const batch = (await asr(audios)) as { text: string }[];
    expectThat(
      Array.isArray(batch) && batch.length === audios.length,
      `ASR on ${audios.length} clips returned ${Array.isArray(batch) ? batch.length : 'a non-array'}`,
    );
    batch.forEach((b, i) =>
      expectThat(
        b.text === texts[i],
        `ASR batch row ${i} (${paths[i]}) is ${JSON.stringify(b.text)}, alone it is ${JSON.stringify(texts[i])}`,
      ),
    );
    return { transcripts: texts.map((t) => t.slice(0, 40)), frames: facts.framesPerClip };
  } finally {
    await asr.dispose();
  }
}

/**
 * audio-classification on each file: top_k = all labels, every label from config id2label,
 * scores in [0, 1], descending, summing to 1, and the top label is the argmax of the session.
 */
export async function checkAudioClassification(
  h: Harness,
  session: EngineSession,
  facts: SpeechFacts,
  files?: string[],
) {
  const { tf, modelId, device } = await h.pipelineEnv();
  const id2label = (h.config.id2label ?? {}) as Record<string, string>;
  const labels = Object.values(id2label);
  expectThat(labels.length > 0, `config.json of ${modelId} has no id2label`);
  const clf = await tf.pipeline('audio-classification', modelId, { device: device as 'cpu', dtype: 'fp32' });
  try {
    const paths = files ?? (await audioFiles(facts));
    const sr = samplingRateOf(clf.processor);
    const tops: string[] = [];
    for (const path of paths) {
      const audio = await readWavAt(path, sr);
      const out = (await clf(audio, { top_k: labels.length })) as { label: string; score: number }[];
      expectThat(
        out.length === labels.length,
        `audio-classification of ${path} returned ${out.length} labels, expected ${labels.length}`,
      );
      let sum = 0;
      out.forEach((o, i) => {
        expectThat(
          labels.includes(o.label),
          `label ${JSON.stringify(o.label)} for ${path} is not in id2label (${labels.join(', ')})`,
        );
        expectThat(o.score >= 0 && o.score <= 1, `score ${o.score} of ${o.label} for ${path} is outside [0, 1]`);
        expectThat(i === 0 || out[i - 1]!.score >= o.score, `scores for ${path} are not sorted in descending order`);
        sum += o.score;
      });
      expectThat(Math.abs(sum - 1) < 1e-4, `scores over all labels for ${path} sum to ${sum}, expected 1`);
      const inputs: Record<string, TfTensor> = await clf.processor(audio);
      const logits = (await session.run({ [facts.input]: asData(inputs[facts.input]!) })).logits!;
      const best = argmaxRows({ ...logits, dims: [1, 1, logits.dims[1]!] })[0]!;
      expectThat(
        out[0]!.label === id2label[String(best)],
        `top label for ${path} is ${out[0]!.label}, but the session's argmax is ${id2label[String(best)]}`,
      );
      tops.push(out[0]!.label);
    }
    return { top: tops };
  } finally {
    await clf.dispose();
  }
}

/** AutoModel through transformers.js on the processor's output equals the raw session's output. */
export async function checkAutoModel(h: Harness, session: EngineSession, facts: SpeechFacts, files?: string[]) {
  const { tf, modelId, device } = await h.pipelineEnv();
  const processor = await tf.AutoProcessor.from_pretrained(modelId);
  const model = await tf.AutoModel.from_pretrained(modelId, { device: device as 'cpu', dtype: 'fp32' });
  try {
    const [path] = files ?? (await audioFiles(facts));
    const sr = samplingRateOf(processor);
    const inputs = (await processor(await readWavAt(path!, sr))) as Record<string, TfTensor>;
    const out = (await model(inputs)) as Record<string, TfTensor>;
    const raw = await session.run({ [facts.input]: asData(inputs[facts.input]!) });
    let worst = 0;
    for (const name of session.outputNames) {
      expectThat(out[name], `AutoModel returned no ${name} (got ${Object.keys(out).join(', ')})`);
      const diff = maxAbsDiff(asData(out[name]), raw[name]!);
      expectThat(diff <= 1e-5, `AutoModel and the raw session disagree on ${name} by ${diff}`);
      worst = Math.max(worst, diff);
    }
    return { maxAbsDiff: worst };
  } finally {
    await model.dispose();
  }
}

/**
 * Speaker diarization (PyAnnoteProcessor.post_process_speaker_diarization) over the session's
 * frame logits: contiguous segments from 0 to the clip's duration, ids from id2label, confidences in (0, 1].
 */
export async function checkDiarization(h: Harness, session: EngineSession, facts: SpeechFacts, files?: string[]) {
  const { tf, modelId } = await h.pipelineEnv();
  const processor: ((a: Float32Array) => Promise<Record<string, TfTensor>>) & {
    /** PyAnnoteProcessor's own. */
    post_process_speaker_diarization?(
      l: unknown,
      n: number,
    ): { id: number; start: number; end: number; confidence: number }[][];
  } = await tf.AutoProcessor.from_pretrained(modelId);
  const [path] = files ?? (await audioFiles(facts));
  const audio = await readWavAt(path!, facts.samplingRate);
  const inputs = await processor(audio);
  const logits = (await session.run({ [facts.input]: asData(inputs[facts.input]!) })).logits!;
  if (!processor.post_process_speaker_diarization)
    throw new CheckFailure('the processor has no post_process_speaker_diarization: it is not a PyAnnoteProcessor');
  const segments = processor.post_process_speaker_diarization(
    new tf.Tensor('float32', logits.data as Float32Array, [...logits.dims]),
    audio.length,
  )[0]!;
  const duration = audio.length / facts.samplingRate;
  expectThat(segments.length > 0, `diarization of ${path} returned no segments`);
  expectThat(
    Math.abs(segments[0]!.start) < 1e-9,
    `first segment of ${path} starts at ${segments[0]!.start}, expected 0`,
  );
  segments.forEach((s, i) => {
    expectThat(
      Number.isInteger(s.id) && s.id >= 0 && s.id < facts.labels.length,
      `segment ${i} of ${path} has speaker id ${s.id}, outside id2label (${facts.labels.length} labels)`,
    );
    expectThat(s.confidence > 0 && s.confidence <= 1 + 1e-6, `segment ${i} of ${path} has confidence ${s.confidence}`);
    const prevEnd = i === 0 ? 0 : segments[i - 1]!.end;
    expectThat(
      Math.abs(prevEnd - s.start) < 1e-9,
      `segment ${i} of ${path} starts at ${s.start}, the previous one ends at ${prevEnd}`,
    );
  });
  const end = segments.at(-1)!.end;
  expectThat(
    Math.abs(end - duration) < 0.05 * duration,
    `diarization of ${path} ends at ${end} s, the clip lasts ${duration} s`,
  );
  return { segments: segments.length, end };
}
