import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCpuEngine } from '@hf-core/ort';
import { SPEECH_TYPES, UNCOVERED } from './specs.ts';
import { synthesizeSpeech } from './synthesize.ts';

/** The micro variant (the out-of-memory fallback) of every type: each ONNX file loads, with the files transformers.js asks for. */
describe('micro speech models', () => {
  it('every covered type synthesizes ONNX files onnxruntime loads, and no type is both covered and uncovered', async () => {
    const root = mkdtempSync(join(tmpdir(), 'hf-speech-micro-'));
    const engine = createCpuEngine();
    const layouts: Record<string, string[]> = {};
    for (const t of SPEECH_TYPES) {
      const p = await synthesizeSpeech(t, join(root, t), { size: 'micro', seed: 5 });
      const onnx = p.files.filter((f) => f.endsWith('.onnx') && !f.startsWith('vocoder/'));
      for (const f of onnx) await (await engine.createSession(join(p.dir, f))).release();
      expect(p.files).toContain('config.json');
      layouts[t] = onnx.sort();
    }
    expect(layouts.whisper).toEqual(['onnx/decoder_model_merged.onnx', 'onnx/encoder_model.onnx']);
    expect(layouts.dac).toEqual(['onnx/decoder_model.onnx', 'onnx/encoder_model.onnx']);
    expect(layouts.musicgen).toEqual([
      'onnx/decoder_model_merged.onnx',
      'onnx/encodec_decode.onnx',
      'onnx/text_encoder.onnx',
    ]);
    expect(layouts.supertonic).toEqual([
      'onnx/latent_denoiser.onnx',
      'onnx/text_encoder.onnx',
      'onnx/voice_decoder.onnx',
    ]);
    expect(layouts.wav2vec2).toEqual(['onnx/model.onnx']);
    expect(SPEECH_TYPES.filter((t) => t in UNCOVERED)).toEqual([]);
  }, 60_000);

  it('names the types it can synthesize when asked for one it cannot', async () => {
    await expect(synthesizeSpeech('not-a-speech-type', join(tmpdir(), 'x'), { size: 'tiny', seed: 1 })).rejects.toThrow(
      /cannot synthesize "not-a-speech-type".*whisper/,
    );
  });
});
