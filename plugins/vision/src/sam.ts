import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  conv2d,
  convPosition,
  flattenPatches,
  globalAvgPool,
  GraphBuilder,
  layerNorm,
  linear,
  patchEmbed,
  resizeLike,
  saveGraph,
  unflattenTokens,
  upsample,
  vitLayer,
  writeJson,
} from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import type { VisionFacts } from './session.ts';

/**
 * Mask generation (SAM family): transformers.js loads two files, onnx/vision_encoder.onnx
 * (pixels -> image embeddings) and onnx/prompt_encoder_mask_decoder.onnx (embeddings + point
 * prompts -> iou_scores and 3 candidate masks per prompt). SAM passes a positional embedding map;
 * SAM2-style types (sam2, edgetam, sam3_tracker) pass three feature levels instead.
 */

interface SamSpec {
  architecture: string;
  /** SAM2 style: three image_embeddings.{0,1,2} levels, object_score_logits output. */
  levels: boolean;
  imageProcessor: string;
  processorClass: string;
}

export const SAM_SPECS: Record<string, SamSpec> = {
  sam: { architecture: 'SamModel', levels: false, imageProcessor: 'SamImageProcessor', processorClass: 'SamProcessor' },
  sam2: {
    architecture: 'Sam2Model',
    levels: true,
    imageProcessor: 'Sam2ImageProcessor',
    processorClass: 'Sam2Processor',
  },
  edgetam: {
    architecture: 'EdgeTamModel',
    levels: true,
    imageProcessor: 'Sam2ImageProcessor',
    processorClass: 'Sam2Processor',
  },
  sam3_tracker: {
    architecture: 'Sam3TrackerModel',
    levels: true,
    imageProcessor: 'Sam3ImageProcessor',
    processorClass: 'Sam2Processor',
  },
};

const SIZES = {
  tiny: { hidden: 32, layers: 2, heads: 4, inner: 64, image: 32, patch: 4 },
  micro: { hidden: 16, layers: 1, heads: 2, inner: 32, image: 32, patch: 4 },
};

export const SAM_MASKS = 3;

function shapeSlice(g: GraphBuilder, x: string, start: number, end: number, name: string): string {
  return g.op(
    'Slice',
    [
      g.op('Shape', [x], {}, { name: `${name}/shape` }),
      g.constInt64([start], `${name}.s`),
      g.constInt64([end], `${name}.e`),
    ],
    {},
    { name },
  );
}

function buildEncoder(spec: SamSpec, d: (typeof SIZES)['tiny'], seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'tiny-sam-vision-encoder' });
  const pixels = g.input('pixel_values', 'float32', ['batch_size', 3, 'height', 'width']);
  const fmap = convPosition(
    g,
    patchEmbed(g, pixels, 3, d.hidden, d.patch, 'vision_encoder.patch_embed'),
    d.hidden,
    'vision_encoder.pos',
  );
  let x = flattenPatches(g, fmap, 'vision_encoder.flatten');
  for (let l = 0; l < d.layers; l++) x = vitLayer(g, x, d.hidden, d.heads, d.inner, `vision_encoder.layers.${l}`, 1e-6);
  x = layerNorm(g, x, d.hidden, 'vision_encoder.norm', 1e-6);
  const neck = conv2d(
    g,
    unflattenTokens(g, x, fmap, d.hidden, 'vision_encoder.unflatten'),
    d.hidden,
    d.hidden,
    1,
    'vision_encoder.neck',
  );
  const C = d.hidden;
  const dims = (c: number | string, s: string) => ['batch_size', c, `${s}_height`, `${s}_width`];
  if (!spec.levels) {
    g.output(neck, 'image_embeddings', 'float32', dims(C, 'embedding'));
    // A learned positional map, resized to the embedding grid and broadcast over the batch.
    const table = g.param('shared_image_embedding.positional', [1, C, 4, 4], { std: 1 });
    const pos = resizeLike(g, table, neck, 'shared_image_embedding.resize');
    g.output(
      g.op('Expand', [pos, g.op('Shape', [neck], {}, { name: 'pos/shape' })], {}, { name: 'pos/expand' }),
      'image_positional_embeddings',
      'float32',
      dims(C, 'embedding'),
    );
    return g;
  }
  const up1 = conv2d(g, upsample(g, neck, 2, 'fpn.up1'), C, C / 2, 1, 'fpn.conv1');
  const up0 = conv2d(g, upsample(g, up1, 2, 'fpn.up0'), C / 2, C / 4, 1, 'fpn.conv0');
  g.output(up0, 'image_embeddings.0', 'float32', dims(C / 4, 'level0'));
  g.output(up1, 'image_embeddings.1', 'float32', dims(C / 2, 'level1'));
  g.output(neck, 'image_embeddings.2', 'float32', dims(C, 'level2'));
  return g;
}

function buildDecoder(spec: SamSpec, d: (typeof SIZES)['tiny'], seed: number, broken?: string): GraphBuilder {
  const g = new GraphBuilder({ seed: seed + 1, name: 'tiny-sam-prompt-encoder-mask-decoder' });
  const C = d.hidden;
  const emb = g.input(spec.levels ? 'image_embeddings.2' : 'image_embeddings', 'float32', [
    'batch_size',
    C,
    'embedding_height',
    'embedding_width',
  ]);
  const levels = spec.levels
    ? [
        g.input('image_embeddings.0', 'float32', ['batch_size', C / 4, 'level0_height', 'level0_width']),
        g.input('image_embeddings.1', 'float32', ['batch_size', C / 2, 'level1_height', 'level1_width']),
      ]
    : [];
  const posIn = spec.levels
    ? undefined
    : g.input('image_positional_embeddings', 'float32', ['batch_size', C, 'embedding_height', 'embedding_width']);
  const points = g.input('input_points', 'float32', ['batch_size', 'point_batch_size', 'num_points', 2]);
  const labels = g.input('input_labels', 'int64', ['batch_size', 'point_batch_size', 'num_points']);
  // Prompt encoder: points in [0, 1] of the processed image, a learned embedding per label value.
  // broken 'ignore-prompt' (tests only): every point lands on the same place.
  const norm = g.op(
    'Mul',
    [points, g.scalarFloat(broken === 'ignore-prompt' ? 0 : 1 / d.image, 'prompt.scale')],
    {},
    { name: 'prompt/normalise' },
  );
  const pe = linear(g, norm, 2, C, 'prompt_encoder.point_embed', { std: 2 });
  const lab = g.op(
    'Unsqueeze',
    [g.op('Cast', [labels], { to: 1 }, { name: 'prompt/labels_f' }), g.constInt64([-1], 'prompt.axis')],
    {},
    { name: 'prompt/labels' },
  );
  const withLabel = g.op(
    'Add',
    [
      pe,
      g.op('Mul', [lab, g.param('prompt_encoder.label_embed', [C], { std: 1 })], {}, { name: 'prompt/label_embed' }),
    ],
    {},
    { name: 'prompt/sum' },
  );
  let sparse = g.op('ReduceMean', [withLabel], { axes: [2], keepdims: 0 }, { name: 'prompt/pool' }); // [b, pb, C]
  for (const [i, lv] of levels.entries()) {
    const c = C / (i === 0 ? 4 : 2);
    const pooled = linear(g, globalAvgPool(g, lv, `mask_decoder.level${i}.pool`), c, C, `mask_decoder.level${i}.proj`);
    sparse = g.op(
      'Add',
      [sparse, g.op('Unsqueeze', [pooled, g.constInt64([1], `level${i}.axis`)], {}, { name: `level${i}/unsqueeze` })],
      {},
      { name: `level${i}/add` },
    );
  }
  // Mask decoder: three mask tokens conditioned on the prompt, dotted with every image position.
  const q = g.op(
    'Add',
    [
      g.op('Unsqueeze', [sparse, g.constInt64([2], 'mask.axis')], {}, { name: 'mask/q' }),
      g.param('mask_decoder.mask_tokens', [SAM_MASKS, C], { std: 1 }),
    ],
    {},
    { name: 'mask/tokens' },
  );
  const image = posIn ? g.op('Add', [emb, posIn], {}, { name: 'mask/image_pos' }) : emb;
  const flat = g.op(
    'Unsqueeze',
    [
      g.op('Reshape', [image, g.constInt64([0, 0, -1], 'mask.flat_shape')], {}, { name: 'mask/flat' }),
      g.constInt64([1], 'mask.flat_axis'),
    ],
    {},
    { name: 'mask/flat4' },
  );
  const logits = g.op(
    'Mul',
    [g.op('MatMul', [q, flat], {}, { name: 'mask/dot' }), g.scalarFloat(1 / Math.sqrt(C), 'mask.scale')],
    {},
    { name: 'mask/scaled' },
  );
  const shape = g.op(
    'Concat',
    [shapeSlice(g, q, 0, 3, 'mask.bpm'), shapeSlice(g, emb, 2, 4, 'mask.hw')],
    { axis: 0 },
    { name: 'mask/shape' },
  );
  g.output(g.op('Reshape', [logits, shape], {}, { name: 'mask/reshape' }), 'pred_masks', 'float32', [
    'batch_size',
    'point_batch_size',
    SAM_MASKS,
    'mask_height',
    'mask_width',
  ]);
  const iou = g.op(
    'Sigmoid',
    [
      g.op(
        'Squeeze',
        [linear(g, q, C, 1, 'mask_decoder.iou_head'), g.constInt64([-1], 'iou.axis')],
        {},
        { name: 'iou/squeeze' },
      ),
    ],
    {},
    { name: 'iou/sigmoid' },
  );
  g.output(iou, 'iou_scores', 'float32', ['batch_size', 'point_batch_size', SAM_MASKS]);
  if (spec.levels)
    g.output(linear(g, sparse, C, 1, 'mask_decoder.object_score'), 'object_score_logits', 'float32', [
      'batch_size',
      'point_batch_size',
      1,
    ]);
  return g;
}

/** Writes a tiny SAM-family model: both ONNX files, config.json and preprocessor_config.json. */
export async function synthesizeSam(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions & { configOverrides?: Record<string, unknown>; broken?: string },
): Promise<SynthesizedModel<VisionFacts>> {
  const spec = SAM_SPECS[modelType];
  if (!spec)
    throw new Error(`vision plugin: "${modelType}" is not a SAM-family type (${Object.keys(SAM_SPECS).join(', ')})`);
  const d = SIZES[opts.size];
  const visionConfig: Record<string, unknown> = {
    hidden_size: d.hidden,
    num_hidden_layers: d.layers,
    num_attention_heads: d.heads,
    mlp_dim: d.inner,
    image_size: d.image,
    patch_size: d.patch,
    num_channels: 3,
    output_channels: d.hidden,
    layer_norm_eps: 1e-6,
    ...(spec.levels
      ? {
          num_feature_levels: 3,
          backbone_channel_list: [d.hidden, d.hidden / 2, d.hidden / 4],
          fpn_hidden_size: d.hidden,
        }
      : {}),
  };
  const config = {
    model_type: modelType,
    architectures: [spec.architecture],
    vision_config: visionConfig,
    prompt_encoder_config: {
      hidden_size: d.hidden,
      image_size: d.image,
      patch_size: d.patch,
      mask_input_channels: 4,
      num_point_embeddings: 4,
    },
    mask_decoder_config: {
      hidden_size: d.hidden,
      num_multimask_outputs: SAM_MASKS,
      iou_head_depth: 1,
      iou_head_hidden_dim: d.hidden,
      num_hidden_layers: 1,
      num_attention_heads: d.heads,
      mlp_dim: d.inner,
    },
    transformers_version: '4.57.0',
    hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
    ...opts.configOverrides,
  };
  const processor = {
    image_processor_type: spec.imageProcessor,
    processor_class: spec.processorClass,
    do_resize: true,
    size: spec.levels ? { height: d.image, width: d.image } : { longest_edge: d.image },
    resample: 2,
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: [0.485, 0.456, 0.406],
    image_std: [0.229, 0.224, 0.225],
    do_pad: !spec.levels,
    ...(spec.levels ? {} : { pad_size: { height: d.image, width: d.image } }),
    do_convert_rgb: true,
  };
  const files = [
    ...(await saveGraph(buildEncoder(spec, d, opts.seed), join(dir, 'onnx', 'vision_encoder.onnx'))),
    ...(await saveGraph(
      buildDecoder(spec, d, opts.seed, opts.broken),
      join(dir, 'onnx', 'prompt_encoder_mask_decoder.onnx'),
    )),
    await writeJson(join(dir, 'config.json'), config),
    await writeJson(join(dir, 'preprocessor_config.json'), processor),
  ];
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random ${modelType} mask-generation model synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  return {
    dir,
    files: files.map((f) => f.slice(dir.length + 1)),
    synthesized: true,
    facts: {
      head: 'mask-generation',
      inputName: 'pixel_values',
      channels: 3,
      outputs: spec.levels
        ? ['image_embeddings.0', 'image_embeddings.1', 'image_embeddings.2']
        : ['image_embeddings', 'image_positional_embeddings'],
      numLabels: 0,
      pixelMask: false,
      tasks: ['mask-generation'],
      hidden: d.hidden,
      hiddenRank: 4,
      imageSize: d.image,
      sessionFile: 'onnx/vision_encoder.onnx',
    },
  };
}
