import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import {
  byteLevelBpeTokenizer,
  contrastiveOutputs,
  firstTokenPool,
  GraphBuilder,
  linear,
  saveGraph,
  textTower,
  vitLayer,
  writeJson,
} from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import type { ClapFacts } from './checks.ts';
import { SIZES, type Size } from '../../shared/sizes.ts';

/**
 * CLAP: one `onnx/model.onnx` taking text (input_ids, attention_mask) and ClapFeatureExtractor
 * log-mel features [b, 1, frames, mels], giving logits_per_audio / logits_per_text /
 * text_embeds / audio_embeds, as the zero-shot-audio-classification pipeline runs it.
 */
export const CLAP_AUDIO = { sampleRate: 48000, seconds: 1, mels: 64, hop: 480, fft: 1024 };

export function buildClapGraph(s: Size, vocab: number, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'tiny-clap' });
  const ids = g.input('input_ids', 'int64', ['text_batch_size', 'sequence_length']);
  const mask = g.input('attention_mask', 'int64', ['text_batch_size', 'sequence_length']);
  const feats = g.input('input_features', 'float32', ['audio_batch_size', 1, 'num_frames', CLAP_AUDIO.mels]);
  const text = textTower(g, ids, mask, { ...s.text, vocab, maxPos: s.maxText }, 'text');
  const textEmbeds = linear(g, firstTokenPool(g, text, 'text_pool'), s.text.hidden, s.projection, 'text_projection');
  // Audio tower: per-frame mel projection (dB values scaled down), layers, mean over time.
  const frames = g.op('Squeeze', [feats, g.constInt64([1], 'audio.sq')], {}, { name: 'audio/frames' });
  const scaled = g.op('Mul', [frames, g.scalarFloat(0.01, 'audio.db_scale')], {}, { name: 'audio/scaled' });
  let x = linear(g, scaled, CLAP_AUDIO.mels, s.vision.hidden, 'audio.patch_embed');
  for (let l = 0; l < s.vision.layers; l++)
    x = vitLayer(g, x, s.vision.hidden, s.vision.heads, s.vision.inner, `audio.layers.${l}`, 1e-5);
  const pooled = g.op('ReduceMean', [x], { axes: [1], keepdims: 0 }, { name: 'audio_pool' });
  const audioEmbeds = linear(g, pooled, s.vision.hidden, s.projection, 'audio_projection');
  contrastiveOutputs(g, audioEmbeds, textEmbeds, s.projection, { logitScale: Math.log(10), modality: 'audio' });
  return g;
}

export async function synthesizeClap(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions,
): Promise<SynthesizedModel<ClapFacts>> {
  if (modelType !== 'clap') throw new Error(`multimodal plugin: no CLAP spec for "${modelType}"`);
  const s = SIZES[opts.size];
  const tok = byteLevelBpeTokenizer({
    tokenizerClass: 'RobertaTokenizer',
    specials: ['<s>', '<pad>', '</s>', '<unk>', '<mask>'],
    roles: {
      bos_token: '<s>',
      pad_token: '<pad>',
      eos_token: '</s>',
      unk_token: '<unk>',
      mask_token: '<mask>',
      cls_token: '<s>',
      sep_token: '</s>',
    },
    postProcessor: 'roberta',
    addPrefixSpace: false,
  });
  const g = buildClapGraph(s, tok.vocabSize, opts.seed);
  const files = await saveGraph(g, join(dir, 'onnx', 'model.onnx'));
  const config = {
    model_type: modelType,
    architectures: ['ClapModel'],
    projection_dim: s.projection,
    logit_scale_init_value: Math.log(10),
    text_config: {
      model_type: 'clap_text_model',
      vocab_size: tok.vocabSize,
      hidden_size: s.text.hidden,
      num_hidden_layers: s.text.layers,
      num_attention_heads: s.text.heads,
      intermediate_size: s.text.inner,
      max_position_embeddings: s.maxText,
      pad_token_id: tok.special.pad_token!.id,
      projection_dim: s.projection,
    },
    audio_config: {
      model_type: 'clap_audio_model',
      num_mel_bins: CLAP_AUDIO.mels,
      hidden_size: s.vision.hidden,
      depths: [s.vision.layers],
      num_attention_heads: [s.vision.heads],
      spec_size: 64,
      enable_fusion: false,
      projection_dim: s.projection,
    },
    transformers_version: '4.57.0',
    hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
  };
  files.push(await writeJson(join(dir, 'config.json'), config));
  files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
  files.push(await writeJson(join(dir, 'tokenizer_config.json'), tok.tokenizerConfig));
  const samples = CLAP_AUDIO.sampleRate * CLAP_AUDIO.seconds;
  files.push(
    await writeJson(join(dir, 'preprocessor_config.json'), {
      feature_extractor_type: 'ClapFeatureExtractor',
      processor_class: 'ClapProcessor',
      feature_size: CLAP_AUDIO.mels,
      sampling_rate: CLAP_AUDIO.sampleRate,
      hop_length: CLAP_AUDIO.hop,
      fft_window_size: CLAP_AUDIO.fft,
      nb_frequency_bins: CLAP_AUDIO.fft / 2 + 1,
      frequency_min: 50,
      frequency_max: 14000,
      max_length_s: CLAP_AUDIO.seconds,
      nb_max_samples: samples,
      truncation: 'rand_trunc',
      padding: 'repeatpad',
      padding_value: 0.0,
      return_attention_mask: false,
    }),
  );
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random CLAP synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  const facts: ClapFacts = {
    kind: 'clap',
    imageSize: 0,
    channels: 0,
    projection: s.projection,
    vocabSize: tok.vocabSize,
    padId: tok.special.pad_token!.id,
    mels: CLAP_AUDIO.mels,
    sampleRate: CLAP_AUDIO.sampleRate,
    samples,
  };
  return { dir, files: files.map((f) => f.slice(dir.length + 1)), synthesized: true, facts };
}
