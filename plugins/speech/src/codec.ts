import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { conv1d, GraphBuilder, linear, saveGraph, swapLast, writeJson } from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import type { SpeechFacts } from './facts.ts';

/**
 * Audio codecs transformers.js loads as AutoEncoder (onnx/encoder_model.onnx: input_values
 * [b, 1, samples] -> int64 codes; onnx/decoder_model.onnx: codes -> audio_values [b, 1, samples])
 * and the HiFi-GAN vocoder (onnx/model.onnx: spectrogram [frames, mels] -> waveform [1, samples]).
 * Tiny graphs: strided convs down to frames, one argmax codebook per quantizer, embeddings back up.
 */

export interface CodecSpec {
  architecture: string;
  samplingRate: number;
  /** Stride of each downsampling conv; their product is the hop length. */
  ratios: number[];
  codebookSize: number;
  /** dac / mimi: audio_codes [b, quantizers, frames]; snac: audio_codes.{l} [b, frames / stride_l]. */
  layout: { kind: 'stacked'; quantizers: number } | { kind: 'levels'; strides: number[] };
  featureExtractor: string;
  config(hop: number): Record<string, unknown>;
}

const DIM = 16;
const hopOf = (s: CodecSpec) => s.ratios.reduce((a, b) => a * b, 1);

export const CODEC_SPECS: Record<string, CodecSpec> = {
  dac: {
    architecture: 'DacModel',
    samplingRate: 16000,
    ratios: [4, 4, 4],
    codebookSize: 64,
    layout: { kind: 'stacked', quantizers: 4 },
    featureExtractor: 'DacFeatureExtractor',
    config: (hop) => ({
      encoder_hidden_size: DIM,
      downsampling_ratios: [4, 4, 4],
      decoder_hidden_size: DIM,
      upsampling_ratios: [4, 4, 4],
      n_codebooks: 4,
      codebook_size: 64,
      codebook_dim: 8,
      hidden_size: DIM,
      sampling_rate: 16000,
      hop_length: hop,
      quantizer_dropout: 0,
    }),
  },
  mimi: {
    architecture: 'MimiModel',
    samplingRate: 24000,
    ratios: [5, 4, 4],
    codebookSize: 64,
    layout: { kind: 'stacked', quantizers: 4 },
    featureExtractor: 'EncodecFeatureExtractor',
    config: (hop) => ({
      sampling_rate: 24000,
      frame_rate: 24000 / hop,
      audio_channels: 1,
      hidden_size: DIM,
      num_filters: 8,
      num_residual_layers: 1,
      upsampling_ratios: [4, 4, 5],
      codebook_size: 64,
      codebook_dim: 8,
      num_quantizers: 4,
      num_semantic_quantizers: 1,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      head_dim: 8,
    }),
  },
  snac: {
    architecture: 'SnacModel',
    samplingRate: 24000,
    ratios: [3, 4, 5],
    codebookSize: 64,
    layout: { kind: 'levels', strides: [4, 2, 1] },
    featureExtractor: 'SnacFeatureExtractor',
    config: (hop) => ({
      sampling_rate: 24000,
      encoder_dim: DIM,
      encoder_rates: [3, 4, 5],
      decoder_dim: DIM,
      decoder_rates: [5, 4, 3],
      codebook_size: 64,
      codebook_dim: 8,
      vq_strides: [4, 2, 1],
      hop_length: hop,
      attn_window_size: null,
      noise: true,
      depthwise: true,
    }),
  },
};

/** Output names and per-row shapes of the encoder for `samples` samples. */
export function codeShapes(spec: CodecSpec, samples: number): Record<string, number[]> {
  const frames = Math.floor(samples / hopOf(spec));
  if (spec.layout.kind === 'stacked') return { audio_codes: [spec.layout.quantizers, frames] };
  return Object.fromEntries(spec.layout.strides.map((s, l) => [`audio_codes.${l}`, [Math.floor(frames / s)]]));
}

function buildEncoder(spec: CodecSpec, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'tiny-codec-encoder' });
  let x = g.input('input_values', 'float32', ['batch_size', 1, 'num_samples']);
  let ch = 1;
  spec.ratios.forEach((r, i) => {
    x = g.op('Tanh', [conv1d(g, x, ch, DIM, 2 * r, `encoder.block${i}`, { stride: r, pad: Math.ceil(r / 2) })]);
    ch = DIM;
  });
  const quantize = (frames: string, name: string) =>
    g.op(
      'ArgMax',
      [linear(g, frames, DIM, spec.codebookSize, `${name}.codebook`, { bias: false, std: 1 })],
      { axis: -1, keepdims: 0 },
      { name },
    );
  if (spec.layout.kind === 'stacked') {
    const frames = swapLast(g, x, 'encoder/frames');
    const codes = Array.from({ length: spec.layout.quantizers }, (_, q) =>
      g.op('Unsqueeze', [quantize(frames, `quantizer.${q}`), g.constInt64([1], `q${q}.axis`)]),
    );
    g.output(g.op('Concat', codes, { axis: 1 }), 'audio_codes', 'int64', [
      'batch_size',
      spec.layout.quantizers,
      'num_frames',
    ]);
  } else {
    spec.layout.strides.forEach((s, l) => {
      const pooled =
        s === 1 ? x : g.op('AveragePool', [x], { kernel_shape: [s], strides: [s] }, { name: `level${l}/pool` });
      g.output(quantize(swapLast(g, pooled, `level${l}/frames`), `quantizer.${l}`), `audio_codes.${l}`, 'int64', [
        'batch_size',
        `num_frames_${l}`,
      ]);
    });
  }
  return g;
}

function buildDecoder(spec: CodecSpec, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed: seed + 1, name: 'tiny-codec-decoder' });
  const hop = hopOf(spec);
  const embed = (codes: string, name: string) =>
    g.op('Gather', [g.param(`${name}.embed`, [spec.codebookSize, DIM], { std: 0.5 }), codes], { axis: 0 }, { name });
  let sum: string | undefined;
  const add = (v: string) => (sum = sum ? g.op('Add', [sum, v]) : v);
  if (spec.layout.kind === 'stacked') {
    const codes = g.input('audio_codes', 'int64', ['batch_size', spec.layout.quantizers, 'num_frames']);
    for (let q = 0; q < spec.layout.quantizers; q++)
      add(embed(g.op('Gather', [codes, g.scalarInt64(q, `q${q}.index`)], { axis: 1 }), `quantizer.${q}`));
  } else {
    spec.layout.strides.forEach((s, l) => {
      const e = embed(g.input(`audio_codes.${l}`, 'int64', ['batch_size', `num_frames_${l}`]), `quantizer.${l}`);
      // Each level's frame stands for `s` finest frames: repeat it s times along time.
      const rep =
        s === 1
          ? e
          : g.op('Reshape', [
              g.op('Expand', [
                g.op('Unsqueeze', [e, g.constInt64([2], `l${l}.ax`)]),
                g.constInt64([1, 1, s, 1], `l${l}.rep`),
              ]),
              g.constInt64([0, -1, DIM], `l${l}.shape`),
            ]);
      add(rep);
    });
  }
  const samples = g.op('Tanh', [linear(g, sum!, DIM, hop, 'decoder.to_samples', { std: 0.3 })]);
  g.output(g.op('Reshape', [samples, g.constInt64([0, 1, -1], 'decoder.shape')]), 'audio_values', 'float32', [
    'batch_size',
    1,
    'num_samples',
  ]);
  return g;
}

/** Writes a tiny codec: encoder_model.onnx, decoder_model.onnx, config.json, preprocessor_config.json. */
export async function synthesizeCodec(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions,
): Promise<SynthesizedModel<SpeechFacts>> {
  const spec = CODEC_SPECS[modelType]!;
  const hop = hopOf(spec);
  const files = await saveGraph(buildEncoder(spec, opts.seed), join(dir, 'onnx', 'encoder_model.onnx'));
  files.push(...(await saveGraph(buildDecoder(spec, opts.seed), join(dir, 'onnx', 'decoder_model.onnx'))));
  files.push(
    await writeJson(join(dir, 'config.json'), {
      model_type: modelType,
      architectures: [spec.architecture],
      ...spec.config(hop),
      transformers_version: '4.57.0',
      hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
    }),
  );
  files.push(
    await writeJson(join(dir, 'preprocessor_config.json'), {
      feature_extractor_type: spec.featureExtractor,
      feature_size: 1,
      sampling_rate: spec.samplingRate,
      hop_length: hop,
      padding_side: 'right',
      padding_value: 0.0,
      return_attention_mask: true,
    }),
  );
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random ${modelType} audio codec synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  const clipSamples = spec.samplingRate;
  return {
    dir,
    files: files.map((f) => f.slice(dir.length + 1)),
    synthesized: true,
    facts: {
      head: 'codec',
      frontEnd: 'raw',
      task: null,
      input: 'input_values',
      inputRank: 3,
      featDim: null,
      samplingRate: spec.samplingRate,
      clipSamples,
      framesPerClip: Math.floor(clipSamples / hop),
      hopLength: hop,
      codeShapes: codeShapes(spec, clipSamples),
      codebookSize: spec.codebookSize,
      vocabSize: 0,
      labels: [],
      hidden: DIM,
      featureExtractor: spec.featureExtractor,
    },
  };
}
