import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import {
  byteLevelBpeTokenizer,
  cachedAttention,
  decoderCausalBias,
  decoderMlp,
  gelu,
  GraphBuilder,
  layerNorm,
  linear,
  mergeHeads,
  newTokenMask,
  rmsNorm,
  rotaryTables,
  saveGraph,
  scaledDotProduct,
  shortConvBlock,
  splitHeads,
  writeJson,
  type TokenizerFiles,
} from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import type { LfmFacts } from './checks.ts';
import { OPENAI_CLIP_MEAN, OPENAI_CLIP_STD } from '../../shared/processors.ts';
import { buildQwenVision } from '../vlm/qwen.ts';
import { SIZES, type Size } from '../../shared/sizes.ts';
import { buildEmbedTokens, lmDims } from '../../shared/towers.ts';
import { sid, type LmDims } from '../../shared/towers.ts';

/**
 * LFM2-VL / LFM3-VL (transformers.js: LlavaForConditionalGeneration subclasses):
 * `embed_tokens` + `vision_encoder` + `decoder_model_merged`, where the decoder is the LFM2
 * hybrid (gated short-conv layers with a `past_conv.i` state [b, hidden, L_cache - 1] between
 * full-attention layers with keys/values) fed inputs_embeds.
 *
 * LFM2-VL's Lfm2VlImageProcessor gives NaFlex-style patches: pixel_values [tiles, max_patches,
 * p*p*3] (padded), pixel_attention_mask [tiles, max_patches] and spatial_shapes [tiles, 2]; the
 * encoder attends only to each tile's valid patches, pixel-unshuffles 2x2 patches per tile with
 * that tile's own (h, w) and returns only the valid features, concatenated: [tokens, hidden].
 * LFM3-VL's image processor is Qwen2-VL's (pixel_values [patches, 3*T*p*p] + image_grid_thw) with
 * plain 1-D positions.
 */
const KERNEL = 3;
const DOWNSAMPLE = 2;
const T = 2;
const MERGE = 2;
export const LFM_TYPES = ['lfm2_vl', 'lfm3_vl'] as const;

const layerKinds = (n: number) =>
  Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 'conv' : 'full_attention') as 'conv' | 'full_attention');

/** The LFM2 hybrid decoder over inputs_embeds, with position_ids (transformers.js makes them from the mask). */
export function buildLfmDecoder(
  d: LmDims,
  kinds: ('conv' | 'full_attention')[],
  seed: number,
  opts: { dropPast?: boolean; staleConv?: boolean } = {},
): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'decoder_model_merged' });
  let x = g.input('inputs_embeds', 'float32', ['batch_size', 'sequence_length', d.hidden]);
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'total_sequence_length']);
  const pos = g.input('position_ids', 'int64', ['batch_size', 'sequence_length']);
  const ctx = decoderCausalBias(g, x, mask, 'causal');
  const rope = rotaryTables(g, pos, d.headDim, 1000000, 'rope');
  const mask3 = newTokenMask(g, ctx, 'new_mask');
  kinds.forEach((kind, l) => {
    const p = `layers.${l}`;
    const h = rmsNorm(g, x, d.hidden, `${p}.operator_norm`, 1e-5);
    let mixed: string;
    if (kind === 'conv') {
      const state = g.input(`past_conv.${l}`, 'float32', ['batch_size', d.hidden, KERNEL - 1]);
      const c = shortConvBlock(g, h, d.hidden, KERNEL, state, mask3, `${p}.conv`);
      // staleConv (a broken fixture): present_conv is the past state unchanged.
      g.output(
        opts.staleConv ? g.op('Identity', [state], {}, { name: `${p}/stale_conv` }) : c.present[0]!,
        `present_conv.${l}`,
        'float32',
        ['batch_size', d.hidden, KERNEL - 1],
      );
      mixed = c.out;
    } else {
      const pastKey = g.input(`past_key_values.${l}.key`, 'float32', [
        'batch_size',
        d.kvHeads,
        'past_sequence_length',
        d.headDim,
      ]);
      const pastValue = g.input(`past_key_values.${l}.value`, 'float32', [
        'batch_size',
        d.kvHeads,
        'past_sequence_length',
        d.headDim,
      ]);
      const a = cachedAttention(
        g,
        h,
        {
          hidden: d.hidden,
          heads: d.heads,
          kvHeads: d.kvHeads,
          headDim: d.headDim,
          bias: ctx.bias,
          rope,
          cache: { kind: 'kv', pastKey, pastValue },
          qkNorm: true,
          dropPast: opts.dropPast,
        },
        `${p}.self_attn`,
      );
      g.output(a.present[0]!, `present.${l}.key`, 'float32', [
        'batch_size',
        d.kvHeads,
        'total_sequence_length',
        d.headDim,
      ]);
      g.output(a.present[1]!, `present.${l}.value`, 'float32', [
        'batch_size',
        d.kvHeads,
        'total_sequence_length',
        d.headDim,
      ]);
      mixed = a.out;
    }
    x = g.op('Add', [x, mixed], {}, { name: `${p}/res1` });
    x = g.op(
      'Add',
      [
        x,
        decoderMlp(g, rmsNorm(g, x, d.hidden, `${p}.ffn_norm`, 1e-5), d.hidden, d.inner, 'swiglu', `${p}.feed_forward`),
      ],
      {},
      { name: `${p}/res2` },
    );
  });
  g.output(
    linear(g, rmsNorm(g, x, d.hidden, 'embedding_norm', 1e-5), d.hidden, d.vocab, 'lm_head', { bias: false, std: 0.5 }),
    'logits',
    'float32',
    ['batch_size', 'sequence_length', d.vocab],
  );
  return g;
}

/**
 * LFM2-VL vision encoder: pixel_values [T, N, p*p*3], pixel_attention_mask [T, N] (int64),
 * spatial_shapes [T, 2] -> image_features [sum over tiles of (h/2)*(w/2), text hidden].
 * `ignoreMask`: attention also sees padded patches (a broken fixture for the checks).
 */
export function buildLfm2Vision(
  s: Size,
  textHidden: number,
  maxPatches: number,
  seed: number,
  opts: { ignoreMask?: boolean } = {},
): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'vision_encoder' });
  const D = 3 * s.patchSize * s.patchSize;
  const C = s.vision.hidden;
  const N = maxPatches;
  const Q = N / (DOWNSAMPLE * DOWNSAMPLE);
  const pixels = g.input('pixel_values', 'float32', ['num_tiles', N, D]);
  const mask = g.input('pixel_attention_mask', 'int64', ['num_tiles', N]);
  const shapes = g.input('spatial_shapes', 'int64', ['num_tiles', 2]);
  let x = g.op(
    'Add',
    [
      linear(g, pixels, D, C, 'embeddings.patch_embedding'),
      g.param('embeddings.position_embedding', [N, C], { std: 0.02 }),
    ],
    {},
    { name: 'embeddings' },
  );
  // Padding bias [T, 1, 1, N]: padded patches are never attended.
  const maskF = g.op('Cast', [mask], { to: 1 }, { name: 'mask_f' });
  const bias = opts.ignoreMask
    ? undefined
    : g.op(
        'Unsqueeze',
        [
          g.op(
            'Mul',
            [g.op('Sub', [g.scalarFloat(1, 'one_f'), maskF], {}, { name: 'mask_inv' }), g.scalarFloat(-1e9, 'neg')],
            {},
            { name: 'mask_bias3' },
          ),
          g.constInt64([1, 2], 'bias_axes'),
        ],
        {},
        { name: 'mask_bias' },
      );
  const heads = s.vision.heads;
  const hd = C / heads;
  for (let l = 0; l < s.vision.layers; l++) {
    const p = `encoder.layers.${l}`;
    const n1 = layerNorm(g, x, C, `${p}.layer_norm1`, 1e-6);
    const q = splitHeads(g, linear(g, n1, C, C, `${p}.self_attn.q_proj`), heads, hd, `${p}.q`);
    const k = splitHeads(g, linear(g, n1, C, C, `${p}.self_attn.k_proj`), heads, hd, `${p}.k`);
    const v = splitHeads(g, linear(g, n1, C, C, `${p}.self_attn.v_proj`), heads, hd, `${p}.v`);
    const a = linear(
      g,
      mergeHeads(g, scaledDotProduct(g, q, k, v, hd, `${p}.sdpa`, bias), C, `${p}.merge`),
      C,
      C,
      `${p}.self_attn.out_proj`,
    );
    x = g.op('Add', [x, a], {}, { name: `${p}/res1` });
    const m = linear(
      g,
      gelu(
        g,
        linear(g, layerNorm(g, x, C, `${p}.layer_norm2`, 1e-6), C, s.vision.inner, `${p}.mlp.fc1`),
        `${p}.mlp.act`,
      ),
      s.vision.inner,
      C,
      `${p}.mlp.fc2`,
    );
    x = g.op('Add', [x, m], {}, { name: `${p}/res2` });
  }
  x = layerNorm(g, x, C, 'post_layernorm', 1e-6);
  // Pixel unshuffle per tile: feature slot k (of Q) of a tile with w patches per row is row i = k div (w/2), column j = k mod (w/2),
  // gathering patches (2i+a)*w + 2j+b; slots k >= h*w/4 are padding and dropped.
  const tiles = g.op(
    'Gather',
    [g.op('Shape', [pixels], {}, { name: 'pshape' }), g.scalarInt64(0, 'i0')],
    { axis: 0 },
    { name: 'num_tiles' },
  );
  const hP = g.op(
    'Slice',
    [shapes, g.constInt64([0], 'h.s'), g.constInt64([1], 'h.e'), g.constInt64([1], 'h.ax')],
    {},
    { name: 'h' },
  );
  const wP = g.op(
    'Slice',
    [shapes, g.constInt64([1], 'w.s'), g.constInt64([2], 'w.e'), g.constInt64([1], 'w.ax')],
    {},
    { name: 'w' },
  );
  const two = g.scalarInt64(DOWNSAMPLE, 'two');
  const w2 = g.op('Div', [wP, two], {}, { name: 'w2' });
  const valid = g.op(
    'Div',
    [g.op('Mul', [hP, wP], {}, { name: 'hw' }), g.scalarInt64(DOWNSAMPLE * DOWNSAMPLE, 'four')],
    {},
    { name: 'valid_slots' },
  ); // [T, 1]
  const slot = g.op(
    'Unsqueeze',
    [
      g.op('Range', [g.scalarInt64(0, 'r0'), g.scalarInt64(Q, 'rq'), g.scalarInt64(1, 'r1')], {}, { name: 'slots' }),
      g.constInt64([0], 'slot_ax'),
    ],
    {},
    { name: 'slot' },
  ); // [1, Q]
  const keep = g.op('Less', [slot, valid], {}, { name: 'keep' }); // [T, Q]
  const row = g.op('Div', [slot, w2], {}, { name: 'row' });
  const col = g.op('Mod', [slot, w2], {}, { name: 'col' });
  const base = g.op(
    'Add',
    [
      g.op('Mul', [g.op('Mul', [row, two], {}, { name: 'row2' }), wP], {}, { name: 'row_off' }),
      g.op('Mul', [col, two], {}, { name: 'col2' }),
    ],
    {},
    { name: 'base' },
  ); // [T, Q]
  const tileOff = g.op(
    'Unsqueeze',
    [
      g.op(
        'Mul',
        [
          g.op('Range', [g.scalarInt64(0, 't0'), tiles, g.scalarInt64(1, 't1')], {}, { name: 'tile_ids' }),
          g.scalarInt64(N, 'n'),
        ],
        {},
        { name: 'tile_off1' },
      ),
      g.constInt64([1], 'toff_ax'),
    ],
    {},
    { name: 'tile_off' },
  ); // [T, 1]
  const parts: string[] = [];
  for (const [a, b] of [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ] as const) {
    const off = g.op(
      'Add',
      [g.op('Mul', [wP, g.scalarInt64(a, `da${a}${b}`)], {}, { name: `dw${a}${b}` }), g.scalarInt64(b, `db${a}${b}`)],
      {},
      { name: `doff${a}${b}` },
    );
    const idx = g.op(
      'Add',
      [g.op('Add', [base, off], {}, { name: `idx_local${a}${b}` }), tileOff],
      {},
      { name: `idx${a}${b}` },
    );
    // Padding slots point at patch 0 of their tile (dropped below) so the gather stays in range.
    parts.push(
      g.op(
        'Unsqueeze',
        [g.op('Where', [keep, idx, tileOff], {}, { name: `idx_safe${a}${b}` }), g.constInt64([2], `ax${a}${b}`)],
        {},
        { name: `idx3${a}${b}` },
      ),
    );
  }
  const idx = g.op('Concat', parts, { axis: 2 }, { name: 'unshuffle_idx' }); // [T, Q, 4]
  const flat = g.op('Reshape', [x, g.constInt64([-1, C], 'flat_shape')], {}, { name: 'flat' }); // [T*N, C]
  const grouped = g.op(
    'Reshape',
    [g.op('Gather', [flat, idx], { axis: 0 }, { name: 'gather' }), g.constInt64([-1, 4 * C], 'group_shape')],
    {},
    { name: 'grouped' },
  ); // [T*Q, 4C]
  const kept = g.op(
    'Compress',
    [grouped, g.op('Reshape', [keep, g.constInt64([-1], 'keep_flat_shape')], {}, { name: 'keep_flat' })],
    { axis: 0 },
    { name: 'kept' },
  );
  const normed = layerNorm(g, kept, 4 * C, 'multi_modal_projector.layer_norm', 1e-5);
  const h = gelu(
    g,
    linear(g, normed, 4 * C, textHidden, 'multi_modal_projector.linear_1'),
    'multi_modal_projector.act',
  );
  g.output(
    linear(g, h, textHidden, textHidden, 'multi_modal_projector.linear_2', { std: 0.5 }),
    'image_features',
    'float32',
    ['num_image_tokens', textHidden],
  );
  return g;
}

const lfmTokenizer = (modelType: string): TokenizerFiles =>
  byteLevelBpeTokenizer({
    tokenizerClass: 'PreTrainedTokenizerFast',
    specials:
      modelType === 'lfm2_vl'
        ? [
            '<|pad|>',
            '<|startoftext|>',
            '<|endoftext|>',
            '<|im_start|>',
            '<|im_end|>',
            '<image>',
            '<|image_start|>',
            '<|image_end|>',
            '<|img_thumbnail|>',
            '<|img_row_1_col_1|>',
            '<|img_row_1_col_2|>',
            '<|img_row_2_col_1|>',
            '<|img_row_2_col_2|>',
          ]
        : ['<|pad|>', '<|startoftext|>', '<|endoftext|>', '<|im_start|>', '<|im_end|>', '<|image|>'],
    roles: {
      pad_token: '<|pad|>',
      bos_token: '<|startoftext|>',
      eos_token: '<|im_end|>',
      unk_token: '<|endoftext|>',
      image_token: modelType === 'lfm2_vl' ? '<image>' : '<|image|>',
    },
    postProcessor: { single: ['$A'], pair: ['$A', '$B'] },
  });

/** Tiny Lfm2VlImageProcessor limits: the test images (64x48, 40x56) stay one tile of 48 patches (12 tokens). */
const LFM2_MIN_TOKENS = 4;
const LFM2_MAX_TOKENS = 16;

export async function synthesizeLfmVl(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions & { dropPast?: boolean; staleConv?: boolean; ignoreMask?: boolean },
): Promise<SynthesizedModel<LfmFacts>> {
  if (modelType !== 'lfm2_vl' && modelType !== 'lfm3_vl')
    throw new Error(`multimodal plugin: no LFM-VL spec for "${modelType}"`);
  const s = SIZES[opts.size];
  const tok = lfmTokenizer(modelType);
  const d = lmDims(s, tok.vocabSize);
  const kinds = layerKinds(d.layers);
  const lfm2 = modelType === 'lfm2_vl';
  const textType = lfm2 ? 'lfm2' : 'lfm3';
  const text = {
    model_type: textType,
    vocab_size: d.vocab,
    hidden_size: d.hidden,
    intermediate_size: d.inner,
    block_ff_dim: d.inner,
    block_auto_adjust_ff_dim: false,
    num_hidden_layers: d.layers,
    num_attention_heads: d.heads,
    num_key_value_heads: d.kvHeads,
    max_position_embeddings: d.maxPos,
    layer_types: kinds,
    conv_L_cache: KERNEL,
    conv_bias: false,
    norm_eps: 1e-5,
    rope_theta: 1000000,
    tie_word_embeddings: false,
    bos_token_id: sid(tok, 'bos_token'),
    eos_token_id: sid(tok, 'eos_token'),
    pad_token_id: sid(tok, 'pad_token'),
  };
  const maxPatches = LFM2_MAX_TOKENS * DOWNSAMPLE * DOWNSAMPLE;
  const vision = lfm2
    ? {
        model_type: 'siglip2_vision_model',
        hidden_size: s.vision.hidden,
        intermediate_size: s.vision.inner,
        num_hidden_layers: s.vision.layers,
        num_attention_heads: s.vision.heads,
        num_channels: 3,
        num_patches: maxPatches,
        patch_size: s.patchSize,
        hidden_act: 'gelu_pytorch_tanh',
        layer_norm_eps: 1e-6,
      }
    : {
        model_type: 'lfm3_vl_vision',
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
    architectures: [lfm2 ? 'Lfm2VlForConditionalGeneration' : 'Lfm3VlForConditionalGeneration'],
    image_token_id: sid(tok, 'image_token'),
    image_token_index: sid(tok, 'image_token'),
    projector_hidden_act: 'gelu',
    projector_hidden_size: d.hidden,
    projector_bias: true,
    ...(lfm2
      ? {
          downsample_factor: DOWNSAMPLE,
          encoder_patch_size: s.patchSize,
          max_image_tokens: LFM2_MAX_TOKENS,
          min_image_tokens: LFM2_MIN_TOKENS,
          do_image_splitting: false,
        }
      : {}),
    text_config: text,
    vision_config: vision,
    transformers_version: '4.57.0',
    hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
  };
  const onnx = (f: string) => join(dir, 'onnx', f);
  const visionGraph = lfm2
    ? buildLfm2Vision(s, d.hidden, maxPatches, opts.seed, { ignoreMask: opts.ignoreMask })
    : buildQwenVision(s, d.hidden, 'image_grid_thw', opts.seed);
  const files = [
    ...(await saveGraph(buildEmbedTokens(d, opts.seed), onnx('embed_tokens.onnx'))),
    ...(await saveGraph(visionGraph, onnx('vision_encoder.onnx'))),
    ...(await saveGraph(
      buildLfmDecoder(d, kinds, opts.seed, { dropPast: opts.dropPast, staleConv: opts.staleConv }),
      onnx('decoder_model_merged.onnx'),
    )),
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
  files.push(
    await writeJson(join(dir, 'tokenizer_config.json'), {
      ...tok.tokenizerConfig,
      image_token: lfm2 ? '<image>' : '<|image|>',
      padding_side: 'left',
    }),
  );
  const processorClass = lfm2 ? 'Lfm2VlProcessor' : 'Lfm3VlProcessor';
  const factor = s.patchSize * MERGE;
  const preprocessor = lfm2
    ? {
        image_processor_type: 'Lfm2VlImageProcessor',
        processor_class: processorClass,
        do_resize: false,
        do_rescale: true,
        rescale_factor: 1 / 255,
        do_normalize: true,
        image_mean: [0.5, 0.5, 0.5],
        image_std: [0.5, 0.5, 0.5],
        do_convert_rgb: true,
        downsample_factor: DOWNSAMPLE,
        encoder_patch_size: s.patchSize,
        do_image_splitting: false,
        min_tiles: 2,
        max_tiles: 4,
        use_thumbnail: true,
        min_image_tokens: LFM2_MIN_TOKENS,
        max_image_tokens: LFM2_MAX_TOKENS,
        tile_size: 4 * factor,
        max_pixels_tolerance: 2.0,
      }
    : {
        image_processor_type: 'Lfm3VlImageProcessor',
        processor_class: processorClass,
        do_resize: true,
        do_rescale: true,
        rescale_factor: 1 / 255,
        do_normalize: true,
        do_convert_rgb: true,
        image_mean: OPENAI_CLIP_MEAN,
        image_std: OPENAI_CLIP_STD,
        min_pixels: (2 * factor) ** 2,
        max_pixels: (4 * factor) ** 2,
        patch_size: s.patchSize,
        temporal_patch_size: T,
        merge_size: MERGE,
      };
  files.push(await writeJson(join(dir, 'preprocessor_config.json'), preprocessor));
  files.push(
    await writeJson(
      join(dir, 'processor_config.json'),
      lfm2
        ? {
            processor_class: processorClass,
            image_token: '<image>',
            image_start_token: '<|image_start|>',
            image_end_token: '<|image_end|>',
            image_thumbnail: '<|img_thumbnail|>',
          }
        : { processor_class: processorClass },
    ),
  );
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random ${modelType} image-text-to-text model synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  const grid: [number, number, number] = [1, 48 / s.patchSize, 64 / s.patchSize];
  const facts: LfmFacts = {
    kind: 'lfm',
    imageSize: 0,
    channels: 3,
    vocabSize: d.vocab,
    hidden: d.hidden,
    layers: d.layers,
    kvHeads: d.kvHeads,
    headDim: d.headDim,
    // 64x48 -> 6x8 patches (lfm2: unshuffled 2x2; lfm3: merged 2x2) -> 12 tokens.
    imageTokens: (48 / s.patchSize / 2) * (64 / s.patchSize / 2),
    imageTokenId: sid(tok, 'image_token')!,
    positionStart: 0,
    textFirst: false,
    prompt: lfm2
      ? '<|startoftext|><|im_start|>user\n<image>what is this?<|im_end|>\n<|im_start|>assistant\n'
      : '<|startoftext|><|im_start|>user\n<|image|>what is this?<|im_end|>\n<|im_start|>assistant\n',
    lfm: {
      variant: lfm2 ? 'lfm2' : 'lfm3',
      convLayers: kinds.flatMap((k, i) => (k === 'conv' ? [i] : [])),
      kernel: KERNEL,
      patchSize: s.patchSize,
      ...(lfm2
        ? { maxPatches, patchDim: 3 * s.patchSize ** 2, downsample: DOWNSAMPLE }
        : { maxPatches: 0, patchDim: 3 * T * s.patchSize ** 2, downsample: MERGE, grid }),
    },
  };
  return { dir, files: files.map((f) => f.slice(dir.length + 1)), synthesized: true, facts };
}
