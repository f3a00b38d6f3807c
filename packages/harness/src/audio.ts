import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CheckFailure } from './errors.ts';

/**
 * Audio made by tests: tones, a chirp, noise and silence as Float32Array in [-1, 1], and real
 * 16-bit PCM mono WAV files (RIFF), so speech tests need no downloads and no audio decoder.
 * transformers.js in Node cannot decode files (it needs AudioContext), so tests decode here.
 */

const samplesFor = (seconds: number, sampleRate: number) => Math.max(0, Math.round(seconds * sampleRate));

/** A sine tone of `hz` for `seconds`. */
export function tone(hz: number, seconds: number, sampleRate = 16000, amplitude = 0.5): Float32Array {
  const out = new Float32Array(samplesFor(seconds, sampleRate));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / sampleRate);
  return out;
}

/** A linear chirp sweeping from `fromHz` to `toHz` over `seconds`. */
export function chirp(
  fromHz: number,
  toHz: number,
  seconds: number,
  sampleRate = 16000,
  amplitude = 0.5,
): Float32Array {
  const out = new Float32Array(samplesFor(seconds, sampleRate));
  const k = (toHz - fromHz) / Math.max(seconds, 1e-9);
  for (let i = 0; i < out.length; i++) {
    const t = i / sampleRate;
    out[i] = amplitude * Math.sin(2 * Math.PI * (fromHz * t + (k * t * t) / 2));
  }
  return out;
}

/** Seeded uniform noise in [-amplitude, amplitude). */
export function noise(seconds: number, sampleRate = 16000, seed = 1, amplitude = 0.1): Float32Array {
  const out = new Float32Array(samplesFor(seconds, sampleRate));
  let s = seed >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = amplitude * (s / 2147483648 - 1);
  }
  return out;
}

export function silence(seconds: number, sampleRate = 16000): Float32Array {
  return new Float32Array(samplesFor(seconds, sampleRate));
}

/** 16-bit PCM WAV bytes (mono unless `channels` > 1, in which case samples are interleaved). */
export function encodeWav(samples: Float32Array, sampleRate: number, channels = 1): Uint8Array {
  const dataBytes = samples.length * 2;
  const buf = new ArrayBuffer(44 + dataBytes);
  const v = new DataView(buf);
  const ascii = (o: number, s: string) => [...s].forEach((c, i) => v.setUint8(o + i, c.charCodeAt(0)));
  ascii(0, 'RIFF');
  v.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true); // PCM
  v.setUint16(22, channels, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * channels * 2, true);
  v.setUint16(32, channels * 2, true);
  v.setUint16(34, 16, true);
  ascii(36, 'data');
  v.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) {
    const x = Math.max(-1, Math.min(1, samples[i]!));
    v.setInt16(44 + i * 2, x < 0 ? Math.round(x * 0x8000) : Math.round(x * 0x7fff), true);
  }
  return new Uint8Array(buf);
}

export interface DecodedAudio {
  samples: Float32Array;
  sampleRate: number;
  channels: number;
}

/**
 * Decodes a PCM WAV (8/16/32-bit integer or 32-bit float), mixing channels down to mono.
 * Throws a CheckFailure naming `source` and what is wrong with it.
 */
export function decodeWav(bytes: Uint8Array, source = 'audio'): DecodedAudio {
  const bad = (why: string) =>
    new CheckFailure(
      `cannot decode ${source} as a WAV file: ${why}. Give a RIFF/WAVE PCM file (e.g. made with encodeWav).`,
      { source },
    );
  if (bytes.byteLength < 12) throw bad(`it has only ${bytes.byteLength} bytes`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (o: number) =>
    String.fromCharCode(v.getUint8(o), v.getUint8(o + 1), v.getUint8(o + 2), v.getUint8(o + 3));
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE')
    throw bad(`it starts with ${JSON.stringify(tag(0))}, not a RIFF/WAVE header`);
  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.byteLength) {
    const id = tag(offset);
    const size = v.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16) throw bad(`its fmt chunk has ${size} bytes`);
      fmt = {
        format: v.getUint16(body, true),
        channels: v.getUint16(body + 2, true),
        sampleRate: v.getUint32(body + 4, true),
        bits: v.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!fmt) throw bad('its data chunk comes before any fmt chunk');
      const { format, channels, sampleRate, bits } = fmt;
      const isFloat = format === 3 && bits === 32;
      if (!(format === 1 && [8, 16, 32].includes(bits)) && !isFloat && format !== 0xfffe)
        throw bad(`format ${format} with ${bits} bits per sample is not PCM`);
      if (channels < 1) throw bad('it declares 0 channels');
      const width = bits / 8;
      const end = Math.min(bytes.byteLength, body + size);
      const frames = Math.floor((end - body) / (width * channels));
      const samples = new Float32Array(frames);
      for (let f = 0; f < frames; f++) {
        let sum = 0;
        for (let c = 0; c < channels; c++) {
          const o = body + (f * channels + c) * width;
          if (isFloat) sum += v.getFloat32(o, true);
          else if (bits === 8) sum += (v.getUint8(o) - 128) / 128;
          else if (bits === 16) sum += v.getInt16(o, true) / 0x8000;
          else sum += v.getInt32(o, true) / 0x80000000;
        }
        samples[f] = sum / channels;
      }
      return { samples, sampleRate, channels };
    }
    offset = body + size + (size % 2);
  }
  throw bad(fmt ? 'it has no data chunk' : 'it has no fmt chunk');
}

/** Writes `samples` as a 16-bit PCM mono WAV file. */
export async function writeWav(path: string, samples: Float32Array, sampleRate: number): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, encodeWav(samples, sampleRate));
  return path;
}

/**
 * Reads a WAV file for a processor that takes `expectedRate` Hz audio: a CheckFailure names the
 * file when it cannot be decoded, and names the file and both rates when they differ.
 */
export async function readWavAt(path: string, expectedRate: number): Promise<Float32Array> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (err) {
    throw new CheckFailure(`cannot read audio file ${path}: ${(err as Error).message}`, { source: path });
  }
  const audio = decodeWav(bytes, path);
  if (audio.sampleRate !== expectedRate) {
    throw new CheckFailure(
      `${path} is sampled at ${audio.sampleRate} Hz but the processor takes ${expectedRate} Hz (preprocessor_config.json sampling_rate); resample the file to ${expectedRate} Hz`,
      { source: path, sampleRate: audio.sampleRate, expected: expectedRate },
    );
  }
  return audio.samples;
}
