import type { GraphBuilder } from './graph.ts';
import { gelu, layerNorm, linear, mlp, selfAttention } from './nn.ts';

/**
 * Vision building blocks over GraphBuilder: NCHW float32 feature maps with dynamic batch,
 * height and width (so any processor output size runs), weights seeded by their names.
 */

export type VisionAct = 'relu' | 'gelu' | 'silu' | 'hardswish' | 'none';

export function activation(g: GraphBuilder, x: string, act: VisionAct, name: string): string {
  if (act === 'none') return x;
  if (act === 'relu') return g.op('Relu', [x], {}, { name });
  if (act === 'gelu') return gelu(g, x, name);
  if (act === 'hardswish') return g.op('HardSwish', [x], {}, { name });
  return g.op('Mul', [x, g.op('Sigmoid', [x], {}, { name: `${name}/sigmoid` })], {}, { name });
}

/** A 2-D convolution [b, inC, H, W] -> [b, outC, H/stride, W/stride] with "same" padding. */
export function conv2d(
  g: GraphBuilder,
  x: string,
  inC: number,
  outC: number,
  kernel: number,
  name: string,
  opts: { stride?: number; groups?: number; bias?: boolean; pad?: number; std?: number } = {},
): string {
  const groups = opts.groups ?? 1;
  const fanIn = (inC / groups) * kernel * kernel;
  const w = g.param(`${name}.weight`, [outC, inC / groups, kernel, kernel], { std: opts.std ?? Math.sqrt(2 / fanIn) });
  const inputs = [x, w];
  if (opts.bias !== false) inputs.push(g.param(`${name}.bias`, [outC], { std: 0.02 }));
  const pad = opts.pad ?? Math.floor(kernel / 2);
  return g.op(
    'Conv',
    inputs,
    {
      kernel_shape: [kernel, kernel],
      strides: [opts.stride ?? 1, opts.stride ?? 1],
      pads: [pad, pad, pad, pad],
      group: groups,
    },
    { name },
  );
}

/** Conv + inference-time batch norm (a per-channel affine) + activation. */
export function convNormAct(
  g: GraphBuilder,
  x: string,
  inC: number,
  outC: number,
  kernel: number,
  name: string,
  opts: { stride?: number; groups?: number; act?: VisionAct } = {},
): string {
  const c = conv2d(g, x, inC, outC, kernel, `${name}.conv`, { ...opts, bias: false });
  const scale = g.param(`${name}.norm.weight`, [outC], { init: 'uniform', scale: 0.1 });
  const gamma = g.op('Add', [scale, g.scalarFloat(1, `${name}.norm.one`)], {}, { name: `${name}.norm/gamma` });
  const beta = g.param(`${name}.norm.bias`, [outC], { std: 0.02 });
  const mean = g.tensor(`${name}.norm.running_mean`, { type: 'float32', dims: [outC], data: new Float32Array(outC) });
  const variance = g.tensor(`${name}.norm.running_var`, {
    type: 'float32',
    dims: [outC],
    data: new Float32Array(outC).fill(1),
  });
  const n = g.op(
    'BatchNormalization',
    [c, gamma, beta, mean, variance],
    { epsilon: { float: 1e-5 } },
    { name: `${name}.norm` },
  );
  return activation(g, n, opts.act ?? 'relu', `${name}.act`);
}

/** Residual block: two 3x3 conv-norm layers with a skip (1x1 projection where channels or stride change). */
export function residualBlock(
  g: GraphBuilder,
  x: string,
  inC: number,
  outC: number,
  name: string,
  opts: { stride?: number; act?: VisionAct } = {},
): string {
  const stride = opts.stride ?? 1;
  const a = convNormAct(g, x, inC, outC, 3, `${name}.conv1`, { stride, act: opts.act });
  const b = convNormAct(g, a, outC, outC, 3, `${name}.conv2`, { act: 'none' });
  const skip =
    inC === outC && stride === 1 ? x : convNormAct(g, x, inC, outC, 1, `${name}.shortcut`, { stride, act: 'none' });
  return activation(g, g.op('Add', [b, skip], {}, { name: `${name}/add` }), opts.act ?? 'relu', `${name}.out_act`);
}

/** Depthwise-separable block (MobileNet style): depthwise 3x3 then pointwise 1x1. */
export function depthwiseSeparable(
  g: GraphBuilder,
  x: string,
  inC: number,
  outC: number,
  name: string,
  opts: { stride?: number; act?: VisionAct } = {},
): string {
  const dw = convNormAct(g, x, inC, inC, 3, `${name}.depthwise`, { stride: opts.stride, groups: inC, act: opts.act });
  return convNormAct(g, dw, inC, outC, 1, `${name}.pointwise`, { act: opts.act });
}

/** Non-overlapping patches: a Conv with kernel = stride = patch, [b, C, H, W] -> [b, hidden, H/p, W/p]. */
export function patchEmbed(
  g: GraphBuilder,
  pixels: string,
  inC: number,
  hidden: number,
  patch: number,
  name = 'embeddings.patch_embeddings',
): string {
  return conv2d(g, pixels, inC, hidden, patch, `${name}.projection`, {
    stride: patch,
    pad: 0,
    std: (0.5 / Math.sqrt(inC * patch * patch)) * 4,
  });
}

/**
 * Position information that works for any grid size: a depthwise 3x3 conv of the feature map
 * added to it (conditional position encoding), instead of a table fixed to one image size.
 */
export function convPosition(g: GraphBuilder, fmap: string, channels: number, name = 'embeddings.position'): string {
  return g.op(
    'Add',
    [fmap, conv2d(g, fmap, channels, channels, 3, name, { groups: channels })],
    {},
    { name: `${name}/add` },
  );
}

/** [b, C, h, w] -> [b, h*w, C]. */
export function flattenPatches(g: GraphBuilder, fmap: string, name = 'flatten'): string {
  const flat = g.op('Reshape', [fmap, g.constInt64([0, 0, -1], `${name}.shape`)], {}, { name: `${name}/reshape` });
  return g.op('Transpose', [flat], { perm: [0, 2, 1] }, { name });
}

/** [b, N, C] tokens back to a [b, C, h, w] map, with h and w taken from `like` (a [b, *, h, w] map). */
export function unflattenTokens(
  g: GraphBuilder,
  tokens: string,
  like: string,
  channels: number,
  name = 'unflatten',
): string {
  const t = g.op('Transpose', [tokens], { perm: [0, 2, 1] }, { name: `${name}/transpose` });
  const hw = g.op(
    'Slice',
    [
      g.op('Shape', [like], {}, { name: `${name}/shape` }),
      g.constInt64([2], `${name}.start`),
      g.constInt64([4], `${name}.end`),
    ],
    {},
    { name: `${name}/hw` },
  );
  const shape = g.op(
    'Concat',
    [g.constInt64([0, channels], `${name}.bc`), hw],
    { axis: 0 },
    { name: `${name}/target` },
  );
  return g.op('Reshape', [t, shape], {}, { name });
}

/** Learned tokens (CLS, distillation, registers) in front of a [b, N, C] sequence. */
export function prependTokens(
  g: GraphBuilder,
  tokens: string,
  hidden: number,
  count: number,
  name = 'embeddings.cls_token',
): string {
  const learned = g.param(name, [1, count, hidden], { std: 0.5 });
  const batch = g.op(
    'Slice',
    [
      g.op('Shape', [tokens], {}, { name: `${name}/shape` }),
      g.constInt64([0], `${name}.s0`),
      g.constInt64([1], `${name}.s1`),
    ],
    {},
    { name: `${name}/batch` },
  );
  const target = g.op('Concat', [batch, g.constInt64([1, 1], `${name}.ones`)], { axis: 0 }, { name: `${name}/target` });
  const expanded = g.op('Expand', [learned, target], {}, { name: `${name}/expand` });
  return g.op('Concat', [expanded, tokens], { axis: 1 }, { name: `${name}/concat` });
}

/** Tokens [start, end) of a [b, N, C] sequence along N. */
export function sliceTokens(g: GraphBuilder, tokens: string, start: number, end: number, name: string): string {
  return g.op(
    'Slice',
    [
      tokens,
      g.constInt64([start], `${name}.start`),
      g.constInt64([end], `${name}.end`),
      g.constInt64([1], `${name}.axis`),
    ],
    {},
    { name },
  );
}

/** Global average pool of a [b, C, h, w] map to [b, C]. */
export function globalAvgPool(g: GraphBuilder, fmap: string, name = 'pooler'): string {
  const p = g.op('GlobalAveragePool', [fmap], {}, { name: `${name}/gap` });
  return g.op('Flatten', [p], { axis: 1 }, { name });
}

/** Mean over the token axis of [b, N, C] -> [b, C]. */
export function meanTokens(g: GraphBuilder, tokens: string, name = 'pooler'): string {
  return g.op('ReduceMean', [tokens], { axes: [1], keepdims: 0 }, { name });
}

/** [b, C] features -> [b, numLabels] logits. */
export function classificationHead(
  g: GraphBuilder,
  features: string,
  inDim: number,
  numLabels: number,
  name = 'classifier',
): string {
  return linear(g, features, inDim, numLabels, name, { std: (1 / Math.sqrt(inDim)) * 2 });
}

/** Resizes a [b, C, h, w] map to the spatial size of `like` ([b, *, H, W]) by bilinear interpolation. */
export function resizeLike(g: GraphBuilder, fmap: string, like: string, name = 'resize'): string {
  const hw = g.op(
    'Slice',
    [
      g.op('Shape', [like], {}, { name: `${name}/like_shape` }),
      g.constInt64([2], `${name}.start`),
      g.constInt64([4], `${name}.end`),
    ],
    {},
    { name: `${name}/hw` },
  );
  const bc = g.op(
    'Slice',
    [
      g.op('Shape', [fmap], {}, { name: `${name}/shape` }),
      g.constInt64([0], `${name}.bc0`),
      g.constInt64([2], `${name}.bc1`),
    ],
    {},
    { name: `${name}/bc` },
  );
  const sizes = g.op('Concat', [bc, hw], { axis: 0 }, { name: `${name}/sizes` });
  return g.op('Resize', [fmap, '', '', sizes], { mode: 'linear' }, { name });
}

/** Resizes a [b, C, h, w] map by an integer factor (bilinear). */
export function upsample(g: GraphBuilder, fmap: string, factor: number, name = 'upsample'): string {
  return g.op(
    'Resize',
    [fmap, '', g.constFloat([1, 1, factor, factor], `${name}.scales`)],
    { mode: 'linear' },
    { name },
  );
}

/** A pre-norm transformer layer over [b, N, C] tokens (ViT style): x + attn(ln(x)), then x + mlp(ln(x)). */
export function vitLayer(
  g: GraphBuilder,
  x: string,
  hidden: number,
  heads: number,
  inner: number,
  name: string,
  eps = 1e-12,
): string {
  const a = selfAttention(
    g,
    layerNorm(g, x, hidden, `${name}.layernorm_before`, eps),
    hidden,
    heads,
    `${name}.attention`,
  );
  const h = g.op('Add', [x, a], {}, { name: `${name}/attn_residual` });
  return g.op(
    'Add',
    [h, mlp(g, layerNorm(g, h, hidden, `${name}.layernorm_after`, eps), hidden, inner, `${name}.mlp`)],
    {},
    { name: `${name}/mlp_residual` },
  );
}
