import type { GraphBuilder } from './graph.ts';
import { embedding, layerNorm, mlp, paddingBias, positionRange, selfAttention } from './nn.ts';
import { patchEmbed, prependTokens, vitLayer } from './nn-vision.ts';

/**
 * Blocks for multimodal models: a ViT-style image tower (Conv patch embedding), a text tower
 * with causal or bidirectional attention, pooling, a contrastive head and a patch merger. The
 * language-model sides (decoders over `inputs_embeds` with caches) are in nn-multimodal-decoders.ts.
 */

export interface TowerDims {
  hidden: number;
  layers: number;
  heads: number;
  inner: number;
}

export interface ImageTowerDims extends TowerDims {
  channels: number;
  imageSize: number;
  patchSize: number;
}

/** Pre-LN transformer layer: x + attn(LN x), then + mlp(LN x). */
export function preNormLayer(
  g: GraphBuilder,
  x: string,
  d: TowerDims,
  name: string,
  bias?: string,
  eps = 1e-5,
): string {
  const a = selfAttention(g, layerNorm(g, x, d.hidden, `${name}.ln1`, eps), d.hidden, d.heads, `${name}.attn`, bias);
  const h = g.op('Add', [x, a], {}, { name: `${name}/res1` });
  return g.op(
    'Add',
    [h, mlp(g, layerNorm(g, h, d.hidden, `${name}.ln2`, eps), d.hidden, d.inner, `${name}.mlp`)],
    {},
    { name: `${name}/res2` },
  );
}

/** Number of patch tokens an image tower makes (without a class token). */
export const patchCount = (d: ImageTowerDims) => Math.floor(d.imageSize / d.patchSize) ** 2;

/**
 * ViT image tower over `pixel_values` [b, c, H, W]: Conv patch embedding, optional class token,
 * learned positions, pre-LN layers, final LN. Returns hidden states [b, tokens, hidden].
 */
export function imageTower(
  g: GraphBuilder,
  pixels: string,
  d: ImageTowerDims,
  name: string,
  opts: { classToken?: boolean } = {},
): string {
  // Explicit [0, hidden, patches] (not -1) so a zero-size image batch (JinaCLIP's text-only calls) still reshapes.
  const fmap = patchEmbed(g, pixels, d.channels, d.hidden, d.patchSize, `${name}.patch`);
  const flat = g.op(
    'Reshape',
    [fmap, g.constInt64([0, d.hidden, patchCount(d)], `${name}.flat_shape`)],
    {},
    { name: `${name}/flat` },
  );
  let x = g.op('Transpose', [flat], { perm: [0, 2, 1] }, { name: `${name}/tokens` });
  if (opts.classToken) x = prependTokens(g, x, d.hidden, 1, `${name}.class_embedding`);
  const tokens = patchCount(d) + (opts.classToken ? 1 : 0);
  x = g.op(
    'Add',
    [x, g.param(`${name}.position_embedding`, [1, tokens, d.hidden], { std: 0.5 })],
    {},
    { name: `${name}/pos` },
  );
  x = layerNorm(g, x, d.hidden, `${name}.pre_ln`, 1e-5);
  for (let l = 0; l < d.layers; l++) x = vitLayer(g, x, d.hidden, d.heads, d.inner, `${name}.layer${l}`, 1e-5);
  return layerNorm(g, x, d.hidden, `${name}.post_ln`, 1e-5);
}

/** Additive causal bias [1, 1, s, s] for a [b, s] input: 0 on and below the diagonal, -1e9 above. */
export function squareCausalBias(g: GraphBuilder, like: string, name = 'causal'): string {
  const shape = g.op('Shape', [like], {}, { name: `${name}/shape` });
  const s = g.op(
    'Slice',
    [shape, g.constInt64([1], `${name}.s1`), g.constInt64([2], `${name}.s2`)],
    {},
    { name: `${name}/len` },
  );
  const ss = g.op('Concat', [s, s], { axis: 0 }, { name: `${name}/ss` });
  const ones = g.op(
    'ConstantOfShape',
    [ss],
    { value: { tensor: { type: 'float32', dims: [1], data: Float32Array.from([1]) } } },
    { name: `${name}/ones` },
  );
  const upper = g.op('Trilu', [ones, g.scalarInt64(1, `${name}.k`)], { upper: 1 }, { name: `${name}/upper` });
  const neg = g.op('Mul', [upper, g.scalarFloat(-1e9, `${name}.neg`)], {}, { name: `${name}/neg` });
  return g.op('Unsqueeze', [neg, g.constInt64([0, 1], `${name}.axes`)], {}, { name });
}

/**
 * Text tower over `input_ids` [b, s] (+ `attention_mask`): token + learned position embeddings,
 * pre-LN layers (causal when asked, as CLIP's text model is), final LN. Returns [b, s, hidden].
 */
export function textTower(
  g: GraphBuilder,
  ids: string,
  mask: string | undefined,
  d: TowerDims & { vocab: number; maxPos: number },
  name: string,
  opts: { causal?: boolean } = {},
): string {
  let x = g.op(
    'Add',
    [
      embedding(g, ids, d.vocab, d.hidden, `${name}.token`),
      embedding(g, positionRange(g, ids, `${name}.positions`), d.maxPos, d.hidden, `${name}.position`),
    ],
    {},
    { name: `${name}/embed` },
  );
  let bias = mask ? paddingBias(g, mask, `${name}.mask_bias`) : undefined;
  if (opts.causal) {
    const c = squareCausalBias(g, ids, `${name}.causal`);
    bias = bias ? g.op('Add', [bias, c], {}, { name: `${name}/bias` }) : c;
  }
  for (let l = 0; l < d.layers; l++) x = preNormLayer(g, x, d, `${name}.layer${l}`, bias);
  return layerNorm(g, x, d.hidden, `${name}.final_ln`, 1e-5);
}

/** Row r of `hidden` [b, s, h] at position index[r] ([b] int64): a one-hot matmul, [b, h]. */
export function gatherRows(g: GraphBuilder, hidden: string, index: string, like: string, name: string): string {
  const positions = g.op(
    'Squeeze',
    [positionRange(g, like, `${name}.range`), g.constInt64([0], `${name}.sq`)],
    {},
    { name: `${name}/positions` },
  );
  const hit = g.op(
    'Equal',
    [g.op('Unsqueeze', [index, g.constInt64([1], `${name}.ax`)], {}, { name: `${name}/idx` }), positions],
    {},
    { name: `${name}/hit` },
  );
  const onehot = g.op(
    'Unsqueeze',
    [g.op('Cast', [hit], { to: 1 }, { name: `${name}/cast` }), g.constInt64([1], `${name}.ax1`)],
    {},
    { name: `${name}/onehot` },
  );
  const picked = g.op('MatMul', [onehot, hidden], {}, { name: `${name}/pick` });
  return g.op('Squeeze', [picked, g.constInt64([1], `${name}.sq1`)], {}, { name });
}

/** The hidden state of each row's last real token (mask sum - 1): CLIP's end-of-text pooling. */
export function lastRealTokenPool(g: GraphBuilder, hidden: string, mask: string, name = 'pool'): string {
  const len = g.op('ReduceSum', [mask, g.constInt64([1], `${name}.axis`)], { keepdims: 0 }, { name: `${name}/len` });
  const last = g.op('Sub', [len, g.scalarInt64(1, `${name}.one`)], {}, { name: `${name}/last` });
  return gatherRows(g, hidden, last, mask, name);
}

/** Position 0 of [b, s, h] as [b, h] (class-token pooling). */
export function firstTokenPool(g: GraphBuilder, hidden: string, name = 'cls_pool'): string {
  return g.op('Gather', [hidden, g.scalarInt64(0, `${name}.idx`)], { axis: 1 }, { name });
}

/** x / ||x|| over the last axis. */
export function l2Normalize(g: GraphBuilder, x: string, name: string): string {
  const n = g.op('ReduceL2', [x], { axes: [-1], keepdims: 1 }, { name: `${name}/norm` });
  return g.op('Div', [x, n], {}, { name });
}

/**
 * Contrastive head of a dual encoder: normalized embeddings, logits_per_image = scale *
 * image @ text^T (+ bias, SigLIP) and logits_per_text = its transpose. Declares the four outputs
 * (named for `modality`: CLAP's are logits_per_audio / audio_embeds).
 */
export function contrastiveOutputs(
  g: GraphBuilder,
  imageEmbeds: string,
  textEmbeds: string,
  projection: number,
  opts: { logitScale: number; logitBias?: number; modality?: 'image' | 'audio' },
): void {
  const m = opts.modality ?? 'image';
  const img = l2Normalize(g, imageEmbeds, 'image_norm');
  const txt = l2Normalize(g, textEmbeds, 'text_norm');
  const scale = g.op('Exp', [g.scalarFloat(opts.logitScale, 'logit_scale')], {}, { name: 'logit_scale/exp' });
  let logits = g.op(
    'Mul',
    [
      g.op('MatMul', [img, g.op('Transpose', [txt], { perm: [1, 0] }, { name: 'text_t' })], {}, { name: 'similarity' }),
      scale,
    ],
    {},
    { name: 'scaled' },
  );
  if (opts.logitBias !== undefined)
    logits = g.op('Add', [logits, g.scalarFloat(opts.logitBias, 'logit_bias')], {}, { name: 'biased' });
  g.output(logits, `logits_per_${m}`, 'float32', [`${m}_batch_size`, 'text_batch_size']);
  g.output(g.op('Transpose', [logits], { perm: [1, 0] }, { name: 'per_text' }), 'logits_per_text', 'float32', [
    'text_batch_size',
    `${m}_batch_size`,
  ]);
  g.output(txt, 'text_embeds', 'float32', ['text_batch_size', projection]);
  g.output(img, `${m}_embeds`, 'float32', [`${m}_batch_size`, projection]);
}

/**
 * Pixtral / Mistral 3 patch merger layout: tokens of a grid x grid image [b, grid*grid, d] ->
 * [b, (grid/merge)^2, merge*merge*d], each output token holding one merge x merge block.
 */
export function spatialMerge(g: GraphBuilder, x: string, grid: number, merge: number, d: number, name: string): string {
  const out = grid / merge;
  const r = g.op(
    'Reshape',
    [x, g.constInt64([0, out, merge, out, merge, d], `${name}.split`)],
    {},
    { name: `${name}/split` },
  );
  const t = g.op('Transpose', [r], { perm: [0, 1, 3, 2, 4, 5] }, { name: `${name}/blocks` });
  return g.op('Reshape', [t, g.constInt64([0, out * out, merge * merge * d], `${name}.merged`)], {}, { name });
}
