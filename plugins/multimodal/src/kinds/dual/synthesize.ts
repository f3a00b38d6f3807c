import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import {
  byteLevelBpeTokenizer,
  contrastiveOutputs,
  firstTokenPool,
  GraphBuilder,
  imageTower,
  lastRealTokenPool,
  linear,
  saveGraph,
  textTower,
  unigramTokenizer,
  wordPieceTokenizer,
  writeJson,
  type TokenizerFiles,
} from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import type { DualFacts } from './checks.ts';
import { clipImageProcessor, squareImageProcessor } from '../../shared/processors.ts';
import { SIZES, type Size } from '../../shared/sizes.ts';

/**
 * Dual encoders (CLIP-like): one `onnx/model.onnx` taking text and pixels, giving
 * logits_per_image / logits_per_text / text_embeds / image_embeds, as transformers.js's
 * zero-shot-image-classification pipeline runs it through AutoModel.
 */
export interface DualSpec {
  architecture: string;
  tokenizer: () => TokenizerFiles;
  /** Text inputs the exported graph declares (SigLIP's takes input_ids only). */
  textInputs: ('input_ids' | 'attention_mask' | 'token_type_ids')[];
  causalText: boolean;
  /** Which text position is pooled: the last real token (CLIP eos), the first (BERT CLS), the last position (SigLIP). */
  textPool: 'last-real' | 'first' | 'last';
  classToken: boolean;
  score: 'softmax' | 'sigmoid';
  logitScale: number;
  logitBias?: number;
  preprocessor: (imageSize: number) => Record<string, unknown>;
  config: (s: Size, vocab: number, tok: TokenizerFiles) => Record<string, unknown>;
}

export const clipTokenizer = () =>
  byteLevelBpeTokenizer({
    tokenizerClass: 'CLIPTokenizer',
    specials: ['<|startoftext|>', '<|endoftext|>'],
    roles: {
      bos_token: '<|startoftext|>',
      eos_token: '<|endoftext|>',
      pad_token: '<|endoftext|>',
      unk_token: '<|endoftext|>',
    },
    postProcessor: {
      single: ['<|startoftext|>', '$A', '<|endoftext|>'],
      pair: ['<|startoftext|>', '$A', '<|endoftext|>', '$B', '<|endoftext|>'],
    },
  });

const id = (tok: TokenizerFiles, role: string) => tok.special[role]?.id;

export function clipLike(prefix: string, s: Size, vocab: number, tok: TokenizerFiles, act = 'quick_gelu') {
  return {
    projection_dim: s.projection,
    logit_scale_init_value: 2.6592,
    text_config: {
      model_type: `${prefix}_text_model`,
      vocab_size: vocab,
      hidden_size: s.text.hidden,
      intermediate_size: s.text.inner,
      num_hidden_layers: s.text.layers,
      num_attention_heads: s.text.heads,
      max_position_embeddings: s.maxText,
      hidden_act: act,
      layer_norm_eps: 1e-5,
      projection_dim: s.projection,
      bos_token_id: id(tok, 'bos_token'),
      eos_token_id: id(tok, 'eos_token'),
      pad_token_id: id(tok, 'pad_token'),
    },
    vision_config: {
      model_type: `${prefix}_vision_model`,
      hidden_size: s.vision.hidden,
      intermediate_size: s.vision.inner,
      num_hidden_layers: s.vision.layers,
      num_attention_heads: s.vision.heads,
      num_channels: 3,
      image_size: s.imageSize,
      patch_size: s.patchSize,
      hidden_act: act,
      layer_norm_eps: 1e-5,
      projection_dim: s.projection,
    },
  };
}

export const DUAL_SPECS: Record<string, DualSpec> = {
  clip: {
    architecture: 'CLIPModel',
    tokenizer: clipTokenizer,
    textInputs: ['input_ids', 'attention_mask'],
    causalText: true,
    textPool: 'last-real',
    classToken: true,
    score: 'softmax',
    logitScale: 2.6592,
    preprocessor: (n) => clipImageProcessor('CLIPImageProcessor', n),
    config: (s, v, t) => clipLike('clip', s, v, t),
  },
  groupvit: {
    architecture: 'GroupViTModel',
    tokenizer: clipTokenizer,
    textInputs: ['input_ids', 'attention_mask'],
    causalText: true,
    textPool: 'last-real',
    classToken: false,
    score: 'softmax',
    logitScale: 2.6592,
    preprocessor: (n) => clipImageProcessor('CLIPImageProcessor', n),
    config: (s, v, t) => {
      const c = clipLike('groupvit', s, v, t, 'gelu');
      return {
        ...c,
        projection_intermediate_dim: s.projection * 2,
        vision_config: { ...c.vision_config, depths: [s.vision.layers], num_group_tokens: [0], num_output_groups: [1] },
      };
    },
  },
  chinese_clip: {
    architecture: 'ChineseCLIPModel',
    tokenizer: () => wordPieceTokenizer({ tokenizerClass: 'BertTokenizer' }),
    textInputs: ['input_ids', 'attention_mask', 'token_type_ids'],
    causalText: false,
    textPool: 'first',
    classToken: true,
    score: 'softmax',
    logitScale: 2.6592,
    preprocessor: (n) => clipImageProcessor('ChineseCLIPFeatureExtractor', n),
    config: (s, v, t) => ({
      projection_dim: s.projection,
      logit_scale_init_value: 2.6592,
      text_config: {
        model_type: 'chinese_clip_text_model',
        vocab_size: v,
        hidden_size: s.text.hidden,
        intermediate_size: s.text.inner,
        num_hidden_layers: s.text.layers,
        num_attention_heads: s.text.heads,
        max_position_embeddings: s.maxText,
        hidden_act: 'gelu',
        type_vocab_size: 2,
        layer_norm_eps: 1e-12,
        pad_token_id: id(t, 'pad_token'),
      },
      vision_config: { ...clipLike('clip', s, v, t).vision_config, model_type: 'chinese_clip_vision_model' },
    }),
  },
  siglip: {
    architecture: 'SiglipModel',
    textInputs: ['input_ids'],
    causalText: false,
    textPool: 'last',
    classToken: false,
    score: 'sigmoid',
    logitScale: Math.log(10),
    logitBias: -10,
    tokenizer: () =>
      unigramTokenizer({
        tokenizerClass: 'SiglipTokenizer',
        specials: ['<pad>', '</s>', '<unk>'],
        roles: { pad_token: '</s>', eos_token: '</s>', unk_token: '<unk>' },
        single: ['$A', '</s>'],
        pair: ['$A', '</s>', '$B', '</s>'],
        extraConfig: { model_max_length: 16, do_lower_case: true },
      }),
    preprocessor: (n) => squareImageProcessor('SiglipImageProcessor', n),
    config: (s, v, t) => ({
      text_config: {
        model_type: 'siglip_text_model',
        vocab_size: v,
        hidden_size: s.text.hidden,
        intermediate_size: s.text.inner,
        num_hidden_layers: s.text.layers,
        num_attention_heads: s.text.heads,
        max_position_embeddings: 16,
        hidden_act: 'gelu_pytorch_tanh',
        layer_norm_eps: 1e-6,
        pad_token_id: id(t, 'pad_token'),
        eos_token_id: id(t, 'eos_token'),
        projection_size: s.projection,
      },
      vision_config: {
        model_type: 'siglip_vision_model',
        hidden_size: s.vision.hidden,
        intermediate_size: s.vision.inner,
        num_hidden_layers: s.vision.layers,
        num_attention_heads: s.vision.heads,
        num_channels: 3,
        image_size: s.imageSize,
        patch_size: s.patchSize,
        hidden_act: 'gelu_pytorch_tanh',
        layer_norm_eps: 1e-6,
      },
    }),
  },
};

/** The dual-encoder graph: text tower + pooling + projection, image tower + pooling + projection, contrastive head. */
export function buildDualGraph(
  spec: DualSpec,
  s: Size,
  vocab: number,
  seed: number,
  opts: BrokenDual = {},
): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'tiny-dual-encoder' });
  const ids = g.input('input_ids', 'int64', ['text_batch_size', 'sequence_length']);
  const mask = spec.textInputs.includes('attention_mask')
    ? g.input('attention_mask', 'int64', ['text_batch_size', 'sequence_length'])
    : undefined;
  const tti = spec.textInputs.includes('token_type_ids')
    ? g.input('token_type_ids', 'int64', ['text_batch_size', 'sequence_length'])
    : undefined;
  const pixels = g.input('pixel_values', 'float32', ['image_batch_size', 3, s.imageSize, s.imageSize]);
  const maxPos = spec.textPool === 'last' ? 16 : s.maxText;
  // ignoreMask builds a deliberately broken model whose text ignores attention_mask (tests use it).
  let text = textTower(g, ids, opts.ignoreMask ? undefined : mask, { ...s.text, vocab, maxPos }, 'text', {
    causal: spec.causalText,
  });
  if (tti)
    text = g.op(
      'Add',
      [
        text,
        g.op(
          'Gather',
          [g.param('text.token_type', [2, s.text.hidden], { std: 0.1 }), tti],
          { axis: 0 },
          { name: 'text/token_type' },
        ),
      ],
      {},
      { name: 'text/with_tti' },
    );
  let textPooled: string;
  if (spec.textPool === 'last-real' && mask) textPooled = lastRealTokenPool(g, text, mask, 'text_pool');
  else if (spec.textPool === 'first') textPooled = firstTokenPool(g, text, 'text_pool');
  else
    textPooled = g.op(
      'Squeeze',
      [
        g.op(
          'Slice',
          [text, g.constInt64([-1], 'tp.s'), g.constInt64([2 ** 31], 'tp.e'), g.constInt64([1], 'tp.a')],
          {},
          { name: 'text_pool/last' },
        ),
        g.constInt64([1], 'tp.sq'),
      ],
      {},
      { name: 'text_pool' },
    );
  const image = imageTower(
    g,
    pixels,
    { ...s.vision, channels: 3, imageSize: s.imageSize, patchSize: s.patchSize },
    'vision',
    { classToken: spec.classToken },
  );
  const imagePooled = spec.classToken
    ? firstTokenPool(g, image, 'image_pool')
    : g.op('ReduceMean', [image], { axes: [1], keepdims: 0 }, { name: 'image_pool' });
  const textEmbeds = linear(g, textPooled, s.text.hidden, s.projection, 'text_projection', { bias: false });
  const imageEmbeds = linear(g, imagePooled, s.vision.hidden, s.projection, 'visual_projection', { bias: false });
  contrastiveOutputs(g, imageEmbeds, textEmbeds, s.projection, {
    logitScale: opts.logitScale ?? spec.logitScale,
    logitBias: spec.logitBias,
  });
  return g;
}

/** Deliberately broken variants, so tests can prove each check fails: text that ignores its mask, an overflowing logit scale. */
export interface BrokenDual {
  ignoreMask?: boolean;
  logitScale?: number;
}

export async function synthesizeDual(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions & BrokenDual,
): Promise<SynthesizedModel<DualFacts>> {
  const spec = DUAL_SPECS[modelType];
  if (!spec) throw new Error(`multimodal plugin: no dual-encoder spec for "${modelType}"`);
  const s = SIZES[opts.size];
  const tok = spec.tokenizer();
  const config = {
    model_type: modelType,
    architectures: [spec.architecture],
    ...spec.config(s, tok.vocabSize, tok),
    transformers_version: '4.57.0',
    hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
  };
  const files = await saveGraph(
    buildDualGraph(spec, s, tok.vocabSize, opts.seed, opts),
    join(dir, 'onnx', 'model.onnx'),
  );
  files.push(await writeJson(join(dir, 'config.json'), config));
  files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
  files.push(await writeJson(join(dir, 'tokenizer_config.json'), tok.tokenizerConfig));
  files.push(await writeJson(join(dir, 'preprocessor_config.json'), spec.preprocessor(s.imageSize)));
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random ${modelType} dual encoder synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  const facts: DualFacts = {
    kind: 'dual',
    imageSize: s.imageSize,
    channels: 3,
    projection: s.projection,
    vocabSize: tok.vocabSize,
    padId: id(tok, 'pad_token') ?? 0,
    textInputs: spec.textInputs,
    score: spec.score,
    maxText: spec.textPool === 'last' ? 16 : s.maxText,
    padsToMaxLength: spec.textPool === 'last',
  };
  return { dir, files: files.map((f) => f.slice(dir.length + 1)), synthesized: true, facts };
}
