import { join } from 'node:path';
import { gelu, GraphBuilder, linear, saveGraph, writeJson } from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import {
  buildGemmaDecoder,
  buildGemmaEmbeds,
  GEMMA_PER_LAYER,
  gemmaFacts,
  gemmaTextConfig,
  gemmaTokenIdKeys,
  gemmaTokenizer,
  writeGemmaChatTemplate,
  writeGemmaTextFiles,
} from '../../shared/gemma.ts';
import { squareImageProcessor } from '../../shared/processors.ts';
import { SIZES } from '../../shared/sizes.ts';
import { buildVisionEncoder, imageTokenCount, lmDims, sid } from '../../shared/towers.ts';
import type { Gemma3nFacts } from './checks.ts';

/**
 * Gemma 3n (ImageAudioTextToText), as transformers.js's Gemma3nForConditionalGeneration loads it:
 * the Gemma sessions of shared/gemma.ts (embed_tokens with per-layer inputs, decoder_model_merged)
 * with `onnx/vision_encoder.onnx` (pixel_values -> image_features) and `onnx/audio_encoder.onnx`
 * (input_features [b, frames, mels] + input_features_mask -> audio_features [b, audio_seq_length,
 * hidden]). AltUp and LAuReL are internal to the real decoder and not modelled: the sessions' inputs
 * and outputs are what transformers.js feeds.
 */
export const GEMMA3N_MELS = 16;
/** Audio tokens per clip (processor audio_seq_length; the encoder pads or truncates to it). */
export const GEMMA3N_AUDIO_TOKENS = 16;
/** Encoder frames pooled into one audio feature. */
const AUDIO_POOL = 4;

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
  const tok = gemmaTokenizer();
  const d = lmDims(s, tok.vocabSize);
  const imageTokens = imageTokenCount(s);
  const onnx = (f: string) => join(dir, 'onnx', f);
  const files = [
    ...(await saveGraph(buildGemmaEmbeds(d, GEMMA_PER_LAYER, opts.seed), onnx('embed_tokens.onnx'))),
    ...(await saveGraph(
      buildVisionEncoder(s, d.hidden, { classToken: false }, opts.seed),
      onnx('vision_encoder.onnx'),
    )),
    ...(await saveGraph(
      buildGemma3nAudio(d.hidden, GEMMA3N_MELS, opts.graphAudioTokens ?? GEMMA3N_AUDIO_TOKENS, opts.seed),
      onnx('audio_encoder.onnx'),
    )),
    ...(await saveGraph(
      buildGemmaDecoder(d, opts.seed, { dropPast: opts.dropPast, ignorePerLayer: opts.ignorePerLayer }),
      onnx('decoder_model_merged.onnx'),
    )),
  ];
  const config = {
    model_type: modelType,
    architectures: ['Gemma3nForConditionalGeneration'],
    ...gemmaTokenIdKeys(tok),
    vision_soft_tokens_per_image: imageTokens,
    audio_soft_tokens_per_image: GEMMA3N_AUDIO_TOKENS,
    text_config: gemmaTextConfig('gemma3n_text', d, tok, {
      rope_local_base_freq: 10000,
      altup_num_inputs: 4,
      laurel_rank: 8,
      num_kv_shared_layers: 0,
    }),
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
  files.push(
    ...(await writeGemmaTextFiles(dir, tok, config, {
      image_token_id: sid(tok, 'image_token'),
      audio_token_id: sid(tok, 'audio_token'),
    })),
  );
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
  files.push(await writeGemmaChatTemplate(dir, modelType, opts.seed));
  const facts: Gemma3nFacts = {
    kind: 'gemma3n',
    ...gemmaFacts(d, tok, { imageSize: s.imageSize, mels: GEMMA3N_MELS }),
    imageTokens,
    audioTokens: GEMMA3N_AUDIO_TOKENS,
  };
  return { dir, files: files.map((f) => f.slice(dir.length + 1)), synthesized: true, facts };
}
