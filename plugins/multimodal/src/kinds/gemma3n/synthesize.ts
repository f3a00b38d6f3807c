import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import {
  byteLevelBpeTokenizer,
  cachedDecoder,
  embedding,
  gelu,
  GraphBuilder,
  linear,
  saveGraph,
  writeJson,
  type TokenizerFiles,
  llamaSizeKeys,
} from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import { squareImageProcessor } from '../../shared/processors.ts';
import { SIZES } from '../../shared/sizes.ts';
import { buildVisionEncoder, imageTokenCount, lmDims } from '../../shared/towers.ts';
import { sid, type LmDims } from '../../shared/towers.ts';
import type { Gemma3nFacts } from './checks.ts';

/**
 * Gemma 3n (ImageAudioTextToText), as transformers.js's Gemma3nForConditionalGeneration loads it:
 * `onnx/embed_tokens.onnx` (input_ids -> inputs_embeds + per_layer_inputs [b, s, layers, per-layer
 * width]), `onnx/vision_encoder.onnx` (pixel_values -> image_features), `onnx/audio_encoder.onnx`
 * (input_features [b, frames, mels] + input_features_mask -> audio_features [b, audio_seq_length,
 * hidden]) and `onnx/decoder_model_merged.onnx` (inputs_embeds + per_layer_inputs + KV cache ->
 * logits; each layer adds a gated projection of its per-layer input). AltUp and LAuReL are internal
 * to the real decoder and not modelled: the sessions' inputs and outputs are what transformers.js feeds.
 */

export const GEMMA3N_PER_LAYER = 8;
export const GEMMA3N_MELS = 16;
/** Audio tokens per clip (processor audio_seq_length; the encoder pads or truncates to it). */
export const GEMMA3N_AUDIO_TOKENS = 16;
/** Encoder frames pooled into one audio feature. */
const AUDIO_POOL = 4;

export function gemma3nTokenizer(): TokenizerFiles {
  const specials = [
    '<pad>',
    '<eos>',
    '<bos>',
    '<unk>',
    '<start_of_turn>',
    '<end_of_turn>',
    '<start_of_image>',
    '<end_of_image>',
    '<image_soft_token>',
    '<start_of_audio>',
    '<end_of_audio>',
    '<audio_soft_token>',
  ];
  const roles = {
    pad_token: '<pad>',
    eos_token: '<eos>',
    bos_token: '<bos>',
    unk_token: '<unk>',
    boi_token: '<start_of_image>',
    eoi_token: '<end_of_image>',
    image_token: '<image_soft_token>',
    boa_token: '<start_of_audio>',
    eoa_token: '<end_of_audio>',
    audio_token: '<audio_soft_token>',
  };
  return byteLevelBpeTokenizer({
    tokenizerClass: 'GemmaTokenizer',
    specials,
    roles,
    postProcessor: { single: ['$A'], pair: ['$A', '$B'] },
  });
}

/** input_ids -> inputs_embeds and per_layer_inputs (a second table, one slice per decoder layer). */
export function buildGemma3nEmbeds(d: LmDims, perLayer: number, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'embed_tokens' });
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  g.output(embedding(g, ids, d.vocab, d.hidden, 'embed_tokens'), 'inputs_embeds', 'float32', [
    'batch_size',
    'sequence_length',
    d.hidden,
  ]);
  const pl = embedding(g, ids, d.vocab, d.layers * perLayer, 'embed_tokens_per_layer');
  const shape = g.op(
    'Concat',
    [g.op('Shape', [ids], {}, { name: 'per_layer/ids_shape' }), g.constInt64([d.layers, perLayer], 'per_layer.tail')],
    { axis: 0 },
    { name: 'per_layer/shape' },
  );
  g.output(g.op('Reshape', [pl, shape], {}, { name: 'per_layer/inputs' }), 'per_layer_inputs', 'float32', [
    'batch_size',
    'sequence_length',
    d.layers,
    perLayer,
  ]);
  return g;
}

/**
 * input_features [b, frames, mels] (+ input_features_mask [b, frames]) -> audio_features [b, tokens, hidden]:
 * per-frame projection of the masked frames, average-pooled AUDIO_POOL to 1, GELU projector, then a learned
 * padding feature fills up to `tokens` (longer clips are truncated), as Gemma 3n pads to audio_soft_tokens.
 */
export function buildGemma3nAudio(hidden: number, mels: number, tokens: number, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'audio_encoder' });
  const feats = g.input('input_features', 'float32', ['batch_size', 'num_frames', mels]);
  const mask = g.input('input_features_mask', 'bool', ['batch_size', 'num_frames']);
  const maskf = g.op(
    'Unsqueeze',
    [g.op('Cast', [mask], { to: 1 }, { name: 'audio/mask_f' }), g.constInt64([-1], 'audio.last')],
    {},
    { name: 'audio/mask3' },
  );
  const x = g.op('Mul', [linear(g, feats, mels, hidden, 'audio.input_proj'), maskf], {}, { name: 'audio/masked' });
  const pooled = g.op(
    'AveragePool',
    [g.op('Transpose', [x], { perm: [0, 2, 1] }, { name: 'audio/bht' })],
    { kernel_shape: [AUDIO_POOL], strides: [AUDIO_POOL] },
    { name: 'audio/pool' },
  );
  const t = g.op('Transpose', [pooled], { perm: [0, 2, 1] }, { name: 'audio/bth' });
  const h = linear(
    g,
    gelu(g, linear(g, t, hidden, hidden, 'embed_audio.0'), 'embed_audio.act'),
    hidden,
    hidden,
    'embed_audio.2',
    { std: 0.5 },
  );
  const padRow = g.param('audio.pad_embedding', [1, 1, hidden], { std: 0.5 });
  const batch = g.op(
    'Slice',
    [g.op('Shape', [feats], {}, { name: 'audio/shape' }), g.constInt64([0], 'audio.s0'), g.constInt64([1], 'audio.s1')],
    {},
    { name: 'audio/batch' },
  );
  const padShape = g.op(
    'Concat',
    [batch, g.constInt64([tokens, hidden], 'audio.pad_tail')],
    { axis: 0 },
    { name: 'audio/pad_shape' },
  );
  const pads = g.op('Expand', [padRow, padShape], {}, { name: 'audio/pads' });
  const full = g.op('Concat', [h, pads], { axis: 1 }, { name: 'audio/padded' });
  g.output(
    g.op(
      'Slice',
      [full, g.constInt64([0], 'audio.t0'), g.constInt64([tokens], 'audio.tn'), g.constInt64([1], 'audio.ax1')],
      {},
      { name: 'audio/features' },
    ),
    'audio_features',
    'float32',
    ['batch_size', tokens, hidden],
  );
  return g;
}

const CHAT_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}<start_of_turn>{{ 'model' if message['role'] == 'assistant' else message['role'] }}\n{{ message['content'] }}<end_of_turn>\n{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}";

export async function synthesizeGemma3n(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions & {
    dropPast?: boolean;
    audioTokens?: number;
    graphAudioTokens?: number;
    ignorePerLayer?: boolean;
  },
): Promise<SynthesizedModel<Gemma3nFacts>> {
  if (modelType !== 'gemma3n') throw new Error(`multimodal plugin: synthesizeGemma3n cannot synthesize "${modelType}"`);
  const s = SIZES[opts.size];
  const tok = gemma3nTokenizer();
  const d = lmDims(s, tok.vocabSize);
  const imageTokens = imageTokenCount(s);
  const onnx = (f: string) => join(dir, 'onnx', f);
  const files = [
    ...(await saveGraph(buildGemma3nEmbeds(d, GEMMA3N_PER_LAYER, opts.seed), onnx('embed_tokens.onnx'))),
    ...(await saveGraph(
      buildVisionEncoder(s, d.hidden, { classToken: false }, opts.seed),
      onnx('vision_encoder.onnx'),
    )),
    ...(await saveGraph(
      buildGemma3nAudio(d.hidden, GEMMA3N_MELS, opts.graphAudioTokens ?? GEMMA3N_AUDIO_TOKENS, opts.seed),
      onnx('audio_encoder.onnx'),
    )),
  ];
  const dec = new GraphBuilder({ seed: opts.seed, name: 'decoder_model_merged' });
  cachedDecoder(dec, d, {
    input: 'inputs_embeds',
    dropPast: opts.dropPast,
    perLayerInput: opts.ignorePerLayer ? undefined : GEMMA3N_PER_LAYER,
  });
  // ignorePerLayer: a deliberately broken decoder that takes per_layer_inputs and never reads them (tests prove the check fails).
  if (opts.ignorePerLayer)
    dec.input('per_layer_inputs', 'float32', ['batch_size', 'sequence_length', d.layers, GEMMA3N_PER_LAYER]);
  files.push(...(await saveGraph(dec, onnx('decoder_model_merged.onnx'))));
  const [bos, eos, pad] = [sid(tok, 'bos_token'), sid(tok, 'eos_token'), sid(tok, 'pad_token')];
  const config = {
    model_type: modelType,
    architectures: ['Gemma3nForConditionalGeneration'],
    image_token_id: sid(tok, 'image_token'),
    audio_token_id: sid(tok, 'audio_token'),
    boi_token_id: sid(tok, 'boi_token'),
    eoi_token_id: sid(tok, 'eoi_token'),
    boa_token_id: sid(tok, 'boa_token'),
    eoa_token_id: sid(tok, 'eoa_token'),
    vision_soft_tokens_per_image: imageTokens,
    audio_soft_tokens_per_image: GEMMA3N_AUDIO_TOKENS,
    text_config: {
      model_type: 'gemma3n_text',
      ...llamaSizeKeys(d),
      vocab_size_per_layer_input: d.vocab,
      hidden_size_per_layer_input: GEMMA3N_PER_LAYER,
      hidden_activation: 'gelu_pytorch_tanh',
      rms_norm_eps: 1e-6,
      rope_theta: 10000,
      rope_local_base_freq: 10000,
      sliding_window: 512,
      layer_types: Array.from({ length: d.layers }, () => 'full_attention'),
      altup_num_inputs: 4,
      laurel_rank: 8,
      num_kv_shared_layers: 0,
      bos_token_id: bos,
      eos_token_id: eos,
      pad_token_id: pad,
    },
    vision_config: {
      model_type: 'gemma3n_vision',
      hidden_size: s.vision.hidden,
      image_size: s.imageSize,
      patch_size: s.patchSize,
      num_channels: 3,
      vocab_size: 128,
      vocab_offset: d.vocab,
    },
    audio_config: {
      model_type: 'gemma3n_audio',
      hidden_size: d.hidden,
      input_feat_size: GEMMA3N_MELS,
      vocab_size: 128,
      vocab_offset: d.vocab + 128,
    },
    transformers_version: '4.57.0',
    hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
  };
  files.push(await writeJson(join(dir, 'config.json'), config));
  files.push(
    await writeJson(join(dir, 'generation_config.json'), {
      bos_token_id: bos,
      eos_token_id: eos,
      pad_token_id: pad,
      transformers_version: '4.57.0',
    }),
  );
  files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
  const tokenizerConfig = {
    ...tok.tokenizerConfig,
    padding_side: 'left',
    image_token_id: sid(tok, 'image_token'),
    boi_token: '<start_of_image>',
    image_token: '<image_soft_token>',
    eoi_token: '<end_of_image>',
    audio_token_id: sid(tok, 'audio_token'),
    boa_token: '<start_of_audio>',
    audio_token: '<audio_soft_token>',
    eoa_token: '<end_of_audio>',
  };
  files.push(await writeJson(join(dir, 'tokenizer_config.json'), tokenizerConfig));
  files.push(
    await writeJson(join(dir, 'preprocessor_config.json'), {
      ...squareImageProcessor('SiglipImageProcessor', s.imageSize, { processor_class: 'Gemma3nProcessor' }),
      feature_extractor_type: 'Gemma3nAudioFeatureExtractor',
      feature_size: GEMMA3N_MELS,
      sampling_rate: 16000,
      frame_length: 512,
      hop_length: 160,
      fft_length: 1024,
      min_frequency: 125.0,
      max_frequency: 7600.0,
      preemphasis: 0.97,
      preemphasis_htk_flavor: true,
      mel_floor: 1e-5,
      padding_value: 0.0,
      return_attention_mask: true,
    }),
  );
  files.push(
    await writeJson(join(dir, 'processor_config.json'), {
      processor_class: 'Gemma3nProcessor',
      image_seq_length: imageTokens,
      audio_seq_length: opts.audioTokens ?? GEMMA3N_AUDIO_TOKENS,
    }),
  );
  await writeFile(join(dir, 'chat_template.jinja'), CHAT_TEMPLATE);
  files.push(join(dir, 'chat_template.jinja'));
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random ${modelType} image-audio-text-to-text model synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  const facts: Gemma3nFacts = {
    kind: 'gemma3n',
    imageSize: s.imageSize,
    channels: 3,
    vocabSize: d.vocab,
    hidden: d.hidden,
    layers: d.layers,
    kvHeads: d.kvHeads,
    headDim: d.headDim,
    perLayer: GEMMA3N_PER_LAYER,
    mels: GEMMA3N_MELS,
    imageTokens,
    audioTokens: GEMMA3N_AUDIO_TOKENS,
    imageTokenId: sid(tok, 'image_token')!,
    audioTokenId: sid(tok, 'audio_token')!,
    imagePrompt: '<bos><start_of_turn>user\n<image_soft_token>what is this?<end_of_turn>\n<start_of_turn>model\n',
    audioPrompt: '<bos><start_of_turn>user\n<audio_soft_token>what is said?<end_of_turn>\n<start_of_turn>model\n',
  };
  return { dir, files: files.map((f) => f.slice(dir.length + 1)), synthesized: true, facts };
}
