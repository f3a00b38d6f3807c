import {
  embedding,
  gelu,
  GraphBuilder,
  imageTower,
  linear,
  patchCount,
  sliceTokens,
  spatialMerge,
  type DecoderDims,
  type TokenizerFiles,
} from '@hf-core/onnx-builder';
import type { Size } from './sizes.ts';

/**
 * Building blocks the image(-audio)-text-to-text kinds share: the language model's dims and
 * embedding table, the vision towers that feed it, and special-token ids.
 */

/** A decoder language model's dims (vocab, width, layers, heads, kv heads, head dim, MLP, positions). */
export type LmDims = DecoderDims;

/** The id of a special token by its role (`bos_token`, `image_token`...), if the tokenizer has it. */
export const sid = (tok: TokenizerFiles, role: string) => tok.special[role]?.id;
export function lmDims(s: Size, vocab: number): LmDims {
  const dec = s.decoder;
  return {
    vocab,
    hidden: dec.hidden,
    layers: dec.layers,
    heads: dec.heads,
    kvHeads: dec.kvHeads,
    headDim: dec.hidden / dec.heads,
    inner: dec.inner,
    maxPos: dec.maxPos,
  };
}

/** input_ids -> inputs_embeds. */
export function buildEmbedTokens(d: LmDims, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'embed_tokens' });
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  g.output(embedding(g, ids, d.vocab, d.hidden, 'embed_tokens'), 'inputs_embeds', 'float32', [
    'batch_size',
    'sequence_length',
    d.hidden,
  ]);
  return g;
}

/**
 * pixel_values -> image_features [b, tokens, text hidden]: ViT tower (class token dropped), an
 * optional Pixtral-style merge x merge patch merger, and a 2-layer GELU projector.
 */
export function buildVisionEncoder(
  s: Size,
  textHidden: number,
  opts: { classToken: boolean; merge?: number; tiles?: boolean },
  seed: number,
): GraphBuilder {
  if (opts.tiles) return buildTiledVisionEncoder(s, textHidden, opts.merge ?? 2, seed);
  const g = new GraphBuilder({ seed, name: 'vision_encoder' });
  const pixels = g.input('pixel_values', 'float32', ['batch_size', 3, s.imageSize, s.imageSize]);
  const dims = { ...s.vision, channels: 3, imageSize: s.imageSize, patchSize: s.patchSize };
  const n = patchCount(dims);
  let x = imageTower(g, pixels, dims, 'vision_tower', { classToken: opts.classToken });
  if (opts.classToken) x = sliceTokens(g, x, 1, n + 1, 'vision_tower/drop_cls');
  let width = s.vision.hidden;
  if (opts.merge && opts.merge > 1) {
    x = spatialMerge(g, x, s.imageSize / s.patchSize, opts.merge, width, 'patch_merger');
    width *= opts.merge * opts.merge;
  }
  const h = gelu(g, linear(g, x, width, textHidden, 'projector.linear_1'), 'projector.act');
  g.output(linear(g, h, textHidden, textHidden, 'projector.linear_2', { std: 0.5 }), 'image_features', 'float32', [
    'batch_size',
    imageTokenCount(s, opts.merge),
    textHidden,
  ]);
  return g;
}

/**
 * Idefics3 / SmolVLM: pixel_values [b, tiles, 3, S, S] + pixel_attention_mask [b, tiles, S, S];
 * each tile through the tower, a pixel-shuffle connector (merge x merge patches -> one token) and
 * a projection; tiles the mask marks empty contribute zeros. image_features [b, tiles * tokens, hidden].
 */
export function buildTiledVisionEncoder(s: Size, textHidden: number, merge: number, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'vision_encoder' });
  const pixels = g.input('pixel_values', 'float32', ['batch_size', 'num_tiles', 3, s.imageSize, s.imageSize]);
  const mask = g.input('pixel_attention_mask', 'bool', ['batch_size', 'num_tiles', s.imageSize, s.imageSize]);
  const dims = { ...s.vision, channels: 3, imageSize: s.imageSize, patchSize: s.patchSize };
  const flat = g.op(
    'Reshape',
    [pixels, g.constInt64([-1, 3, s.imageSize, s.imageSize], 'tiles.flat')],
    {},
    { name: 'tiles/flat' },
  );
  const x = spatialMerge(
    g,
    imageTower(g, flat, dims, 'vision_model', { classToken: false }),
    s.imageSize / s.patchSize,
    merge,
    s.vision.hidden,
    'connector.shuffle',
  );
  const valid = g.op(
    'ReduceMax',
    [g.op('Cast', [mask], { to: 1 }, { name: 'tiles/mask_f' })],
    { axes: [2, 3], keepdims: 0 },
    { name: 'tiles/valid' },
  );
  const kept = g.op(
    'Mul',
    [x, g.op('Reshape', [valid, g.constInt64([-1, 1, 1], 'tiles.valid_shape')], {}, { name: 'tiles/valid3' })],
    {},
    { name: 'tiles/kept' },
  );
  const proj = linear(g, kept, merge * merge * s.vision.hidden, textHidden, 'connector.modality_projection', {
    bias: false,
    std: 0.5,
  });
  const batch = g.op(
    'Slice',
    [
      g.op('Shape', [pixels], {}, { name: 'tiles/shape' }),
      g.constInt64([0], 'tiles.s0'),
      g.constInt64([1], 'tiles.s1'),
    ],
    {},
    { name: 'tiles/batch' },
  );
  const shape = g.op(
    'Concat',
    [batch, g.constInt64([-1, textHidden], 'tiles.tail')],
    { axis: 0 },
    { name: 'tiles/out_shape' },
  );
  g.output(g.op('Reshape', [proj, shape], {}, { name: 'tiles/features' }), 'image_features', 'float32', [
    'batch_size',
    'num_image_tokens',
    textHidden,
  ]);
  return g;
}

/** Image features (= image tokens in the prompt) per image. */
export const imageTokenCount = (s: Size, merge = 1) => (s.imageSize / s.patchSize / merge) ** 2;
