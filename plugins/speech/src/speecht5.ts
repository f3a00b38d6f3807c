import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  cachedCrossLayers,
  declareDecoderCache,
  embedding,
  GraphBuilder,
  layerNorm,
  linear,
  paddingBias,
  saveGraph,
  selfAttention,
  unigramTokenizer,
  writeJson,
} from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import type { SpeechFacts } from './facts.ts';
import type { Dims } from './specs.ts';
import { synthesizeTts, VOCODER_MELS } from './tts.ts';

/**
 * SpeechT5 text-to-speech (SpeechT5ForTextToSpeech.generate_speech): onnx/encoder_model.onnx
 * (input_ids -> encoder_outputs, encoder_attention_mask) and onnx/decoder_model_merged.onnx
 * (output_sequence, speaker_embeddings, encoder_hidden_states, encoder_attention_mask, the cache,
 * use_cache_branch -> output_sequence_out, spectrum [reduction_factor, mels], prob, present.*).
 * A HiFi-GAN vocoder is written to vocoder/ beside it, since the pipeline's default downloads one.
 */

export const SPEECHT5 = { reductionFactor: 2, speakerDim: 16, maxPositions: 600 };
const T = SPEECHT5;

function encoder(d: Dims, vocab: number, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'tiny-speecht5-encoder' });
  const ids = g.input('input_ids', 'int64', ['batch_size', 'encoder_sequence_length']);
  let x = embedding(g, ids, vocab, d.hidden, 'text.embed');
  for (let l = 0; l < d.layers; l++)
    x = layerNorm(
      g,
      g.op('Add', [x, selfAttention(g, x, d.hidden, d.heads, `encoder.layers.${l}.attn`)]),
      d.hidden,
      `encoder.layers.${l}.norm`,
      1e-5,
    );
  g.output(x, 'encoder_outputs', 'float32', ['batch_size', 'encoder_sequence_length', d.hidden]);
  const ones = g.op('ConstantOfShape', [g.op('Shape', [ids])], {
    value: { tensor: { type: 'int64', dims: [1], data: BigInt64Array.from([1n]) } },
  });
  g.output(ones, 'encoder_attention_mask', 'int64', ['batch_size', 'encoder_sequence_length']);
  return g;
}

function decoder(d: Dims, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed: seed + 1, name: 'tiny-speecht5-decoder-merged' });
  const seq = g.input('output_sequence', 'float32', ['batch_size', 'decoder_sequence_length', VOCODER_MELS]);
  const spk = g.input('speaker_embeddings', 'float32', ['batch_size', T.speakerDim]);
  const enc = g.input('encoder_hidden_states', 'float32', ['batch_size', 'encoder_sequence_length', d.hidden]);
  const encMask = g.input('encoder_attention_mask', 'int64', ['batch_size', 'encoder_sequence_length']);
  // With a cache only the newest frame is decoded; the sequence itself grows in output_sequence_out.
  const last = g.op('Slice', [
    seq,
    g.constInt64([-1], 'last.start'),
    g.constInt64([2 ** 31], 'last.end'),
    g.constInt64([1], 'last.axis'),
  ]);
  const cache = declareDecoderCache(g, d, last, 'decoder');
  const prenet = g.op('Relu', [linear(g, last, VOCODER_MELS, d.hidden, 'prenet.0')]);
  const speaker = g.op('Unsqueeze', [
    linear(g, spk, T.speakerDim, d.hidden, 'prenet.speaker'),
    g.constInt64([1], 'spk.axis'),
  ]);
  const positions = g.op(
    'Gather',
    [g.param('decoder.embed_positions.weight', [T.maxPositions, d.hidden], { std: 0.1 }), cache.qpos],
    { axis: 0 },
  );
  const x = cachedCrossLayers(g, g.op('Add', [g.op('Add', [prenet, speaker]), positions]), enc, cache, d, 'decoder', {
    encoderBias: paddingBias(g, encMask),
  });
  const frames = g.op('Reshape', [
    linear(g, x, d.hidden, T.reductionFactor * VOCODER_MELS, 'feat_out', { std: 0.3 }),
    g.constInt64([0, -1, VOCODER_MELS], 'frames.shape'),
  ]);
  g.output(g.op('Reshape', [frames, g.constInt64([-1, VOCODER_MELS], 'spectrum.shape')]), 'spectrum', 'float32', [
    'num_frames',
    VOCODER_MELS,
  ]);
  // A stop probability biased low, so generation runs several steps before it stops.
  const logit = g.op('Add', [
    linear(g, x, d.hidden, T.reductionFactor, 'prob_out', { std: 1 }),
    g.scalarFloat(-1.5, 'prob.bias'),
  ]);
  g.output(g.op('Reshape', [g.op('Sigmoid', [logit]), g.constInt64([-1], 'prob.shape')]), 'prob', 'float32', [
    'num_frames',
  ]);
  const newest = g.op('Slice', [
    frames,
    g.constInt64([-1], 'new.start'),
    g.constInt64([2 ** 31], 'new.end'),
    g.constInt64([1], 'new.axis'),
  ]);
  g.output(g.op('Concat', [seq, newest], { axis: 1 }), 'output_sequence_out', 'float32', [
    'batch_size',
    'decoder_sequence_length + 1',
    VOCODER_MELS,
  ]);
  return g;
}

export async function synthesizeSpeechT5(
  dir: string,
  opts: SynthesizeOptions,
  d: Dims,
): Promise<SynthesizedModel<SpeechFacts>> {
  const tok = unigramTokenizer({
    tokenizerClass: 'SpeechT5Tokenizer',
    specials: ['<s>', '<pad>', '</s>', '<unk>'],
    roles: { bos_token: '<s>', pad_token: '<pad>', eos_token: '</s>', unk_token: '<unk>' },
    unkToken: '<unk>',
    single: ['$A', '</s>'],
    pair: ['$A', '$B', '</s>'],
  });
  const files = await saveGraph(encoder(d, tok.vocabSize, opts.seed), join(dir, 'onnx', 'encoder_model.onnx'));
  files.push(...(await saveGraph(decoder(d, opts.seed), join(dir, 'onnx', 'decoder_model_merged.onnx'))));
  files.push(
    await writeJson(join(dir, 'config.json'), {
      model_type: 'speecht5',
      architectures: ['SpeechT5ForTextToSpeech'],
      vocab_size: tok.vocabSize,
      hidden_size: d.hidden,
      encoder_layers: d.layers,
      encoder_attention_heads: d.heads,
      encoder_ffn_dim: d.inner,
      decoder_layers: d.layers,
      decoder_attention_heads: d.heads,
      decoder_ffn_dim: d.inner,
      num_mel_bins: VOCODER_MELS,
      reduction_factor: T.reductionFactor,
      speaker_embedding_dim: T.speakerDim,
      max_speech_positions: T.maxPositions,
      max_text_positions: 450,
      is_encoder_decoder: true,
      use_cache: true,
      bos_token_id: 0,
      pad_token_id: 1,
      eos_token_id: 2,
      decoder_start_token_id: 2,
      transformers_version: '4.57.0',
      hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
    }),
  );
  files.push(
    await writeJson(join(dir, 'generation_config.json'), {
      bos_token_id: 0,
      pad_token_id: 1,
      eos_token_id: 2,
      decoder_start_token_id: 2,
      max_length: 1876,
      transformers_version: '4.57.0',
    }),
  );
  files.push(
    await writeJson(join(dir, 'preprocessor_config.json'), {
      feature_extractor_type: 'SpeechT5FeatureExtractor',
      processor_class: 'SpeechT5Processor',
      feature_size: 1,
      sampling_rate: 16000,
      num_mel_bins: VOCODER_MELS,
      hop_length: 16,
      win_length: 64,
      win_function: 'hann_window',
      fmin: 80,
      fmax: 7600,
      mel_floor: 1e-10,
      padding_value: 0.0,
      do_normalize: false,
      reduction_factor: T.reductionFactor,
      return_attention_mask: true,
    }),
  );
  files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
  files.push(await writeJson(join(dir, 'tokenizer_config.json'), tok.tokenizerConfig));
  const vocoder = await synthesizeTts('hifigan', join(dir, 'vocoder'), opts, d);
  files.push(...vocoder.files.map((f) => join(dir, 'vocoder', f)));
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random speecht5 (text-to-speech) synthesized by hf-core (seed ${opts.seed}), with a tiny HiFi-GAN in vocoder/. Not a trained model.\n`,
  );
  return {
    dir,
    files: files.map((f) => f.slice(dir.length + 1)),
    synthesized: true,
    facts: {
      head: 'speecht5',
      frontEnd: 'text',
      textMask: false,
      task: 'text-to-speech',
      input: 'input_ids',
      inputRank: 2,
      featDim: VOCODER_MELS,
      samplingRate: 16000,
      clipSamples: 0,
      framesPerClip: null,
      vocabSize: tok.vocabSize,
      labels: [],
      hidden: d.hidden,
      featureExtractor: null,
      speakerDim: T.speakerDim,
      reductionFactor: T.reductionFactor,
      hopLength: vocoder.facts!.hopLength,
    },
  };
}
