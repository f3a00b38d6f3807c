import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCpuEngine } from '@hf-core/ort';
import { CheckFailure, harness, tone, writeWav } from '@hf-core/harness';
import { GraphBuilder, saveGraph, whisperMergedDecoder } from '@hf-core/onnx-builder';
import {
  audioFiles,
  expectedFrames,
  checkAudioClassification,
  checkAutoModel,
  checkCodec,
  checkCtcAsr,
  checkDiffusionSpeech,
  checkCodebookDecoderCache,
  checkMusicgen,
  checkSeq2SeqAsr,
  checkSpeechT5,
  checkStyledSpeech,
  checkTextToSpeech,
  checkVocoder,
  checkDecoderCache,
  checkDiarization,
  checkGeneration,
  checkProcessor,
  type SpeechFacts,
} from './checks.ts';
import { SPEECH_SPECS } from './specs.ts';
import { buildAudioEncoder, SIZES, synthesizeSpeech } from './synthesize.ts';
import { buildWhisperDecoder } from './seq2seq.ts';

/**
 * The synthesized graphs load in onnxruntime with the inputs and outputs transformers.js feeds,
 * and every family check passes on a good model and FAILS on a deliberately broken one.
 */

const root = mkdtempSync(join(tmpdir(), 'hf-speech-test-'));
const dirs = {
  ctc: join(root, 'wav2vec2'),
  clf: join(root, 'wavlm'),
  whisper: join(root, 'whisper'),
  badRate: join(root, 'wav2vec2-8k'),
  badLabels: join(root, 'wavlm-labels'),
  diar: join(root, 'pyannote'),
  dac: join(root, 'dac'),
  vits: join(root, 'vits'),
  kokoro: join(root, 'style_text_to_speech_2'),
  hifigan: join(root, 'hifigan'),
  supertonic: join(root, 'supertonic'),
  musicgen: join(root, 'musicgen'),
  moonshine: join(root, 'moonshine'),
  speecht5: join(root, 'speecht5'),
};
const h = {
  ctc: harness(import.meta.url, { ref: 'wav2vec2', modelType: 'wav2vec2', family: 'speech', modelDir: dirs.ctc }),
  clf: harness(import.meta.url, { ref: 'wavlm', modelType: 'wavlm', family: 'speech', modelDir: dirs.clf }),
  whisper: harness(import.meta.url, { ref: 'whisper', modelType: 'whisper', family: 'speech', modelDir: dirs.whisper }),
  badRate: harness(import.meta.url, {
    ref: 'wav2vec2-8k',
    modelType: 'wav2vec2',
    family: 'speech',
    modelDir: dirs.badRate,
  }),
  badLabels: harness(import.meta.url, {
    ref: 'wavlm-labels',
    modelType: 'wavlm',
    family: 'speech',
    modelDir: dirs.badLabels,
  }),
  diar: harness(import.meta.url, { ref: 'pyannote', modelType: 'pyannote', family: 'speech', modelDir: dirs.diar }),
  dac: harness(import.meta.url, { ref: 'dac', modelType: 'dac', family: 'speech', modelDir: dirs.dac }),
  vits: harness(import.meta.url, { ref: 'vits', modelType: 'vits', family: 'speech', modelDir: dirs.vits }),
  kokoro: harness(import.meta.url, {
    ref: 'style_text_to_speech_2',
    modelType: 'style_text_to_speech_2',
    family: 'speech',
    modelDir: dirs.kokoro,
  }),
  hifigan: harness(import.meta.url, { ref: 'hifigan', modelType: 'hifigan', family: 'speech', modelDir: dirs.hifigan }),
  supertonic: harness(import.meta.url, {
    ref: 'supertonic',
    modelType: 'supertonic',
    family: 'speech',
    modelDir: dirs.supertonic,
  }),
  moonshine: harness(import.meta.url, {
    ref: 'moonshine',
    modelType: 'moonshine',
    family: 'speech',
    modelDir: dirs.moonshine,
  }),
  musicgen: harness(import.meta.url, {
    ref: 'musicgen',
    modelType: 'musicgen',
    family: 'speech',
    modelDir: dirs.musicgen,
  }),
  speecht5: harness(import.meta.url, {
    ref: 'speecht5',
    modelType: 'speecht5',
    family: 'speech',
    modelDir: dirs.speecht5,
  }),
};
const facts: Record<string, SpeechFacts> = {};
let files: string[] = [];
const engine = createCpuEngine();
const otherSession = (modelType: string, seed: number) => {
  const path = join(root, `${modelType}-seed${seed}.onnx`);
  return saveGraph(buildAudioEncoder(SPEECH_SPECS[modelType]!, SIZES.tiny, 32, seed), path).then(() =>
    engine.createSession(path),
  );
};
/** The same type synthesized with another seed: a session of a different model with the same inputs. */
const reseeded = async (modelType: string, file: string) => {
  const dir = join(root, `${modelType}-seed2`);
  await synthesizeSpeech(modelType, dir, { size: 'tiny', seed: 2 });
  return engine.createSession(join(dir, file));
};
const editJson = (path: string, edit: (j: Record<string, unknown>) => void) => {
  const j = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(j);
  writeFileSync(path, JSON.stringify(j));
};

beforeAll(async () => {
  for (const [key, type] of [
    ['ctc', 'wav2vec2'],
    ['clf', 'wavlm'],
    ['whisper', 'whisper'],
    ['badRate', 'wav2vec2'],
    ['badLabels', 'wavlm'],
    ['diar', 'pyannote'],
    ['dac', 'dac'],
    ['vits', 'vits'],
    ['kokoro', 'style_text_to_speech_2'],
    ['hifigan', 'hifigan'],
    ['supertonic', 'supertonic'],
    ['musicgen', 'musicgen'],
    ['moonshine', 'moonshine'],
    ['speecht5', 'speecht5'],
  ] as const) {
    facts[key] = (await synthesizeSpeech(type, dirs[key], { size: 'tiny', seed: 1 })).facts;
  }
  editJson(join(dirs.badRate, 'preprocessor_config.json'), (j) => (j.sampling_rate = 8000));
  editJson(join(dirs.badLabels, 'config.json'), (j) => (j.id2label = { 0: 'speech', 1: 'music', 2: 'noise' }));
  files = await audioFiles(facts.ctc!);
}, 30_000);

describe('synthesized speech graphs', () => {
  it('load in onnxruntime with the inputs and outputs transformers.js uses', async () => {
    const w2v = await engine.createSession(join(dirs.ctc, 'onnx/model.onnx'));
    expect([w2v.inputNames, w2v.outputNames]).toEqual([['input_values'], ['logits']]);
    const enc = await engine.createSession(join(dirs.whisper, 'onnx/encoder_model.onnx'));
    expect([enc.inputNames, enc.outputNames]).toEqual([['input_features'], ['last_hidden_state']]);
    const dec = await engine.createSession(join(dirs.whisper, 'onnx/decoder_model_merged.onnx'));
    expect(dec.inputNames).toEqual([
      'input_ids',
      'encoder_hidden_states',
      ...[0, 1].flatMap((l) =>
        ['decoder.key', 'decoder.value', 'encoder.key', 'encoder.value'].map((k) => `past_key_values.${l}.${k}`),
      ),
      'use_cache_branch',
    ]);
    expect(dec.outputNames).toContain('present.1.encoder.value');
    for (const s of [w2v, enc, dec]) await s.release();
  });
});

describe('expectedFrames', () => {
  it("follows each extractor's framing for one second at 16 kHz, and has no rule for raw audio", () => {
    expect(expectedFrames('ParakeetFeatureExtractor', { hop_length: 160 }, 16000)?.n).toBe(101);
    expect(expectedFrames('ASTFeatureExtractor', { max_length: 100 }, 16000)?.n).toBe(100);
    expect(expectedFrames('SeamlessM4TFeatureExtractor', { stride: 2 }, 16000)?.n).toBe(49);
    expect(expectedFrames('WeSpeakerFeatureExtractor', {}, 16000)?.n).toBe(98);
    expect(expectedFrames('Wav2Vec2FeatureExtractor', {}, 16000)).toBeUndefined();
  });
});

describe('speech checks pass on good models and fail on broken ones', () => {
  it('processor: passes, then names an undecodable file, a wrong-rate file and a wrong sampling_rate', async () => {
    expect((await checkProcessor(h.ctc, facts.ctc!, files)).shapes).toEqual([
      [1, 16000],
      [1, 16000],
    ]);
    const junk = join(root, 'junk.wav');
    writeFileSync(junk, 'not a wav');
    await expect(checkProcessor(h.ctc, facts.ctc!, [junk])).rejects.toThrow(/junk\.wav.*RIFF\/WAVE/);
    const at8k = await writeWav(join(root, 'at8k.wav'), tone(300, 0.5, 8000), 8000);
    await expect(checkProcessor(h.ctc, facts.ctc!, [at8k])).rejects.toThrow(
      /at8k\.wav is sampled at 8000 Hz but the processor takes 16000 Hz/,
    );
    await expect(checkProcessor(h.badRate, facts.badRate!, files)).rejects.toThrow(
      /sampling_rate is 8000, expected 16000/,
    );
  });

  it('CTC ASR: transcript equals the session decoding; a different model fails', async () => {
    const good = await checkCtcAsr(h.ctc, await h.ctc.session(), facts.ctc!, files);
    expect(good.transcripts).toHaveLength(2);
    await expect(checkCtcAsr(h.ctc, await otherSession('wav2vec2', 2), facts.ctc!, files)).rejects.toThrow(
      CheckFailure,
    );
  });

  it('audio-classification: valid scores over id2label; an id2label shorter than the logits fails', async () => {
    expect((await checkAudioClassification(h.clf, await h.clf.session(), facts.clf!, files)).top).toHaveLength(2);
    await expect(
      checkAudioClassification(h.badLabels, await h.badLabels.session(), facts.badLabels!, files),
    ).rejects.toThrow(/sum to|not in id2label/);
  });

  it('AutoModel: matches its own session, not another model', async () => {
    expect((await checkAutoModel(h.clf, await h.clf.session(), facts.clf!, files)).maxAbsDiff).toBeLessThan(1e-5);
    await expect(checkAutoModel(h.clf, await otherSession('wavlm', 3), facts.clf!, files)).rejects.toThrow(/disagree/);
  });

  it('diarization: contiguous segments over the clip; a wrong frame step in preprocessor_config fails', async () => {
    expect((await checkDiarization(h.diar, await h.diar.session(), facts.diar!, files)).end).toBeCloseTo(1, 2);
    editJson(join(dirs.diar, 'preprocessor_config.json'), (j) => (j.step = Number(j.step) / 2));
    await expect(checkDiarization(h.diar, await h.diar.session(), facts.diar!, files)).rejects.toThrow(
      /ends at .* the clip lasts 1 s/,
    );
  });

  it('decoder cache: cached greedy equals uncached; a decoder whose positions ignore the cache fails', async () => {
    expect((await checkDecoderCache(h.whisper, facts.whisper!)).tokens).toHaveLength(4);
    await saveGraph(
      buildWhisperDecoder(facts.whisper!.vocabSize, SIZES.tiny, 1, { positionsIgnorePast: true }),
      join(dirs.whisper, 'onnx/broken_decoder.onnx'),
    );
    const broken = {
      session: (f?: string) =>
        h.whisper.session(f === 'onnx/decoder_model_merged.onnx' ? 'onnx/broken_decoder.onnx' : f),
    } as unknown as typeof h.whisper;
    await expect(checkDecoderCache(broken, facts.whisper!)).rejects.toThrow(/differ/);
  }, 30_000);

  it('generate: prompt + max_new_tokens tokens equal to the session loop; without <|notimestamps|> the prompt check fails', async () => {
    expect((await checkGeneration(h.whisper, facts.whisper!, 3, files)).tokens).toHaveLength(3);
    editJson(join(dirs.whisper, 'generation_config.json'), (j) => delete j.no_timestamps_token_id);
    await expect(checkGeneration(h.whisper, facts.whisper!, 3, files)).rejects.toThrow(/expected 4 prompt \+ 3 new/);
  }, 30_000);

  it("codec: codes and audio round trip; another encoder's codes fail", async () => {
    expect((await checkCodec(h.dac, await h.dac.session('onnx/encoder_model.onnx'), facts.dac!)).frames).toBe(250);
    await expect(checkCodec(h.dac, await reseeded('dac', 'onnx/encoder_model.onnx'), facts.dac!)).rejects.toThrow(
      /differs from the raw encoder session/,
    );
  });

  it('text-to-speech, styled speech and vocoder: match their sessions; another model fails', async () => {
    expect((await checkTextToSpeech(h.vits, await h.vits.session(), facts.vits!)).samples).toHaveLength(2);
    await expect(checkTextToSpeech(h.vits, await reseeded('vits', 'onnx/model.onnx'), facts.vits!)).rejects.toThrow(
      /raw session differ/,
    );
    await checkStyledSpeech(h.kokoro, await h.kokoro.session(), facts.kokoro!);
    await expect(
      checkStyledSpeech(h.kokoro, await reseeded('style_text_to_speech_2', 'onnx/model.onnx'), facts.kokoro!),
    ).rejects.toThrow(/raw session differ/);
    await checkVocoder(h.hifigan, await h.hifigan.session(), facts.hifigan!);
    await expect(checkVocoder(h.hifigan, await reseeded('hifigan', 'onnx/model.onnx'), facts.hifigan!)).rejects.toThrow(
      /raw session differ/,
    );
    expect(
      (
        await checkDiffusionSpeech(
          h.supertonic,
          await h.supertonic.session('onnx/text_encoder.onnx'),
          facts.supertonic!,
        )
      ).samples,
    ).toHaveLength(2);
    await expect(
      checkDiffusionSpeech(h.supertonic, await reseeded('supertonic', 'onnx/text_encoder.onnx'), facts.supertonic!),
    ).rejects.toThrow(/duration gives/);
  });

  it('musicgen decoder cache: cached codebook rows equal the uncached pass; a cache-blind decoder fails', async () => {
    expect((await checkCodebookDecoderCache(h.musicgen, facts.musicgen!)).tokens).toHaveLength(4);
    const g = new GraphBuilder({ seed: 2 });
    whisperMergedDecoder(g, { ...SIZES.tiny, vocab: facts.musicgen!.codebookSize!, maxTarget: 256 }, 'decoder', {
      codebooks: 4,
      positionsIgnorePast: true,
    });
    await saveGraph(g, join(dirs.musicgen, 'onnx/broken_decoder.onnx'));
    const broken = {
      session: (f?: string) =>
        h.musicgen.session(f === 'onnx/decoder_model_merged.onnx' ? 'onnx/broken_decoder.onnx' : f),
    } as unknown as typeof h.musicgen;
    await expect(checkCodebookDecoderCache(broken, facts.musicgen!)).rejects.toThrow(/differ from the uncached pass/);
  });

  it('musicgen and speecht5: audio of the expected length; a wrong num_codebooks or a missing processor config fails', async () => {
    expect((await checkMusicgen(h.musicgen, facts.musicgen!, 6)).frames).toBe(3);
    editJson(join(dirs.musicgen, 'config.json'), (j) => ((j.decoder as Record<string, unknown>).num_codebooks = 2));
    await expect(checkMusicgen(h.musicgen, facts.musicgen!, 6)).rejects.toThrow();
    expect((await checkSpeechT5(h.speecht5, facts.speecht5!)).frames).toBeGreaterThan(0);
    rmSync(join(dirs.speecht5, 'preprocessor_config.json'));
    await expect(checkSpeechT5(h.speecht5, facts.speecht5!)).rejects.toThrow();
  });

  it("seq2seq ASR: transcripts equal the sessions' greedy decoding; another decoder fails", async () => {
    const good = await checkSeq2SeqAsr(h.moonshine, facts.moonshine!, 4, files);
    expect(good.transcripts.join('')).not.toBe('');
    const other = await reseeded('moonshine', 'onnx/decoder_model_merged.onnx');
    const broken = {
      pipelineEnv: () => h.moonshine.pipelineEnv(),
      session: (f?: string) =>
        f === 'onnx/decoder_model_merged.onnx' ? Promise.resolve(other) : h.moonshine.session(f),
    } as unknown as typeof h.moonshine;
    await expect(checkSeq2SeqAsr(broken, facts.moonshine!, 4, files)).rejects.toThrow(/greedy tokens decode to/);
  });
});
