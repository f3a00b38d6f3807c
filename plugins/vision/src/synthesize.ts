import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  classificationHead,
  conv2d,
  convNormAct,
  convPosition,
  depthwiseSeparable,
  flattenPatches,
  globalAvgPool,
  GraphBuilder,
  layerNorm,
  linear,
  meanTokens,
  patchEmbed,
  prependTokens,
  residualBlock,
  resizeLike,
  saveGraph,
  sliceTokens,
  unflattenTokens,
  upsample,
  vitLayer,
  writeJson,
} from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import { SAM_SPECS, synthesizeSam } from './sam.ts';
import type { VisionFacts } from './session.ts';
import { VISION_SPECS, type Dims, type VisionSpec } from './specs.ts';

const SIZES: Record<SynthesizeOptions['size'], Dims> = {
  tiny: { hidden: 32, layers: 2, heads: 4, inner: 64, image: 32, patch: 8, stages: [16, 32] },
  micro: { hidden: 16, layers: 1, heads: 2, inner: 32, image: 32, patch: 8, stages: [8, 16] },
};

export const CLASS_LABELS = ['tabby cat', 'golden retriever', 'red fox', 'teapot', 'bicycle'];
export const DETECTION_LABELS = ['person', 'table', 'chair'];
export const SEGMENT_LABELS = ['background', 'sky', 'road', 'tree'];
export const NUM_QUERIES = 5;
export const NUM_KEYPOINTS = 17;

/** Labels of a type's head (empty when the head has none). */
export function labelsFor(head: VisionSpec['head']): string[] {
  if (head === 'classification') return CLASS_LABELS;
  if (head === 'detection' || head === 'panoptic') return DETECTION_LABELS;
  if (head === 'semantic') return SEGMENT_LABELS;
  if (head === 'pose') return Array.from({ length: NUM_KEYPOINTS }, (_, i) => `keypoint_${i}`);
  return [];
}

interface Backbone {
  /** [b, N, C] tokens (with any learned tokens first). */
  tokens: string;
  /** [b, C, h, w] map of the patch positions. */
  map: string;
  pooled: string;
  channels: number;
}

function buildBackbone(
  g: GraphBuilder,
  spec: VisionSpec,
  d: Dims,
  pixels: string,
  inC: number,
  mask?: string,
): Backbone {
  if (spec.backbone === 'vit') {
    const fmap = convPosition(g, patchEmbed(g, pixels, inC, d.hidden, spec.stem ?? d.patch), d.hidden);
    let x = flattenPatches(g, fmap, 'embeddings.flatten');
    const extra = spec.extraTokens ?? 1;
    if (extra > 0) x = prependTokens(g, x, d.hidden, extra);
    if (mask) x = g.op('Mul', [x, mask], {}, { name: 'embeddings/pixel_mask' });
    for (let l = 0; l < d.layers; l++) x = vitLayer(g, x, d.hidden, d.heads, d.inner, `encoder.layer.${l}`);
    x = layerNorm(g, x, d.hidden, 'layernorm');
    const patches = extra > 0 ? sliceTokens(g, x, extra, 1 << 30, 'patch_tokens') : x;
    const pooled =
      extra > 0
        ? g.op('Squeeze', [sliceTokens(g, x, 0, 1, 'cls_token'), g.constInt64([1], 'cls.axis')], {}, { name: 'pooler' })
        : meanTokens(g, x);
    return { tokens: x, map: unflattenTokens(g, patches, fmap, d.hidden, 'patch_map'), pooled, channels: d.hidden };
  }
  const [c0, c1] = d.stages as [number, number];
  const stride = spec.stem ?? 4;
  if (spec.backbone === 'hybrid') {
    // Conv stem, then transformer layers over the flattened map (Swin / PVT / MobileViT style).
    let fmap = convPosition(
      g,
      convNormAct(g, pixels, inC, c0, stride === 1 ? 3 : stride, 'embeddings.stem', { stride, act: 'gelu' }),
      c0,
      'embeddings.position',
    );
    fmap = conv2d(g, fmap, c0, d.hidden, 3, 'encoder.downsample', { stride: stride === 1 ? 1 : 2 });
    let x = flattenPatches(g, fmap, 'encoder.flatten');
    if (mask) x = g.op('Mul', [x, mask], {}, { name: 'embeddings/pixel_mask' });
    for (let l = 0; l < d.layers; l++) x = vitLayer(g, x, d.hidden, d.heads, d.inner, `encoder.layer.${l}`, 1e-5);
    x = layerNorm(g, x, d.hidden, 'layernorm', 1e-5);
    const map = unflattenTokens(g, x, fmap, d.hidden, 'encoder.unflatten');
    return { tokens: x, map, pooled: meanTokens(g, x), channels: d.hidden };
  }
  // Conv: stem + two stages (residual, then depthwise-separable with stride 2).
  let fmap = convNormAct(g, pixels, inC, c0, stride === 1 ? 3 : stride, 'embedder', { stride, act: 'relu' });
  fmap = residualBlock(g, fmap, c0, c0, 'encoder.stages.0');
  fmap = depthwiseSeparable(g, fmap, c0, c1, 'encoder.stages.1', { stride: 2 });
  if (mask)
    fmap = g.op(
      'Mul',
      [fmap, g.op('Unsqueeze', [mask, g.constInt64([3], 'pixel_mask.axis')], {}, { name: 'pixel_mask/4d' })],
      {},
      { name: 'encoder/pixel_mask' },
    );
  return {
    tokens: flattenPatches(g, fmap, 'encoder.flatten'),
    map: fmap,
    pooled: globalAvgPool(g, fmap),
    channels: c1,
  };
}

/** last_hidden_state as a [b, C, h, w] map (conv backbones, or a type that says so) rather than [b, N, C] tokens. */
export function isMapLayout(spec: VisionSpec): boolean {
  return spec.layout === 'map' || (spec.backbone === 'conv' && spec.layout !== 'tokens');
}

/** Learned queries attending over the tokens: [b, Q, C] (a one-layer DETR-style decoder). */
function queries(g: GraphBuilder, tokens: string, channels: number): string {
  const q = g.param('decoder.query_position_embeddings', [NUM_QUERIES, channels], { std: 1 });
  const kt = g.op('Transpose', [tokens], { perm: [0, 2, 1] }, { name: 'decoder/kt' });
  const scores = g.op(
    'Mul',
    [g.op('MatMul', [q, kt], {}, { name: 'decoder/scores' }), g.scalarFloat(1 / Math.sqrt(channels), 'decoder.scale')],
    {},
    { name: 'decoder/scaled' },
  );
  const attn = g.op('Softmax', [scores], { axis: -1 }, { name: 'decoder/softmax' });
  const ctx = g.op(
    'Add',
    [g.op('MatMul', [attn, tokens], {}, { name: 'decoder/context' }), q],
    {},
    { name: 'decoder/residual' },
  );
  return layerNorm(g, ctx, channels, 'decoder.layernorm');
}

/** Graph variants built to break: the model ignores its pixels, mixes rows of a batch, or (SAM) ignores its point prompt. */
export type BrokenVariant = 'ignore-input' | 'mix-batch' | 'ignore-prompt';

/** The tiny graph of a vision type: backbone + the head whose outputs its pipeline reads. */
export function buildVisionGraph(
  spec: VisionSpec,
  d: Dims,
  seed: number,
  opts: { labels: number; broken?: BrokenVariant },
): GraphBuilder {
  const g = new GraphBuilder({ seed, name: `tiny-vision-${spec.head}` });
  const inC = spec.head === 'matting' ? 4 : 3;
  let pixels = g.input(spec.inputName ?? 'pixel_values', 'float32', ['batch_size', inC, 'height', 'width']);
  // Deliberately broken variants let tests prove the checks can fail.
  if (opts.broken === 'ignore-input')
    pixels = g.op('Mul', [pixels, g.scalarFloat(0, 'broken.zero')], {}, { name: 'broken/ignore_input' });
  if (opts.broken === 'mix-batch')
    pixels = g.op(
      'Add',
      [pixels, g.op('ReduceMean', [pixels], { axes: [0], keepdims: 1 }, { name: 'broken/batch_mean' })],
      {},
      { name: 'broken/mix_batch' },
    );
  let mask: string | undefined;
  if (spec.pixelMask) {
    // DETR-style processors send a [b, 64, 64] mask of valid pixels; scale features by its mean (1 when all valid).
    const pm = g.input('pixel_mask', 'int64', ['batch_size', 'mask_height', 'mask_width']);
    const frac = g.op(
      'ReduceMean',
      [g.op('Cast', [pm], { to: 1 }, { name: 'pixel_mask/cast' })],
      { axes: [1, 2], keepdims: 1 },
      { name: 'pixel_mask/mean' },
    );
    mask = frac; // [b, 1, 1]
  }
  const bb = buildBackbone(g, spec, d, pixels, inC, mask);
  const C = bb.channels;
  const L = opts.labels;
  const dense = (out: number, name: string) => conv2d(g, bb.map, C, out, 1, name, { std: 1 / Math.sqrt(C) });
  const features = () => {
    if (isMapLayout(spec))
      g.output(bb.map, 'last_hidden_state', 'float32', ['batch_size', C, 'feature_height', 'feature_width']);
    else g.output(bb.tokens, 'last_hidden_state', 'float32', ['batch_size', 'tokens', C]);
    g.output(bb.pooled, 'pooler_output', 'float32', ['batch_size', C]);
  };
  switch (spec.head) {
    case 'classification':
      g.output(classificationHead(g, bb.pooled, C, L), 'logits', 'float32', ['batch_size', L]);
      features();
      break;
    case 'features':
      features();
      break;
    case 'detection': {
      const q = queries(g, bb.tokens, C);
      g.output(linear(g, q, C, L + 1, 'class_labels_classifier', { std: 1 / Math.sqrt(C) }), 'logits', 'float32', [
        'batch_size',
        NUM_QUERIES,
        L + 1,
      ]);
      g.output(
        g.op(
          'Sigmoid',
          [linear(g, q, C, 4, 'bbox_predictor', { std: 1 / Math.sqrt(C) })],
          {},
          { name: 'bbox/sigmoid' },
        ),
        'pred_boxes',
        'float32',
        ['batch_size', NUM_QUERIES, 4],
      );
      break;
    }
    case 'depth': {
      const depth = g.op(
        'Softplus',
        [resizeLike(g, dense(1, 'head.depth'), pixels, 'head.resize')],
        {},
        { name: 'head/softplus' },
      );
      g.output(
        g.op('Squeeze', [depth, g.constInt64([1], 'head.axis')], {}, { name: 'head/squeeze' }),
        'predicted_depth',
        'float32',
        ['batch_size', 'height', 'width'],
      );
      break;
    }
    case 'mask':
    case 'matting': {
      const m = g.op(
        'Sigmoid',
        [resizeLike(g, dense(1, 'head.mask'), pixels, 'head.resize')],
        {},
        { name: 'head/sigmoid' },
      );
      g.output(m, spec.head === 'matting' ? 'alphas' : (spec.outputName ?? 'output'), 'float32', [
        'batch_size',
        1,
        'height',
        'width',
      ]);
      break;
    }
    case 'semantic':
      g.output(dense(L, 'decode_head.classifier'), 'logits', 'float32', [
        'batch_size',
        L,
        'feature_height',
        'feature_width',
      ]);
      break;
    case 'pose':
      g.output(dense(L, 'head.conv'), 'heatmaps', 'float32', ['batch_size', L, 'feature_height', 'feature_width']);
      break;
    case 'panoptic': {
      const q = queries(g, bb.tokens, C);
      g.output(
        linear(g, q, C, L + 1, 'class_predictor', { std: 1 / Math.sqrt(C) }),
        'class_queries_logits',
        'float32',
        ['batch_size', NUM_QUERIES, L + 1],
      );
      const maskEmbed = linear(g, q, C, C, 'mask_embedder', { std: 1 / Math.sqrt(C) });
      const flat = g.op(
        'MatMul',
        [maskEmbed, g.op('Transpose', [bb.tokens], { perm: [0, 2, 1] }, { name: 'masks/kt' })],
        {},
        { name: 'masks/matmul' },
      );
      g.output(
        unflattenTokens(
          g,
          g.op('Transpose', [flat], { perm: [0, 2, 1] }, { name: 'masks/t' }),
          bb.map,
          NUM_QUERIES,
          'masks',
        ),
        'masks_queries_logits',
        'float32',
        ['batch_size', NUM_QUERIES, 'feature_height', 'feature_width'],
      );
      break;
    }
    case 'super-resolution': {
      // Pixel shuffle of a conv over the pixels plus the backbone's map, on a bilinear 2x base.
      const detail = g.op(
        'Add',
        [
          conv2d(g, pixels, 3, 12, 3, 'upsample.conv', { std: 0.05 }),
          resizeLike(g, dense(12, 'conv_after_body'), pixels, 'body.resize'),
        ],
        {},
        { name: 'upsample/sum' },
      );
      const shuffled = g.op(
        'DepthToSpace',
        [detail],
        { blocksize: 2, mode: 'CRD' },
        { name: 'upsample/pixel_shuffle' },
      );
      g.output(
        g.op('Add', [shuffled, upsample(g, pixels, 2, 'upsample.base')], {}, { name: 'reconstruction/add' }),
        'reconstruction',
        'float32',
        ['batch_size', 3, 'out_height', 'out_width'],
      );
      break;
    }
    case 'text-recognition': {
      const heads: [string, number][] = [
        ['char', 38],
        ['bpe', 64],
        ['wp', 48],
      ];
      for (const [n, v] of heads)
        g.output(linear(g, bb.tokens, C, v, `${n}_head`, { std: 1 / Math.sqrt(C) }), `${n}_logits`, 'float32', [
          'batch_size',
          'tokens',
          v,
        ]);
      break;
    }
  }
  return g;
}

function tasksFor(spec: VisionSpec): string[] {
  switch (spec.head) {
    case 'classification':
      return ['image-classification', 'image-feature-extraction'];
    case 'features':
      return ['image-feature-extraction'];
    case 'detection':
      return ['object-detection'];
    case 'depth':
      return ['depth-estimation'];
    case 'mask':
      return ['background-removal'];
    case 'semantic':
    case 'panoptic':
      return ['image-segmentation'];
    case 'super-resolution':
      return ['image-to-image'];
    case 'matting':
      return ['image-matting'];
    case 'pose':
      return ['pose-estimation'];
    case 'text-recognition':
      return ['scene-text-recognition'];
  }
}

/**
 * Writes a tiny `modelType` vision model: onnx/model.onnx, config.json (real key names, id2label
 * for heads with labels), preprocessor_config.json (the type's image processor class).
 */
export async function synthesizeVision(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions & {
    configOverrides?: Record<string, unknown>;
    processorOverrides?: Record<string, unknown>;
    broken?: BrokenVariant;
  },
): Promise<SynthesizedModel<VisionFacts>> {
  if (SAM_SPECS[modelType]) return synthesizeSam(modelType, dir, opts);
  const spec = VISION_SPECS[modelType];
  if (!spec)
    throw new Error(
      `vision plugin cannot synthesize "${modelType}": not one of its types (${[...Object.keys(VISION_SPECS), ...Object.keys(SAM_SPECS)].join(', ')})`,
    );
  const d = SIZES[opts.size];
  const labels = labelsFor(spec.head);
  const config: Record<string, unknown> = {
    model_type: modelType,
    architectures: [spec.architecture],
    ...spec.config(d),
    ...(labels.length
      ? {
          id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
          label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
        }
      : {}),
    transformers_version: '4.57.0',
    hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
    ...opts.configOverrides,
  };
  const graph = buildVisionGraph(spec, d, opts.seed, { labels: labels.length, broken: opts.broken });
  const files = await saveGraph(graph, join(dir, 'onnx', 'model.onnx'));
  files.push(await writeJson(join(dir, 'config.json'), config));
  files.push(
    await writeJson(join(dir, 'preprocessor_config.json'), { ...spec.processor(d), ...opts.processorOverrides }),
  );
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random ${modelType} vision model synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  const facts: VisionFacts = {
    head: spec.head,
    inputName: spec.inputName ?? 'pixel_values',
    channels: spec.head === 'matting' ? 4 : 3,
    outputs: outputNames(spec),
    numLabels: labels.length,
    pixelMask: spec.pixelMask ?? false,
    tasks: tasksFor(spec),
    hidden: spec.backbone === 'conv' ? d.stages.at(-1)! : d.hidden,
    hiddenRank: isMapLayout(spec) ? 4 : 3,
    imageSize: d.image,
  };
  return { dir, files: files.map((f) => f.slice(dir.length + 1)), synthesized: true, facts };
}

export function outputNames(spec: VisionSpec): string[] {
  switch (spec.head) {
    case 'classification':
      return ['logits', 'last_hidden_state', 'pooler_output'];
    case 'features':
      return ['last_hidden_state', 'pooler_output'];
    case 'detection':
      return ['logits', 'pred_boxes'];
    case 'depth':
      return ['predicted_depth'];
    case 'mask':
      return [spec.outputName ?? 'output'];
    case 'matting':
      return ['alphas'];
    case 'semantic':
      return ['logits'];
    case 'pose':
      return ['heatmaps'];
    case 'panoptic':
      return ['class_queries_logits', 'masks_queries_logits'];
    case 'super-resolution':
      return ['reconstruction'];
    case 'text-recognition':
      return ['char_logits', 'bpe_logits', 'wp_logits'];
  }
}
