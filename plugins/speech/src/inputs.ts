import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Feeds } from '@hf-core/core';
import { chirp, SeededFeeds, tensor, tone, writeWav } from '@hf-core/harness';
import type { SpeechFacts } from './facts.ts';

const SPECTROGRAM_FRAMES = 20;

/** Session feeds for text-in (VITS, StyleTTS 2) and spectrogram-in (HiFi-GAN) models. */
export function generatorFeeds(facts: SpeechFacts, rows: number, seed = 1): Feeds {
  const rng = new SeededFeeds(seed);
  if (facts.frontEnd === 'spectrogram') {
    return {
      spectrogram: tensor(
        'float32',
        Array.from({ length: SPECTROGRAM_FRAMES * facts.featDim! }, () => rng.float()),
        [SPECTROGRAM_FRAMES, facts.featDim!],
      ),
    };
  }
  const seq = 8;
  const feeds: Feeds = {
    input_ids: rng.int64(
      Array.from({ length: rows * seq }, () => rng.int(1, facts.vocabSize - 1)),
      [rows, seq],
    ),
  };
  if (facts.styleShape) {
    feeds.attention_mask = rng.int64(new Array(rows * seq).fill(1), [rows, seq]);
    feeds.style = tensor(
      'float32',
      Array.from({ length: rows * facts.styleShape[0]! * facts.styleShape[1]! }, () => rng.float()),
      [rows, ...facts.styleShape],
    );
  } else if (facts.styleDim) {
    feeds.style = tensor(
      'float32',
      Array.from({ length: rows * facts.styleDim }, () => rng.float()),
      [rows, facts.styleDim],
    );
    feeds.speed = tensor('float32', new Array(rows).fill(1), [rows]);
  } else if (facts.textMask !== false) {
    feeds.attention_mask = rng.int64(new Array(rows * seq).fill(1), [rows, seq]);
  }
  return feeds;
}

export function generatorShapes(facts: SpeechFacts, rows: number): Record<string, number[]> {
  if (facts.head === 'speecht5') return { encoder_outputs: [rows, 8, facts.hidden], encoder_attention_mask: [rows, 8] };
  if (facts.head === 'musicgen') return { last_hidden_state: [rows, 8, facts.hidden] };
  if (facts.head === 'diffusion-tts') return { last_hidden_state: [rows, 8, facts.hidden], durations: [rows] };
  return facts.frontEnd === 'spectrogram'
    ? { waveform: [1, SPECTROGRAM_FRAMES * facts.hopLength!] }
    : { waveform: [rows, 8 * facts.samplesPerToken!] };
}

/** Frames fed to frame-based encoders at session level. */
const SESSION_FRAMES = 50;

/** Two different test clips of the model's clip length: a 440 Hz tone and a rising chirp. */
export function testClips(facts: SpeechFacts): Float32Array[] {
  const s = facts.clipSamples / facts.samplingRate;
  return [tone(440, s, facts.samplingRate), chirp(200, 4000, s, facts.samplingRate)];
}

/**
 * WAV files the pipeline checks read: HF_CORE_AUDIO (comma-separated paths) when set, else the two
 * test clips written as 16-bit PCM at the processor's sampling rate into a temporary folder.
 */
export async function audioFiles(facts: SpeechFacts): Promise<string[]> {
  const given = process.env.HF_CORE_AUDIO?.split(',').filter(Boolean);
  if (given?.length) return given;
  const dir = await mkdtemp(join(tmpdir(), 'hf-core-audio-'));
  const [a, b] = testClips(facts);
  return [
    await writeWav(join(dir, 'tone-440hz.wav'), a!, facts.samplingRate),
    await writeWav(join(dir, 'chirp.wav'), b!, facts.samplingRate),
  ];
}

/** Session feeds: real clips for raw-audio encoders, seeded features for spectrogram ones. */
export function speechFeeds(facts: SpeechFacts, opts: { rows: number; seed?: number }): Feeds {
  if (facts.frontEnd === 'text' || facts.frontEnd === 'spectrogram') return generatorFeeds(facts, opts.rows, opts.seed);
  if (facts.frontEnd === 'raw') {
    const clips = testClips(facts);
    const values = Array.from({ length: opts.rows }, (_, r) => clips[r % clips.length]!).flatMap((c) => Array.from(c));
    const dims = facts.inputRank === 3 ? [opts.rows, 1, facts.clipSamples] : [opts.rows, facts.clipSamples];
    return { [facts.input]: tensor('float32', values, dims) };
  }
  const rng = new SeededFeeds(opts.seed ?? 1);
  const dims =
    facts.frontEnd === 'mel'
      ? [opts.rows, facts.featDim!, facts.melFrames!]
      : [opts.rows, SESSION_FRAMES, facts.featDim!];
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.float();
  return { [facts.input]: { type: 'float32', dims, data } };
}

/** Output shapes of the encoder session for `rows` rows of speechFeeds. */
export function expectedShapes(facts: SpeechFacts, rows: number): Record<string, number[]> {
  if (facts.frontEnd === 'text' || facts.frontEnd === 'spectrogram') return generatorShapes(facts, rows);
  const frames = facts.framesPerClip ?? SESSION_FRAMES;
  switch (facts.head) {
    case 'ctc':
      return { logits: [rows, frames, facts.vocabSize] };
    case 'classification':
      return { logits: [rows, facts.labels.length] };
    case 'frame-classification':
      return { logits: [rows, frames, facts.labels.length] };
    case 'embedding':
      return { embeddings: [rows, facts.hidden] };
    case 'seq2seq':
      return { last_hidden_state: [rows, facts.encoderFrames!, facts.hidden] };
    case 'codec':
      return Object.fromEntries(Object.entries(facts.codeShapes!).map(([k, v]) => [k, [rows, ...v]]));
    default:
      throw new Error(`expectedShapes: no session shapes known for a ${facts.head} head`);
  }
}
