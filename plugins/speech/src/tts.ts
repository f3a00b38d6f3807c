import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  embedding,
  GraphBuilder,
  layerNorm,
  linear,
  mlp,
  paddingBias,
  saveGraph,
  selfAttention,
  writeJson,
  type TokenizerFiles,
} from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import type { SpeechFacts } from './facts.ts';
import type { Dims } from './specs.ts';

/**
 * Waveform generators transformers.js runs as EncoderOnly models: VITS (input_ids ->
 * waveform, the text-to-speech pipeline), StyleTTS 2 / Kokoro (input_ids + style + speed ->
 * waveform) and the SpeechT5 HiFi-GAN vocoder (spectrogram [frames, mels] -> waveform [1, samples]).
 * Each token (or spectrogram frame) becomes a fixed number of samples.
 */

export const SAMPLES_PER_TOKEN = 64;
export const STYLE_DIM = 32;
export const VOCODER_MELS = 80;
export const VOCODER_RATES = [4, 4];
const CHARS = ['_', ' ', ...'abcdefghijklmnopqrstuvwxyz', "'", '-', ',', '.', '<unk>'];

/** A character WordLevel tokenizer: lowercased text split into characters, '_' pads. */
export function charTokenizer(tokenizerClass: string): TokenizerFiles {
  const vocab = Object.fromEntries(CHARS.map((c, i) => [c, i]));
  const added = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    vocabSize: CHARS.length,
    special: { pad_token: { token: '_', id: 0 }, unk_token: { token: '<unk>', id: CHARS.length - 1 } },
    tokenizerJson: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [added(0, '_'), added(CHARS.length - 1, '<unk>')],
      normalizer: { type: 'Lowercase' },
      pre_tokenizer: { type: 'Split', pattern: { Regex: '' }, behavior: 'Isolated', invert: false },
      post_processor: null,
      decoder: null,
      model: { type: 'WordLevel', vocab, unk_token: '<unk>' },
    },
    tokenizerConfig: {
      tokenizer_class: tokenizerClass,
      pad_token: '_',
      unk_token: '<unk>',
      model_max_length: 512,
      clean_up_tokenization_spaces: false,
      add_blank: false,
      normalize: true,
      phonemize: false,
    },
  };
}

/** Text to waveform: embeddings, masked self-attention layers, then SAMPLES_PER_TOKEN samples per token. */
export function buildTextToWaveform(d: Dims, vocab: number, seed: number, opts: { style?: boolean }): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'tiny-text-to-waveform' });
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const mask = opts.style ? undefined : g.input('attention_mask', 'int64', ['batch_size', 'sequence_length']);
  let x = embedding(g, ids, vocab, d.hidden, 'text.embed');
  if (opts.style) {
    const style = g.input('style', 'float32', ['batch_size', STYLE_DIM]);
    const speed = g.input('speed', 'float32', ['batch_size']);
    x = g.op('Add', [
      x,
      g.op('Unsqueeze', [linear(g, style, STYLE_DIM, d.hidden, 'style.proj'), g.constInt64([1], 'style.axis')]),
    ]);
    x = g.op('Mul', [x, g.op('Unsqueeze', [speed, g.constInt64([1, 2], 'speed.axes')])]);
  }
  const bias = mask ? paddingBias(g, mask) : undefined;
  for (let l = 0; l < d.layers; l++) {
    x = layerNorm(
      g,
      g.op('Add', [x, selfAttention(g, x, d.hidden, d.heads, `layers.${l}.attn`, bias)]),
      d.hidden,
      `layers.${l}.norm1`,
      1e-5,
    );
    x = layerNorm(
      g,
      g.op('Add', [x, mlp(g, x, d.hidden, d.inner, `layers.${l}.mlp`, 'relu')]),
      d.hidden,
      `layers.${l}.norm2`,
      1e-5,
    );
  }
  let samples = g.op('Tanh', [linear(g, x, d.hidden, SAMPLES_PER_TOKEN, 'to_samples', { std: 0.3 })]);
  // Padding tokens make silence, so a padded row keeps its real samples unchanged.
  if (mask)
    samples = g.op('Mul', [
      samples,
      g.op('Unsqueeze', [g.op('Cast', [mask], { to: 1 }), g.constInt64([2], 'mask.axis')]),
    ]);
  g.output(g.op('Reshape', [samples, g.constInt64([0, -1], 'wave.shape')]), 'waveform', 'float32', [
    'batch_size',
    'num_samples',
  ]);
  return g;
}

/** SpeechT5 HiFi-GAN: spectrogram [frames, mels] -> waveform [1, frames * prod(upsample_rates)]. */
export function buildVocoder(seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'tiny-hifigan' });
  const spec = g.input('spectrogram', 'float32', ['sequence_length', VOCODER_MELS]);
  const hop = VOCODER_RATES.reduce((a, b) => a * b, 1);
  const h = g.op('LeakyRelu', [linear(g, spec, VOCODER_MELS, 32, 'conv_pre')], { alpha: { float: 0.1 } });
  const wave = g.op('Tanh', [linear(g, h, 32, hop, 'conv_post', { std: 0.3 })]);
  g.output(g.op('Reshape', [wave, g.constInt64([1, -1], 'wave.shape')]), 'waveform', 'float32', [1, 'num_samples']);
  return g;
}

export const TTS_TYPES = ['vits', 'style_text_to_speech_2', 'hifigan'] as const;

export async function synthesizeTts(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions,
  d: Dims,
): Promise<SynthesizedModel<SpeechFacts>> {
  const meta = { transformers_version: '4.57.0', hf_core: { synthesized: true, seed: opts.seed, size: opts.size } };
  const files: string[] = [];
  const common: Omit<SpeechFacts, 'head' | 'frontEnd' | 'input' | 'vocabSize' | 'samplingRate'> = {
    inputRank: 2,
    clipSamples: 0,
    framesPerClip: null,
    labels: [],
    hidden: d.hidden,
    featureExtractor: null,
    featDim: null,
    task: null,
  };
  let facts: SpeechFacts;
  if (modelType === 'hifigan') {
    files.push(...(await saveGraph(buildVocoder(opts.seed), join(dir, 'onnx', 'model.onnx'))));
    files.push(
      await writeJson(join(dir, 'config.json'), {
        model_type: 'hifigan',
        architectures: ['SpeechT5HifiGan'],
        model_in_dim: VOCODER_MELS,
        sampling_rate: 16000,
        upsample_initial_channel: 32,
        upsample_rates: VOCODER_RATES,
        upsample_kernel_sizes: VOCODER_RATES.map((r) => 2 * r),
        resblock_kernel_sizes: [3],
        resblock_dilation_sizes: [[1, 3, 5]],
        leaky_relu_slope: 0.1,
        normalize_before: false,
        ...meta,
      }),
    );
    facts = {
      ...common,
      head: 'vocoder',
      frontEnd: 'spectrogram',
      input: 'spectrogram',
      vocabSize: 0,
      featDim: VOCODER_MELS,
      hopLength: VOCODER_RATES.reduce((a, b) => a * b, 1),
      samplingRate: 16000,
    };
  } else {
    const isVits = modelType === 'vits';
    const tok = charTokenizer(isVits ? 'VitsTokenizer' : 'PreTrainedTokenizerFast');
    files.push(
      ...(await saveGraph(
        buildTextToWaveform(d, tok.vocabSize, opts.seed, { style: !isVits }),
        join(dir, 'onnx', 'model.onnx'),
      )),
    );
    const config = isVits
      ? {
          architectures: ['VitsModel'],
          vocab_size: tok.vocabSize,
          hidden_size: d.hidden,
          num_hidden_layers: d.layers,
          num_attention_heads: d.heads,
          ffn_dim: d.inner,
          hidden_act: 'relu',
          window_size: 4,
          flow_size: d.hidden,
          spectrogram_bins: 65,
          upsample_rates: [8, 8],
          upsample_kernel_sizes: [16, 16],
          resblock_kernel_sizes: [3],
          resblock_dilation_sizes: [[1, 3, 5]],
          sampling_rate: 16000,
          speaking_rate: 1.0,
          noise_scale: 0.667,
          noise_scale_duration: 0.8,
          num_speakers: 1,
          pad_token_id: 0,
        }
      : {
          architectures: ['StyleTextToSpeech2Model'],
          vocab_size: tok.vocabSize,
          hidden_dim: d.hidden,
          style_dim: STYLE_DIM / 2,
          n_layer: d.layers,
          n_token: tok.vocabSize,
          max_dur: 50,
          dim_in: d.hidden,
          sampling_rate: 24000,
          istftnet: { upsample_rates: [8, 8], gen_istft_n_fft: 16, gen_istft_hop_size: 4 },
        };
    files.push(await writeJson(join(dir, 'config.json'), { model_type: modelType, ...config, ...meta }));
    files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
    files.push(await writeJson(join(dir, 'tokenizer_config.json'), tok.tokenizerConfig));
    facts = {
      ...common,
      head: isVits ? 'text-to-waveform' : 'styled-waveform',
      frontEnd: 'text',
      task: isVits ? 'text-to-speech' : null,
      input: 'input_ids',
      vocabSize: tok.vocabSize,
      samplesPerToken: SAMPLES_PER_TOKEN,
      styleDim: isVits ? null : STYLE_DIM,
      samplingRate: config.sampling_rate,
    };
  }
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random ${modelType} synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  return {
    dir,
    files: files.map((f) => f.slice(dir.length + 1)),
    synthesized: true,
    facts,
  };
}
