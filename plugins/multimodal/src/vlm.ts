import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { byteLevelBpeTokenizer, cachedDecoder, embedding, gelu, GraphBuilder, imageTower, linear, patchCount, saveGraph, sliceTokens, writeJson, type TokenizerFiles } from '@hf-core/onnx-builder';
import type { PreparedModel, SynthesizeOptions } from '@hf-core/core';
import type { VlmFacts } from './checks-vlm.ts';
import { clipImageProcessor, squareImageProcessor } from './processors.ts';
import { SIZES, type Size } from './sizes.ts';

/**
 * LLaVA-style image-text-to-text: `onnx/embed_tokens.onnx` (input_ids -> inputs_embeds),
 * `onnx/vision_encoder.onnx` (pixel_values -> image_features, projected to the text width) and
 * `onnx/decoder_model_merged.onnx` (inputs_embeds + KV cache -> logits), the three sessions
 * transformers.js's ImageTextToText models load; image tokens in the prompt are replaced by
 * the image features.
 */
export interface VlmSpec {
  architecture: string;
  /** Which processor expands the image token: LlavaProcessor or PaliGemmaProcessor. */
  processor: 'llava' | 'paligemma';
  classToken: boolean;
  tokenizer: () => TokenizerFiles;
  /** config.json beyond model_type/architectures, in the type's own keys. */
  config: (s: Size, d: LmDims, tok: TokenizerFiles) => Record<string, unknown>;
  prompt: string;
  /** Position ids start at 1 (PaliGemma, Gemma 3) instead of 0. */
  positionStart?: number;
}

export interface LmDims {
  vocab: number;
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  inner: number;
  maxPos: number;
}

const sid = (tok: TokenizerFiles, role: string) => tok.special[role]?.id;

function llamaTokenizer(extra: string[] = []): TokenizerFiles {
  const specials = ['<unk>', '<s>', '</s>', '<image>', '<pad>', ...extra];
  return byteLevelBpeTokenizer({
    tokenizerClass: 'LlamaTokenizer',
    specials,
    roles: { unk_token: '<unk>', bos_token: '<s>', eos_token: '</s>', pad_token: '<pad>', image_token: '<image>' },
    postProcessor: { single: ['<s>', '$A'], pair: ['<s>', '$A', '<s>', '$B'] },
  });
}

const llamaText = (d: LmDims, tok: TokenizerFiles, modelType = 'llama') => ({
  model_type: modelType,
  vocab_size: d.vocab,
  hidden_size: d.hidden,
  intermediate_size: d.inner,
  num_hidden_layers: d.layers,
  num_attention_heads: d.heads,
  num_key_value_heads: d.kvHeads,
  head_dim: d.headDim,
  max_position_embeddings: d.maxPos,
  hidden_act: 'silu',
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  tie_word_embeddings: false,
  bos_token_id: sid(tok, 'bos_token'),
  eos_token_id: sid(tok, 'eos_token'),
  pad_token_id: sid(tok, 'pad_token'),
});

const visionKeys = (s: Size, modelType: string) => ({
  model_type: modelType,
  hidden_size: s.vision.hidden,
  intermediate_size: s.vision.inner,
  num_hidden_layers: s.vision.layers,
  num_attention_heads: s.vision.heads,
  num_channels: 3,
  image_size: s.imageSize,
  patch_size: s.patchSize,
  hidden_act: 'gelu',
  layer_norm_eps: 1e-5,
});

const llavaKeys = (s: Size, d: LmDims, tok: TokenizerFiles, textType = 'llama', visionType = 'clip_vision_model') => ({
  image_token_index: sid(tok, 'image_token'),
  projector_hidden_act: 'gelu',
  vision_feature_layer: -1,
  vision_feature_select_strategy: 'default',
  text_config: llamaText(d, tok, textType),
  vision_config: visionKeys(s, visionType),
});

export const VLM_SPECS: Record<string, VlmSpec> = {
  llava: { architecture: 'LlavaForConditionalGeneration', processor: 'llava', classToken: true, tokenizer: () => llamaTokenizer(), config: (s, d, t) => llavaKeys(s, d, t), prompt: 'USER: <image>\nwhat is this? ASSISTANT:' },
  paligemma: {
    architecture: 'PaliGemmaForConditionalGeneration', processor: 'paligemma', classToken: false, positionStart: 1, prompt: '<image>caption en',
    tokenizer: () =>
      byteLevelBpeTokenizer({
        tokenizerClass: 'GemmaTokenizer', specials: ['<pad>', '<eos>', '<bos>', '<unk>', '<image>'],
        roles: { pad_token: '<pad>', eos_token: '<eos>', bos_token: '<bos>', unk_token: '<unk>', image_token: '<image>' }, postProcessor: { single: ['$A'], pair: ['$A', '$B'] },
      }),
    config: (s, d, t) => ({
      image_token_index: sid(t, 'image_token'),
      hidden_size: d.hidden,
      projection_dim: d.hidden,
      text_config: { ...llamaText(d, t, 'gemma'), hidden_activation: 'gelu_pytorch_tanh', num_image_tokens: patchCount({ ...s.vision, channels: 3, imageSize: s.imageSize, patchSize: s.patchSize }) },
      vision_config: { ...visionKeys(s, 'siglip_vision_model'), projection_dim: d.hidden },
    }),
  },
};

export function lmDims(s: Size, vocab: number): LmDims {
  const dec = s.decoder;
  return { vocab, hidden: dec.hidden, layers: dec.layers, heads: dec.heads, kvHeads: dec.kvHeads, headDim: dec.hidden / dec.heads, inner: dec.inner, maxPos: dec.maxPos };
}

/** input_ids -> inputs_embeds. */
export function buildEmbedTokens(d: LmDims, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'embed_tokens' });
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  g.output(embedding(g, ids, d.vocab, d.hidden, 'embed_tokens'), 'inputs_embeds', 'float32', ['batch_size', 'sequence_length', d.hidden]);
  return g;
}

/** pixel_values -> image_features [b, patches, text hidden]: ViT tower (class token dropped) + 2-layer GELU projector. */
export function buildVisionEncoder(s: Size, textHidden: number, classToken: boolean, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'vision_encoder' });
  const pixels = g.input('pixel_values', 'float32', ['batch_size', 3, s.imageSize, s.imageSize]);
  const dims = { ...s.vision, channels: 3, imageSize: s.imageSize, patchSize: s.patchSize };
  const n = patchCount(dims);
  let x = imageTower(g, pixels, dims, 'vision_tower', { classToken });
  if (classToken) x = sliceTokens(g, x, 1, n + 1, 'vision_tower/drop_cls');
  const h = gelu(g, linear(g, x, s.vision.hidden, textHidden, 'projector.linear_1'), 'projector.act');
  g.output(linear(g, h, textHidden, textHidden, 'projector.linear_2', { std: 0.5 }), 'image_features', 'float32', ['batch_size', n, textHidden]);
  return g;
}

export async function synthesizeVlm(modelType: string, dir: string, opts: SynthesizeOptions & { dropPast?: boolean }): Promise<PreparedModel> {
  const spec = VLM_SPECS[modelType];
  if (!spec) throw new Error(`multimodal plugin: no image-text-to-text spec for "${modelType}"`);
  const s = SIZES[opts.size];
  const tok = spec.tokenizer();
  const d = lmDims(s, tok.vocabSize);
  const n = patchCount({ ...s.vision, channels: 3, imageSize: s.imageSize, patchSize: s.patchSize });
  const config = { model_type: modelType, architectures: [spec.architecture], ...spec.config(s, d, tok), transformers_version: '4.57.0', hf_core: { synthesized: true, seed: opts.seed, size: opts.size } };
  const onnx = (f: string) => join(dir, 'onnx', f);
  const files = [...(await saveGraph(buildEmbedTokens(d, opts.seed), onnx('embed_tokens.onnx'))), ...(await saveGraph(buildVisionEncoder(s, d.hidden, spec.classToken, opts.seed), onnx('vision_encoder.onnx')))];
  const dec = new GraphBuilder({ seed: opts.seed, name: 'decoder_model_merged' });
  cachedDecoder(dec, d, { input: 'inputs_embeds', dropPast: opts.dropPast });
  files.push(...(await saveGraph(dec, onnx('decoder_model_merged.onnx'))));
  const eos = sid(tok, 'eos_token');
  files.push(await writeJson(join(dir, 'config.json'), config));
  files.push(await writeJson(join(dir, 'generation_config.json'), { bos_token_id: sid(tok, 'bos_token'), eos_token_id: eos, pad_token_id: sid(tok, 'pad_token'), transformers_version: '4.57.0' }));
  files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
  files.push(await writeJson(join(dir, 'tokenizer_config.json'), { ...tok.tokenizerConfig, padding_side: 'left' }));
  if (spec.processor === 'llava') {
    files.push(await writeJson(join(dir, 'preprocessor_config.json'), clipImageProcessor('CLIPImageProcessor', s.imageSize, { processor_class: 'LlavaProcessor' })));
    files.push(await writeJson(join(dir, 'processor_config.json'), { processor_class: 'LlavaProcessor', image_token: '<image>', patch_size: s.patchSize, num_additional_image_tokens: 0, vision_feature_select_strategy: 'default' }));
  } else {
    files.push(await writeJson(join(dir, 'preprocessor_config.json'), squareImageProcessor('SiglipImageProcessor', s.imageSize, { processor_class: 'PaliGemmaProcessor', image_seq_length: n })));
  }
  await writeFile(join(dir, 'README.md'), `Tiny random ${modelType} image-text-to-text model synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`);
  const facts: VlmFacts = {
    kind: 'vlm',
    imageSize: s.imageSize,
    channels: 3,
    vocabSize: d.vocab,
    hidden: d.hidden,
    layers: d.layers,
    kvHeads: d.kvHeads,
    headDim: d.headDim,
    imageTokens: n,
    imageTokenId: sid(tok, 'image_token')!,
    prompt: spec.prompt,
    positionStart: spec.positionStart ?? 0,
  };
  return { dir, files: files.map((f) => f.slice(dir.length + 1)), synthesized: true, facts: { ...facts } };
}
