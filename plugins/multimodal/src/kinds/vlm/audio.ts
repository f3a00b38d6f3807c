import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import {
  byteLevelBpeTokenizer,
  cachedDecoder,
  conv1d,
  gelu,
  GraphBuilder,
  linear,
  prependTokens,
  saveGraph,
  vitLayer,
  writeJson,
  type TokenizerFiles,
  llamaTextKeys,
} from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import type { VlmFacts } from './checks.ts';
import { SIZES, type Size } from '../../shared/sizes.ts';
import { buildEmbedTokens, lmDims } from '../../shared/towers.ts';
import { sid, type LmDims } from '../../shared/towers.ts';

/**
 * Audio-text-to-text (Ultravox, Voxtral): `onnx/audio_encoder.onnx` (Whisper log-mel
 * audio_values -> audio_features in the text width) beside embed_tokens and
 * decoder_model_merged; the processor repeats the audio token once per audio feature.
 */
interface AudioSpec {
  architecture: string;
  processorClass: string;
  mels: number;
  audioToken: string;
  /** Ultravox stacks `stack` encoder frames per feature and prepends one; Voxtral groups 4 frames (375 per 30 s chunk). */
  stack: number;
  /** Granite Speech: time-major input_features [b, frames/2, 2*mels], windows of 15 frames pooled 5 to 1 (transformers.js forwards no input_features_mask). */
  granite?: { window: number; downsample: number };
  leadingToken: boolean;
  processorConfig?: Record<string, unknown>;
  config: (
    s: Size,
    d: LmDims,
    tok: TokenizerFiles,
    text: Record<string, unknown>,
    audio: Record<string, unknown>,
  ) => Record<string, unknown>;
  prompt: string;
}

const textKeys = (d: LmDims, tok: TokenizerFiles, modelType: string) => ({
  model_type: modelType,
  ...llamaTextKeys(d),
  bos_token_id: sid(tok, 'bos_token'),
  eos_token_id: sid(tok, 'eos_token'),
});

export const AUDIO_SPECS: Record<string, AudioSpec> = {
  ultravox: {
    architecture: 'UltravoxModel',
    processorClass: 'UltravoxProcessor',
    mels: 80,
    audioToken: '<|audio|>',
    stack: 8,
    leadingToken: true,
    processorConfig: { audio_placeholder: '<|audio|>', encoder_ds_factor: 320, stack_factor: 8 },
    config: (_s, _d, tok, text, audio) => ({
      audio_token_id: sid(tok, 'audio_token'),
      stack_factor: 8,
      projector_act: 'swiglu',
      text_config: text,
      audio_config: { ...audio, model_type: 'whisper' },
    }),
    prompt:
      '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n<|audio|>what is said?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
  },
  granite_speech: {
    architecture: 'GraniteSpeechForConditionalGeneration',
    processorClass: 'GraniteSpeechProcessor',
    mels: 80,
    audioToken: '<|audio|>',
    stack: 15,
    leadingToken: false,
    granite: { window: 15, downsample: 5 },
    processorConfig: { audio_token: '<|audio|>' },
    config: (_s, _d, tok, text, audio) => ({
      audio_token_index: sid(tok, 'audio_token'),
      downsample_rate: 5,
      window_size: 15,
      text_config: { ...text, model_type: 'granite' },
      encoder_config: { ...audio, model_type: 'granite_speech_encoder', input_dim: 160 },
      audio_config: audio,
    }),
    prompt:
      '<|start_of_role|>user<|end_of_role|><|audio|>what is said?<|end_of_text|>\n<|start_of_role|>assistant<|end_of_role|>',
  },
  voxtral: {
    architecture: 'VoxtralForConditionalGeneration',
    processorClass: 'VoxtralProcessor',
    mels: 128,
    audioToken: '[AUDIO]',
    stack: 4,
    leadingToken: false,
    config: (_s, _d, tok, text, audio) => ({
      audio_token_id: sid(tok, 'audio_token'),
      projector_hidden_act: 'gelu',
      text_config: { ...text, model_type: 'llama' },
      audio_config: { ...audio, model_type: 'voxtral_encoder' },
    }),
    prompt: '<s>[INST][AUDIO]what is said?[/INST]',
  },
};

/** Whisper-style audio features + a conv (stride 2) + layers, then frames grouped `stack` at a time and projected. */
export function buildAudioEncoder(s: Size, spec: AudioSpec, textHidden: number, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'audio_encoder' });
  const d = s.vision.hidden;
  let x: string;
  if (spec.granite) {
    const feats = g.input('input_features', 'float32', ['batch_size', 'num_frames', 2 * spec.mels]);
    x = gelu(g, linear(g, feats, 2 * spec.mels, d, 'encoder.input_linear'), 'encoder.input_act');
  } else {
    const feats = g.input('audio_values', 'float32', ['batch_size', spec.mels, 'num_frames']);
    x = gelu(g, conv1d(g, feats, spec.mels, d, 3, 'encoder.conv1', { stride: 2, pad: 1 }), 'encoder.conv_act');
    x = g.op('Transpose', [x], { perm: [0, 2, 1] }, { name: 'encoder/frames' });
  }
  for (let l = 0; l < s.vision.layers; l++)
    x = vitLayer(g, x, d, s.vision.heads, s.vision.inner, `encoder.layers.${l}`, 1e-5);
  // Pad the frames to a multiple of `stack`, then fold `stack` frames into one feature.
  const t = g.op(
    'Gather',
    [g.op('Shape', [x], {}, { name: 'stack/shape' }), g.scalarInt64(1, 'stack.axis')],
    { axis: 0 },
    { name: 'stack/t' },
  );
  const k = g.scalarInt64(spec.stack, 'stack.k');
  const pad = g.op(
    'Mod',
    [g.op('Sub', [k, g.op('Mod', [t, k], {}, { name: 'stack/rem' })], {}, { name: 'stack/missing' }), k],
    {},
    { name: 'stack/pad' },
  );
  const pads = g.op(
    'Concat',
    [
      g.constInt64([0, 0, 0, 0], 'stack.pads_head'),
      g.op('Unsqueeze', [pad, g.constInt64([0], 'stack.ax')], {}, { name: 'stack/pad1' }),
      g.constInt64([0], 'stack.pads_tail'),
    ],
    { axis: 0 },
    { name: 'stack/pads' },
  );
  const padded = g.op('Pad', [x, pads, g.scalarFloat(0, 'stack.zero')], {}, { name: 'stack/padded' });
  // Granite: windows pooled `downsample` frames to one (mean); others: `stack` frames concatenated into one.
  const group = spec.granite ? spec.granite.downsample : spec.stack;
  let y = g.op(
    'Reshape',
    [padded, g.constInt64(spec.granite ? [0, -1, group, d] : [0, -1, group * d], 'stack.shape')],
    {},
    { name: 'stack/folded' },
  );
  if (spec.granite) y = g.op('ReduceMean', [y], { axes: [2], keepdims: 0 }, { name: 'stack/pooled' });
  const width = spec.granite ? d : group * d;
  y = linear(
    g,
    gelu(g, linear(g, y, width, textHidden, 'multi_modal_projector.linear_1'), 'multi_modal_projector.act'),
    textHidden,
    textHidden,
    'multi_modal_projector.linear_2',
    { std: 0.5 },
  );
  if (spec.leadingToken) y = prependTokens(g, y, textHidden, 1, 'multi_modal_projector.leading');
  g.output(y, 'audio_features', 'float32', ['batch_size', 'num_audio_tokens', textHidden]);
  return g;
}

/** The test clip: 1 s at 16 kHz (100 feature frames). */
export const AUDIO_SAMPLES = 16000;

export async function synthesizeAudio(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions,
): Promise<SynthesizedModel<VlmFacts>> {
  const spec = AUDIO_SPECS[modelType];
  if (!spec) throw new Error(`multimodal plugin: no audio-text-to-text spec for "${modelType}"`);
  const s = SIZES[opts.size];
  const specials = [
    '<|end_of_text|>',
    '<|begin_of_text|>',
    '<|eot_id|>',
    '<|start_header_id|>',
    '<|end_header_id|>',
    '<|start_of_role|>',
    '<|end_of_role|>',
    '<s>',
    '</s>',
    '[INST]',
    '[/INST]',
    '[BEGIN_AUDIO]',
    spec.audioToken,
  ];
  const eos = modelType === 'voxtral' ? '</s>' : '<|eot_id|>';
  const tok = byteLevelBpeTokenizer({
    tokenizerClass: 'PreTrainedTokenizerFast',
    specials,
    roles: {
      bos_token: modelType === 'voxtral' ? '<s>' : '<|begin_of_text|>',
      eos_token: eos,
      pad_token: '<|end_of_text|>',
      unk_token: '<|end_of_text|>',
      audio_token: spec.audioToken,
    },
    postProcessor: { single: ['$A'], pair: ['$A', '$B'] },
  });
  const d = lmDims(s, tok.vocabSize);
  const audioKeys = {
    num_mel_bins: spec.mels,
    d_model: s.vision.hidden,
    encoder_layers: s.vision.layers,
    encoder_attention_heads: s.vision.heads,
    encoder_ffn_dim: s.vision.inner,
    max_source_positions: 1500,
  };
  const config = {
    model_type: modelType,
    architectures: [spec.architecture],
    ...spec.config(s, d, tok, textKeys(d, tok, 'llama'), audioKeys),
    transformers_version: '4.57.0',
    hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
  };
  const onnx = (f: string) => join(dir, 'onnx', f);
  const dec = new GraphBuilder({ seed: opts.seed, name: 'decoder_model_merged' });
  cachedDecoder(dec, d, { input: 'inputs_embeds' });
  const files = [
    ...(await saveGraph(buildEmbedTokens(d, opts.seed), onnx('embed_tokens.onnx'))),
    ...(await saveGraph(buildAudioEncoder(s, spec, d.hidden, opts.seed), onnx('audio_encoder.onnx'))),
    ...(await saveGraph(dec, onnx('decoder_model_merged.onnx'))),
  ];
  files.push(await writeJson(join(dir, 'config.json'), config));
  files.push(
    await writeJson(join(dir, 'generation_config.json'), {
      bos_token_id: sid(tok, 'bos_token'),
      eos_token_id: sid(tok, 'eos_token'),
      pad_token_id: sid(tok, 'pad_token'),
      transformers_version: '4.57.0',
    }),
  );
  files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
  files.push(await writeJson(join(dir, 'tokenizer_config.json'), tok.tokenizerConfig));
  const granitePre = {
    feature_extractor_type: 'GraniteSpeechFeatureExtractor',
    processor_class: spec.processorClass,
    sampling_rate: 16000,
    melspec_kwargs: { sample_rate: 16000, n_fft: 512, win_length: 400, hop_length: 160, n_mels: spec.mels },
    projector_window_size: 15,
    projector_downsample_rate: 5,
  };
  if (spec.granite) files.push(await writeJson(join(dir, 'preprocessor_config.json'), granitePre));
  else
    files.push(
      await writeJson(join(dir, 'preprocessor_config.json'), {
        feature_extractor_type: 'WhisperFeatureExtractor',
        processor_class: spec.processorClass,
        feature_size: spec.mels,
        sampling_rate: 16000,
        hop_length: 160,
        chunk_length: 30,
        n_fft: 400,
        n_samples: 480000,
        nb_max_frames: 3000,
        padding_side: 'right',
        padding_value: 0.0,
        return_attention_mask: false,
      }),
    );
  if (spec.processorConfig)
    files.push(
      await writeJson(join(dir, 'processor_config.json'), {
        processor_class: spec.processorClass,
        ...spec.processorConfig,
      }),
    );
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random ${modelType} audio-text-to-text model synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  // Ultravox features the 1 s clip (100 frames -> 50 after the conv -> ceil(50/8) + 1); Voxtral pads to a 30 s chunk (3000 -> 1500 -> 375).
  // Granite: 101 mel frames -> 100 -> 50 stacked pairs -> ceil(50 / 15) windows x 3.
  const frames = modelType === 'voxtral' ? 3000 : spec.granite ? 50 : AUDIO_SAMPLES / 160;
  const tokens = spec.granite
    ? Math.ceil(frames / spec.granite.window) * (spec.granite.window / spec.granite.downsample)
    : Math.ceil(Math.ceil(frames / 2) / spec.stack) + (spec.leadingToken ? 1 : 0);
  const facts: VlmFacts = {
    kind: 'vlm',
    imageSize: 0,
    channels: 0,
    vocabSize: d.vocab,
    hidden: d.hidden,
    layers: d.layers,
    kvHeads: d.kvHeads,
    headDim: d.headDim,
    imageTokens: tokens,
    imageTokenId: sid(tok, 'audio_token')!,
    positionStart: 0,
    textFirst: true,
    prompt: spec.prompt,
    audio: { mels: spec.mels, frames, samples: AUDIO_SAMPLES, ...(spec.granite ? { timeMajor: true } : {}) },
  };
  return { dir, files: files.map((f) => f.slice(dir.length + 1)), synthesized: true, facts };
}
