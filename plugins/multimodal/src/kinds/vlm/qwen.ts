import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import {
  byteLevelBpeTokenizer,
  cachedDecoder,
  gelu,
  GraphBuilder,
  layerNorm,
  linear,
  saveGraph,
  vitLayer,
  writeJson,
  type TokenizerFiles,
  llamaTextKeys,
} from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import type { VlmFacts } from './checks.ts';
import { OPENAI_CLIP_MEAN, OPENAI_CLIP_STD } from '../../shared/processors.ts';
import { SIZES, type Size } from '../../shared/sizes.ts';
import { buildEmbedTokens, lmDims } from '../../shared/towers.ts';
import { sid, type LmDims } from '../../shared/towers.ts';

/**
 * Qwen2-VL-style image-text-to-text: the image processor cuts the image into patches of
 * temporal_patch_size x patch_size^2 (pixel_values [patches, 3*T*p*p] + image_grid_thw), the
 * vision encoder merges 2x2 patches into one feature, and the decoder takes M-RoPE position_ids
 * [3, b, s] that transformers.js computes from the grid (get_rope_index).
 */
const T = 2;
const MERGE = 2;

interface QwenSpec {
  architecture: string;
  processorClass: string;
  /** Name of the grid input of the vision encoder. */
  gridName: 'grid_thw' | 'image_grid_thw';
  /** Hybrid text model: alternating linear-attention and full-attention layers. */
  hybrid?: boolean;
  /** GLM-OCR spells its image tokens <|begin_of_image|><|image|><|end_of_image|> and uses the GLM-4.6V image processor. */
  glm?: boolean;
  config: (
    s: Size,
    d: LmDims,
    tok: TokenizerFiles,
    text: Record<string, unknown>,
    vision: Record<string, unknown>,
  ) => Record<string, unknown>;
}

const textKeys = (d: LmDims, tok: TokenizerFiles, sections: number[]) => ({
  ...llamaTextKeys(d),
  rope_scaling: { type: 'mrope', mrope_section: sections },
  bos_token_id: sid(tok, 'bos_token'),
  eos_token_id: sid(tok, 'eos_token'),
});

const tokenIds = (tok: TokenizerFiles) => ({
  image_token_id: sid(tok, 'image_token'),
  video_token_id: sid(tok, 'video_token'),
  vision_start_token_id: sid(tok, 'vision_start_token'),
  vision_end_token_id: sid(tok, 'vision_end_token'),
});

const LINEAR = { stateDim: 8, kernel: 4 };
const layerKinds = (n: number) =>
  Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 'linear' : 'attention') as 'linear' | 'attention');
const linearKeys = (d: LmDims) => ({
  layer_types: layerKinds(d.layers).map((k) => (k === 'linear' ? 'linear_attention' : 'full_attention')),
  full_attention_interval: 2,
  linear_conv_kernel_dim: LINEAR.kernel,
  linear_key_head_dim: LINEAR.stateDim,
  linear_value_head_dim: d.headDim,
  linear_num_key_heads: d.heads,
  linear_num_value_heads: d.heads,
});

export const QWEN_SPECS: Record<string, QwenSpec> = {
  qwen2_vl: {
    architecture: 'Qwen2VLForConditionalGeneration',
    processorClass: 'Qwen2VLProcessor',
    gridName: 'grid_thw',
    config: (_s, _d, tok, text, vision) => ({
      ...text,
      ...tokenIds(tok),
      vision_config: { ...vision, model_type: 'qwen2_vl', embed_dim: vision.hidden_size, mlp_ratio: 2 },
    }),
  },
  qwen2_5_vl: {
    architecture: 'Qwen2_5_VLForConditionalGeneration',
    processorClass: 'Qwen2_5_VLProcessor',
    gridName: 'image_grid_thw',
    config: (_s, _d, tok, text, vision) => ({
      ...tokenIds(tok),
      text_config: { ...text, model_type: 'qwen2_5_vl_text' },
      vision_config: { ...vision, model_type: 'qwen2_5_vl', window_size: 32, fullatt_block_indexes: [0] },
    }),
  },
  qwen3_vl: {
    architecture: 'Qwen3VLForConditionalGeneration',
    processorClass: 'Qwen3VLProcessor',
    gridName: 'image_grid_thw',
    config: (_s, _d, tok, text, vision) => ({
      ...tokenIds(tok),
      text_config: { ...text, model_type: 'qwen3_vl_text' },
      vision_config: { ...vision, model_type: 'qwen3_vl', deepstack_visual_indexes: [] },
    }),
  },
  // Qwen3.5: hybrid decoder, linear-attention layers (past_conv / past_recurrent caches) between full-attention ones.
  qwen3_5: {
    architecture: 'Qwen3_5ForConditionalGeneration',
    processorClass: 'Qwen3VLProcessor',
    gridName: 'image_grid_thw',
    hybrid: true,
    config: (_s, d, tok, text, vision) => ({
      ...tokenIds(tok),
      text_config: { ...text, ...linearKeys(d), model_type: 'qwen3_5_text' },
      vision_config: { ...vision, model_type: 'qwen3_5', deepstack_visual_indexes: [] },
    }),
  },
  qwen3_5_moe: {
    architecture: 'Qwen3_5MoeForConditionalGeneration',
    processorClass: 'Qwen3VLProcessor',
    gridName: 'image_grid_thw',
    hybrid: true,
    config: (_s, d, tok, text, vision) => ({
      ...tokenIds(tok),
      text_config: {
        ...text,
        ...linearKeys(d),
        model_type: 'qwen3_5_moe_text',
        num_experts: 1,
        num_experts_per_tok: 1,
        moe_intermediate_size: d.inner,
        shared_expert_intermediate_size: d.inner,
      },
      vision_config: { ...vision, model_type: 'qwen3_5_moe', deepstack_visual_indexes: [] },
    }),
  },
  glm_ocr: {
    architecture: 'GlmOcrForConditionalGeneration',
    processorClass: 'Glm46VProcessor',
    gridName: 'image_grid_thw',
    glm: true,
    config: (_s, _d, tok, text, vision) => ({
      image_token_id: sid(tok, 'image_token'),
      video_token_id: sid(tok, 'video_token'),
      image_start_token_id: sid(tok, 'vision_start_token'),
      image_end_token_id: sid(tok, 'vision_end_token'),
      text_config: { ...text, model_type: 'glm_ocr_text', partial_rotary_factor: 1.0 },
      vision_config: { ...vision, model_type: 'glm_ocr_vision' },
    }),
  },
  // The tiny decoder's MLP is dense: transformers.js only sees the ONNX inputs and outputs, which a MoE export shares.
  qwen3_vl_moe: {
    architecture: 'Qwen3VLMoeForConditionalGeneration',
    processorClass: 'Qwen3VLProcessor',
    gridName: 'image_grid_thw',
    config: (_s, d, tok, text, vision) => ({
      ...tokenIds(tok),
      text_config: {
        ...text,
        model_type: 'qwen3_vl_moe_text',
        num_experts: 1,
        num_experts_per_tok: 1,
        moe_intermediate_size: d.inner,
        decoder_sparse_step: 1,
      },
      vision_config: { ...vision, model_type: 'qwen3_vl_moe', deepstack_visual_indexes: [] },
    }),
  },
};

const glmTokenizer = () =>
  byteLevelBpeTokenizer({
    tokenizerClass: 'PreTrainedTokenizerFast',
    specials: [
      '<|endoftext|>',
      '[gMASK]',
      '<sop>',
      '<|user|>',
      '<|assistant|>',
      '<|begin_of_image|>',
      '<|end_of_image|>',
      '<|image|>',
      '<|video|>',
    ],
    roles: {
      eos_token: '<|endoftext|>',
      pad_token: '<|endoftext|>',
      unk_token: '<|endoftext|>',
      bos_token: '[gMASK]',
      image_token: '<|image|>',
      video_token: '<|video|>',
      vision_start_token: '<|begin_of_image|>',
      vision_end_token: '<|end_of_image|>',
    },
    postProcessor: { single: ['$A'], pair: ['$A', '$B'] },
  });

export const qwenTokenizer = () =>
  byteLevelBpeTokenizer({
    tokenizerClass: 'Qwen2Tokenizer',
    specials: [
      '<|endoftext|>',
      '<|im_start|>',
      '<|im_end|>',
      '<|vision_start|>',
      '<|vision_end|>',
      '<|image_pad|>',
      '<|video_pad|>',
    ],
    roles: {
      eos_token: '<|im_end|>',
      pad_token: '<|endoftext|>',
      unk_token: '<|endoftext|>',
      bos_token: '<|endoftext|>',
      image_token: '<|image_pad|>',
      video_token: '<|video_pad|>',
      vision_start_token: '<|vision_start|>',
      vision_end_token: '<|vision_end|>',
    },
    postProcessor: { single: ['$A'], pair: ['$A', '$B'] },
  });

/** pixel_values [patches, 3*T*p*p] + grid -> image_features [patches / 4, text hidden]. */
export function buildQwenVision(s: Size, textHidden: number, gridName: string, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'vision_encoder' });
  const patchDim = 3 * T * s.patchSize * s.patchSize;
  const pixels = g.input('pixel_values', 'float32', ['num_patches', patchDim]);
  g.input(gridName, 'int64', ['num_images', 3]);
  const d = s.vision.hidden;
  let x = g.op(
    'Unsqueeze',
    [linear(g, pixels, patchDim, d, 'patch_embed.proj', { bias: false }), g.constInt64([0], 'patch_embed.ax')],
    {},
    { name: 'patch_embed' },
  );
  for (let l = 0; l < s.vision.layers; l++) x = vitLayer(g, x, d, s.vision.heads, s.vision.inner, `blocks.${l}`, 1e-6);
  // The processor orders patches so that each run of MERGE^2 rows is one merge block.
  const blocks = g.op(
    'Reshape',
    [layerNorm(g, x, d, 'merger.ln_q', 1e-6), g.constInt64([-1, MERGE * MERGE * d], 'merger.shape')],
    {},
    { name: 'merger/blocks' },
  );
  const h = gelu(g, linear(g, blocks, MERGE * MERGE * d, MERGE * MERGE * d, 'merger.mlp.0'), 'merger.act');
  g.output(linear(g, h, MERGE * MERGE * d, textHidden, 'merger.mlp.2', { std: 0.5 }), 'image_features', 'float32', [
    'num_image_tokens',
    textHidden,
  ]);
  return g;
}

export async function synthesizeQwen(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions,
): Promise<SynthesizedModel<VlmFacts>> {
  const spec = QWEN_SPECS[modelType];
  if (!spec) throw new Error(`multimodal plugin: no Qwen-VL spec for "${modelType}"`);
  const s = SIZES[opts.size];
  const tok = spec.glm ? glmTokenizer() : qwenTokenizer();
  const d = lmDims(s, tok.vocabSize);
  const sections = [
    d.headDim / 2 - 2 * Math.floor(d.headDim / 8),
    Math.floor(d.headDim / 8),
    Math.floor(d.headDim / 8),
  ];
  const vision = {
    depth: s.vision.layers,
    hidden_size: d.hidden,
    out_hidden_size: d.hidden,
    intermediate_size: s.vision.inner,
    num_heads: s.vision.heads,
    in_chans: 3,
    in_channels: 3,
    patch_size: s.patchSize,
    spatial_merge_size: MERGE,
    temporal_patch_size: T,
  };
  const config = {
    model_type: modelType,
    architectures: [spec.architecture],
    ...spec.config(s, d, tok, textKeys(d, tok, sections), vision),
    transformers_version: '4.57.0',
    hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
  };
  const onnx = (f: string) => join(dir, 'onnx', f);
  const dec = new GraphBuilder({ seed: opts.seed, name: 'decoder_model_merged' });
  cachedDecoder(dec, d, {
    input: 'inputs_embeds',
    mropeSections: sections,
    hybrid: spec.hybrid ? { layerKinds: layerKinds(d.layers), ...LINEAR } : undefined,
  });
  const files = [
    ...(await saveGraph(buildEmbedTokens(d, opts.seed), onnx('embed_tokens.onnx'))),
    ...(await saveGraph(buildQwenVision(s, d.hidden, spec.gridName, opts.seed), onnx('vision_encoder.onnx'))),
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
  const factor = s.patchSize * MERGE;
  // GLM-4.6V's smart_resize counts temporal_patch_size frames against min/max pixels.
  const pixelScale = spec.glm ? T : 1;
  files.push(
    await writeJson(join(dir, 'preprocessor_config.json'), {
      image_processor_type: spec.glm ? 'Glm46VImageProcessor' : 'Qwen2VLImageProcessor',
      processor_class: spec.processorClass,
      do_resize: true,
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      do_convert_rgb: true,
      image_mean: OPENAI_CLIP_MEAN,
      image_std: OPENAI_CLIP_STD,
      min_pixels: (2 * factor) ** 2 * pixelScale,
      max_pixels: (4 * factor) ** 2 * pixelScale,
      patch_size: s.patchSize,
      temporal_patch_size: T,
      merge_size: MERGE,
    }),
  );
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random ${modelType} image-text-to-text model synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  // The 64x48 test image resizes to 64x48 (multiples of patch*merge within [min_pixels, max_pixels]).
  const grid: [number, number, number] = [1, 48 / s.patchSize, 64 / s.patchSize];
  const facts: VlmFacts = {
    kind: 'vlm',
    imageSize: 0,
    channels: 3,
    vocabSize: d.vocab,
    hidden: d.hidden,
    layers: d.layers,
    kvHeads: d.kvHeads,
    headDim: d.headDim,
    imageTokens: (grid[1] * grid[2]) / MERGE ** 2,
    imageTokenId: sid(tok, 'image_token')!,
    positionStart: 0,
    textFirst: true,
    prompt: spec.glm
      ? '[gMASK]<sop><|user|>\n<|begin_of_image|><|image|><|end_of_image|>what is this?<|assistant|>\n'
      : '<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>what is this?<|im_end|>\n<|im_start|>assistant\n',
    ...(spec.hybrid
      ? {
          hybrid: {
            linear: layerKinds(d.layers).flatMap((k, i) => (k === 'linear' ? [i] : [])),
            convDim: d.heads * (2 * LINEAR.stateDim + d.headDim),
            heads: d.heads,
            ...LINEAR,
          },
        }
      : {}),
    patchInput: {
      dim: 3 * T * s.patchSize ** 2,
      grid,
      gridName: spec.gridName,
      merge: MERGE,
      visionStartId: sid(tok, 'vision_start_token')!,
    },
  };
  return { dir, files: files.map((f) => f.slice(dir.length + 1)), synthesized: true, facts };
}
