import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chirp, decodeWav, encodeWav, noise, readWavAt, silence, tone, writeWav } from './audio.ts';
import { CheckFailure } from './errors.ts';

describe('test audio', () => {
  it('makes a tone with the requested length, amplitude and frequency (zero crossings)', () => {
    const x = tone(440, 0.5, 16000, 0.5);
    expect(x.length).toBe(8000);
    expect(Math.max(...x)).toBeCloseTo(0.5, 2);
    let crossings = 0;
    for (let i = 1; i < x.length; i++) if (x[i - 1]! < 0 !== x[i]! < 0) crossings++;
    expect(crossings).toBeGreaterThanOrEqual(438);
    expect(crossings).toBeLessThanOrEqual(442);
  });

  it('sweeps a chirp: more zero crossings in the last tenth than the first', () => {
    const x = chirp(100, 2000, 1, 16000);
    const count = (a: Float32Array) => a.reduce((n, v, i) => n + (i > 0 && a[i - 1]! < 0 !== v < 0 ? 1 : 0), 0);
    expect(count(x.slice(-1600))).toBeGreaterThan(5 * count(x.slice(0, 1600)));
  });

  it('round-trips through 16-bit PCM WAV within one quantization step', () => {
    const x = noise(0.1, 8000, 3, 0.9);
    const wav = encodeWav(x, 8000);
    expect(wav.byteLength).toBe(44 + x.length * 2);
    const back = decodeWav(wav, 'mem');
    expect(back.sampleRate).toBe(8000);
    expect(back.samples.length).toBe(x.length);
    for (let i = 0; i < x.length; i++) expect(Math.abs(back.samples[i]! - x[i]!)).toBeLessThan(1 / 16000);
    expect(decodeWav(encodeWav(silence(0.01), 16000)).samples.every((v) => v === 0)).toBe(true);
  });

  it('names the file when it is not a WAV, and the rates when the sample rate is wrong', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-audio-'));
    const junk = join(dir, 'junk.wav');
    writeFileSync(junk, 'this is not audio at all');
    await expect(readWavAt(junk, 16000)).rejects.toThrow(CheckFailure);
    await expect(readWavAt(junk, 16000)).rejects.toThrow(/junk\.wav.*RIFF\/WAVE/);
    const at8k = await writeWav(join(dir, 'at8k.wav'), tone(440, 0.1, 8000), 8000);
    await expect(readWavAt(at8k, 16000)).rejects.toThrow(
      /at8k\.wav is sampled at 8000 Hz but the processor takes 16000 Hz/,
    );
    expect((await readWavAt(at8k, 8000)).length).toBe(800);
    await expect(readWavAt(join(dir, 'missing.wav'), 16000)).rejects.toThrow(/missing\.wav/);
  });
});
