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
  swapLast,
  writeJson,
} from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import type { SpeechFacts } from './facts.ts';
import type { Dims } from './specs.ts';
import { charTokenizer } from './tts.ts';

/**
 * Supertonic (transformers.js MODEL_TYPES.Supertonic): onnx/text_encoder.onnx (input_ids,
 * attention_mask, style -> last_hidden_state, durations in seconds), onnx/latent_denoiser.onnx
 * (one flow-matching step over [b, latent_dim x chunk_compress_factor, frames]) and
 * onnx/voice_decoder.onnx (latents -> waveform, base_chunk_size samples per latent frame).
 */

export const SUPERTONIC = {
  samplingRate: 16000,
  baseChunkSize: 32,
  chunkCompressFactor: 2,
  latentDim: 4,
  styleDim: 16,
  styleTokens: 4,
};
const S = SUPERTONIC;
const CHANNELS = S.latentDim * S.chunkCompressFactor;

function textEncoder(d: Dims, vocab: number, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'tiny-supertonic-text-encoder' });
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'sequence_length']);
  const style = g.input('style', 'float32', ['batch_size', S.styleTokens, S.styleDim]);
  const styleVec = linear(
    g,
    g.op('ReduceMean', [style], { axes: [1], keepdims: 1 }),
    S.styleDim,
    d.hidden,
    'style.proj',
  );
  let x = g.op('Add', [embedding(g, ids, vocab, d.hidden, 'text.embed'), styleVec]);
  const bias = paddingBias(g, mask);
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
      g.op('Add', [x, mlp(g, x, d.hidden, d.inner, `layers.${l}.mlp`)]),
      d.hidden,
      `layers.${l}.norm2`,
      1e-5,
    );
  }
  g.output(x, 'last_hidden_state', 'float32', ['batch_size', 'sequence_length', d.hidden]);
  // Seconds per token: softplus, scaled to roughly 20-60 ms, summed over real tokens.
  const perToken = g.op('Mul', [
    g.op('Softplus', [linear(g, x, d.hidden, 1, 'duration', { std: 0.5 })]),
    g.scalarFloat(0.04, 'duration.scale'),
  ]);
  const masked = g.op('Mul', [
    g.op('Squeeze', [perToken, g.constInt64([2], 'duration.axis')]),
    g.op('Cast', [mask], { to: 1 }),
  ]);
  g.output(
    g.op('ReduceSum', [masked, g.constInt64([1], 'duration.sum_axis')], { keepdims: 0 }),
    'durations',
    'float32',
    ['batch_size'],
  );
  return g;
}

function latentDenoiser(d: Dims, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed: seed + 1, name: 'tiny-supertonic-latent-denoiser' });
  const style = g.input('style', 'float32', ['batch_size', S.styleTokens, S.styleDim]);
  const noisy = g.input('noisy_latents', 'float32', ['batch_size', CHANNELS, 'latent_length']);
  const latentMask = g.input('latent_mask', 'int64', ['batch_size', 'latent_length']);
  const enc = g.input('encoder_outputs', 'float32', ['batch_size', 'sequence_length', d.hidden]);
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'sequence_length']);
  const t = g.input('timestep', 'float32', ['batch_size']);
  const steps = g.input('num_inference_steps', 'float32', ['batch_size']);
  const m = g.op('Unsqueeze', [g.op('Cast', [mask], { to: 1 }), g.constInt64([2], 'mask.axis')]);
  const pooled = g.op('Div', [
    g.op('ReduceSum', [g.op('Mul', [enc, m]), g.constInt64([1], 'pool.axis')], { keepdims: 1 }),
    g.op('ReduceSum', [m, g.constInt64([1], 'pool.axis2')], { keepdims: 1 }),
  ]);
  const cond = g.op('Add', [
    linear(g, pooled, d.hidden, CHANNELS, 'cond'),
    linear(g, g.op('ReduceMean', [style], { axes: [1], keepdims: 1 }), S.styleDim, CHANNELS, 'style'),
  ]);
  // Move a fraction 1 / (steps - t) of the way from the noise to the condition (a flow step).
  const frac = g.op('Unsqueeze', [
    g.op('Div', [g.scalarFloat(1, 'one'), g.op('Sub', [steps, t])]),
    g.constInt64([1, 2], 'frac.axes'),
  ]);
  const target = swapLast(g, cond, 'cond/channels_first');
  const step = g.op('Add', [noisy, g.op('Mul', [frac, g.op('Sub', [target, noisy])])]);
  const lm = g.op('Unsqueeze', [g.op('Cast', [latentMask], { to: 1 }), g.constInt64([1], 'latent_mask.axis')]);
  g.output(g.op('Mul', [step, lm]), 'denoised_latents', 'float32', ['batch_size', CHANNELS, 'latent_length']);
  return g;
}

function voiceDecoder(seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed: seed + 2, name: 'tiny-supertonic-voice-decoder' });
  const latents = g.input('latents', 'float32', ['batch_size', CHANNELS, 'latent_length']);
  const samples = g.op('Tanh', [
    linear(g, swapLast(g, latents, 'frames'), CHANNELS, S.baseChunkSize * S.chunkCompressFactor, 'to_samples', {
      std: 0.3,
    }),
  ]);
  g.output(g.op('Reshape', [samples, g.constInt64([0, -1], 'wave.shape')]), 'waveform', 'float32', [
    'batch_size',
    'num_samples',
  ]);
  return g;
}

export async function synthesizeSupertonic(
  dir: string,
  opts: SynthesizeOptions,
  d: Dims,
): Promise<SynthesizedModel<SpeechFacts>> {
  const tok = charTokenizer('PreTrainedTokenizerFast');
  const files = await saveGraph(textEncoder(d, tok.vocabSize, opts.seed), join(dir, 'onnx', 'text_encoder.onnx'));
  files.push(...(await saveGraph(latentDenoiser(d, opts.seed), join(dir, 'onnx', 'latent_denoiser.onnx'))));
  files.push(...(await saveGraph(voiceDecoder(opts.seed), join(dir, 'onnx', 'voice_decoder.onnx'))));
  files.push(
    await writeJson(join(dir, 'config.json'), {
      model_type: 'supertonic',
      architectures: ['SupertonicForConditionalGeneration'],
      sampling_rate: S.samplingRate,
      base_chunk_size: S.baseChunkSize,
      chunk_compress_factor: S.chunkCompressFactor,
      latent_dim: S.latentDim,
      style_dim: S.styleDim,
      vocab_size: tok.vocabSize,
      hidden_size: d.hidden,
      num_hidden_layers: d.layers,
      num_attention_heads: d.heads,
      transformers_version: '4.57.0',
      hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
    }),
  );
  files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
  files.push(await writeJson(join(dir, 'tokenizer_config.json'), tok.tokenizerConfig));
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random supertonic synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  return {
    dir,
    files: files.map((f) => f.slice(dir.length + 1)),
    synthesized: true,
    facts: {
      head: 'diffusion-tts',
      frontEnd: 'text',
      task: 'text-to-speech',
      input: 'input_ids',
      inputRank: 2,
      featDim: null,
      samplingRate: S.samplingRate,
      clipSamples: 0,
      framesPerClip: null,
      vocabSize: tok.vocabSize,
      labels: [],
      hidden: d.hidden,
      featureExtractor: null,
      styleShape: [S.styleTokens, S.styleDim],
    },
  };
}
