import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import {
  byteLevelBpeTokenizer,
  crossAttnCachedDecoder,
  GraphBuilder,
  imageTower,
  patchCount,
  saveGraph,
  writeJson,
} from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import type { V2sFacts } from './checks.ts';
import { squareImageProcessor } from '../../shared/processors.ts';
import { SIZES } from '../../shared/sizes.ts';

/**
 * vision-encoder-decoder (ViT encoder + GPT-2 decoder with cross-attention, as in
 * vit-gpt2-image-captioning): `onnx/encoder_model.onnx` (pixel_values -> last_hidden_state) and
 * `onnx/decoder_model_merged.onnx`, loaded by transformers.js's Vision2Seq path and its
 * image-to-text pipeline.
 */
export async function synthesizeV2s(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions & { dropPast?: boolean },
): Promise<SynthesizedModel<V2sFacts>> {
  if (modelType !== 'vision-encoder-decoder')
    throw new Error(`multimodal plugin: no image-to-text spec for "${modelType}"`);
  const s = SIZES[opts.size];
  const tok = byteLevelBpeTokenizer({
    tokenizerClass: 'GPT2Tokenizer',
    specials: ['<|endoftext|>'],
    postProcessor: 'none',
  });
  const eos = tok.special.eos_token!.id;
  const dec = s.decoder;
  const d = {
    vocab: tok.vocabSize,
    hidden: dec.hidden,
    layers: dec.layers,
    heads: dec.heads,
    kvHeads: dec.heads,
    headDim: dec.hidden / dec.heads,
    inner: dec.inner,
    maxPos: dec.maxPos,
    memDim: s.vision.hidden,
  };
  const vision = { ...s.vision, channels: 3, imageSize: s.imageSize, patchSize: s.patchSize };
  const enc = new GraphBuilder({ seed: opts.seed, name: 'encoder_model' });
  const pixels = enc.input('pixel_values', 'float32', ['batch_size', 3, s.imageSize, s.imageSize]);
  enc.output(imageTower(enc, pixels, vision, 'encoder', { classToken: true }), 'last_hidden_state', 'float32', [
    'batch_size',
    patchCount(vision) + 1,
    s.vision.hidden,
  ]);
  const decoder = new GraphBuilder({ seed: opts.seed, name: 'decoder_model_merged' });
  crossAttnCachedDecoder(decoder, d, { dropPast: opts.dropPast });
  const files = [
    ...(await saveGraph(enc, join(dir, 'onnx', 'encoder_model.onnx'))),
    ...(await saveGraph(decoder, join(dir, 'onnx', 'decoder_model_merged.onnx'))),
  ];
  const config = {
    model_type: modelType,
    architectures: ['VisionEncoderDecoderModel'],
    is_encoder_decoder: true,
    decoder_start_token_id: eos,
    pad_token_id: eos,
    eos_token_id: eos,
    tie_word_embeddings: false,
    encoder: {
      model_type: 'vit',
      hidden_size: s.vision.hidden,
      num_hidden_layers: s.vision.layers,
      num_attention_heads: s.vision.heads,
      intermediate_size: s.vision.inner,
      image_size: s.imageSize,
      patch_size: s.patchSize,
      num_channels: 3,
      hidden_act: 'gelu',
      layer_norm_eps: 1e-5,
      qkv_bias: true,
    },
    decoder: {
      model_type: 'gpt2',
      vocab_size: d.vocab,
      n_embd: d.hidden,
      n_layer: d.layers,
      n_head: d.heads,
      n_inner: d.inner,
      n_positions: d.maxPos,
      activation_function: 'gelu_new',
      add_cross_attention: true,
      is_decoder: true,
      bos_token_id: eos,
      eos_token_id: eos,
      decoder_start_token_id: eos,
    },
    transformers_version: '4.57.0',
    hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
  };
  files.push(await writeJson(join(dir, 'config.json'), config));
  files.push(
    await writeJson(join(dir, 'generation_config.json'), {
      decoder_start_token_id: eos,
      bos_token_id: eos,
      eos_token_id: eos,
      pad_token_id: eos,
      transformers_version: '4.57.0',
    }),
  );
  files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
  files.push(await writeJson(join(dir, 'tokenizer_config.json'), tok.tokenizerConfig));
  files.push(
    await writeJson(join(dir, 'preprocessor_config.json'), squareImageProcessor('ViTImageProcessor', s.imageSize)),
  );
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random vision-encoder-decoder (ViT + GPT-2) synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  const facts: V2sFacts = {
    kind: 'v2s',
    imageSize: s.imageSize,
    channels: 3,
    visionConfigPath: ['encoder'],
    vocabSize: d.vocab,
    encoderTokens: patchCount(vision) + 1,
    encoderHidden: s.vision.hidden,
    layers: d.layers,
    heads: d.heads,
    headDim: d.headDim,
    startId: eos,
  };
  return { dir, files: files.map((f) => f.slice(dir.length + 1)), synthesized: true, facts };
}
