import type { GraphBuilder } from './graph.ts';

/**
 * Transformer building blocks over GraphBuilder. Activations are float32 with dynamic batch and
 * sequence dims; weights are seeded by their names, so the same names give the same model.
 */

/** x @ W (+ b), W of shape [inDim, outDim]. */
export function linear(
  g: GraphBuilder,
  x: string,
  inDim: number,
  outDim: number,
  name: string,
  opts: { bias?: boolean; std?: number } = {},
): string {
  const w = g.param(`${name}.weight`, [inDim, outDim], {
    std: opts.std ?? 0.02 * Math.sqrt(64 / Math.max(inDim, 1)) * 4,
  });
  const y = g.op('MatMul', [x, w], {}, { name: `${name}/matmul` });
  if (opts.bias === false) return y;
  const b = g.param(`${name}.bias`, [outDim], { std: 0.02 });
  return g.op('Add', [y, b], {}, { name: `${name}/bias` });
}

export function layerNorm(g: GraphBuilder, x: string, dim: number, name: string, eps = 1e-12): string {
  const scale = g.param(`${name}.weight`, [dim], { init: 'uniform', scale: 0.1 });
  const one = g.scalarFloat(1, `${name}.one`);
  const gamma = g.op('Add', [scale, one], {}, { name: `${name}/gamma` });
  const beta = g.param(`${name}.bias`, [dim], { std: 0.02 });
  return g.op('LayerNormalization', [x, gamma, beta], { axis: -1, epsilon: { float: eps } }, { name });
}

/** RMSNorm composed from primitives (RMSNormalization is only in opset 23). */
export function rmsNorm(g: GraphBuilder, x: string, dim: number, name: string, eps = 1e-6): string {
  const sq = g.op('Mul', [x, x], {}, { name: `${name}/sq` });
  const mean = g.op('ReduceMean', [sq], { axes: [-1], keepdims: 1 }, { name: `${name}/mean` });
  const eq = g.op('Add', [mean, g.scalarFloat(eps, `${name}.eps`)], {}, { name: `${name}/eps` });
  const inv = g.op('Reciprocal', [g.op('Sqrt', [eq], {}, { name: `${name}/sqrt` })], {}, { name: `${name}/inv` });
  const normed = g.op('Mul', [x, inv], {}, { name: `${name}/normed` });
  const w = g.param(`${name}.weight`, [dim], { init: 'uniform', scale: 0.1 });
  const gamma = g.op('Add', [w, g.scalarFloat(1, `${name}.one`)], {}, { name: `${name}/gamma` });
  return g.op('Mul', [normed, gamma], {}, { name });
}

/** GELU (erf form), composed so it works at opset 17. */
export function gelu(g: GraphBuilder, x: string, name = 'gelu'): string {
  const scaled = g.op('Mul', [x, g.scalarFloat(Math.SQRT1_2, `${name}.rsqrt2`)], {}, { name: `${name}/scale` });
  const erf = g.op('Erf', [scaled], {}, { name: `${name}/erf` });
  const onePlus = g.op('Add', [erf, g.scalarFloat(1, `${name}.one`)], {}, { name: `${name}/one_plus` });
  const half = g.op('Mul', [x, g.scalarFloat(0.5, `${name}.half`)], {}, { name: `${name}/half` });
  return g.op('Mul', [half, onePlus], {}, { name });
}

export function silu(g: GraphBuilder, x: string, name = 'silu'): string {
  return g.op('Mul', [x, g.op('Sigmoid', [x], {}, { name: `${name}/sigmoid` })], {}, { name });
}

/** [b, s, heads*headDim] -> [b, heads, s, headDim]. */
export function splitHeads(g: GraphBuilder, x: string, heads: number, headDim: number, name: string): string {
  const shape = g.constInt64([0, 0, heads, headDim], `${name}.shape`);
  const r = g.op('Reshape', [x, shape], {}, { name: `${name}/reshape` });
  return g.op('Transpose', [r], { perm: [0, 2, 1, 3] }, { name: `${name}/transpose` });
}

/** [b, heads, s, headDim] -> [b, s, heads*headDim]. */
export function mergeHeads(g: GraphBuilder, x: string, hidden: number, name: string): string {
  const t = g.op('Transpose', [x], { perm: [0, 2, 1, 3] }, { name: `${name}/transpose` });
  return g.op('Reshape', [t, g.constInt64([0, 0, hidden], `${name}.shape`)], {}, { name: `${name}/reshape` });
}

/**
 * Additive attention bias [b, 1, 1, s] from an int64 mask [b, s]: 0 where attended, a large
 * negative number where masked.
 */
export function paddingBias(g: GraphBuilder, mask: string, name = 'mask_bias'): string {
  const f = g.op('Cast', [mask], { to: 1 }, { name: `${name}/cast` });
  const inv = g.op('Sub', [g.scalarFloat(1, `${name}.one`), f], {}, { name: `${name}/invert` });
  const neg = g.op('Mul', [inv, g.scalarFloat(-1e9, `${name}.neg`)], {}, { name: `${name}/neg` });
  return g.op('Unsqueeze', [neg, g.constInt64([1, 2], `${name}.axes`)], {}, { name });
}

/**
 * Scaled dot-product attention over already split heads: q [b,h,sq,d], k/v [b,h,sk,d], an
 * optional additive bias broadcastable to [b,h,sq,sk]. Returns [b,h,sq,d].
 */
export function scaledDotProduct(
  g: GraphBuilder,
  q: string,
  k: string,
  v: string,
  headDim: number,
  name: string,
  bias?: string,
): string {
  const kt = g.op('Transpose', [k], { perm: [0, 1, 3, 2] }, { name: `${name}/kt` });
  const scores = g.op('MatMul', [q, kt], {}, { name: `${name}/scores` });
  let s = g.op('Mul', [scores, g.scalarFloat(1 / Math.sqrt(headDim), `${name}.scale`)], {}, { name: `${name}/scaled` });
  if (bias) s = g.op('Add', [s, bias], {}, { name: `${name}/biased` });
  const p = g.op('Softmax', [s], { axis: -1 }, { name: `${name}/softmax` });
  return g.op('MatMul', [p, v], {}, { name: `${name}/context` });
}

/** Bidirectional multi-head self-attention (encoders). */
export function selfAttention(
  g: GraphBuilder,
  x: string,
  hidden: number,
  heads: number,
  name: string,
  bias?: string,
): string {
  const headDim = hidden / heads;
  const q = splitHeads(g, linear(g, x, hidden, hidden, `${name}.query`), heads, headDim, `${name}.q`);
  const k = splitHeads(g, linear(g, x, hidden, hidden, `${name}.key`), heads, headDim, `${name}.k`);
  const v = splitHeads(g, linear(g, x, hidden, hidden, `${name}.value`), heads, headDim, `${name}.v`);
  const ctx = scaledDotProduct(g, q, k, v, headDim, name, bias);
  return linear(g, mergeHeads(g, ctx, hidden, `${name}.merge`), hidden, hidden, `${name}.output`);
}

/** Position ids 0..s-1 (plus `offset`) as [1, s], derived from a [b, s] input's shape. */
export function positionRange(g: GraphBuilder, like: string, name = 'positions', offset = 0): string {
  const shape = g.op('Shape', [like], {}, { name: `${name}/shape` });
  const len = g.op('Gather', [shape, g.scalarInt64(1, `${name}.axis1`)], { axis: 0 }, { name: `${name}/len` });
  const start = g.scalarInt64(offset, `${name}.start`);
  const end = g.op('Add', [len, start], {}, { name: `${name}/end` });
  const range = g.op('Range', [start, end, g.scalarInt64(1, `${name}.step`)], {}, { name: `${name}/range` });
  return g.op('Unsqueeze', [range, g.constInt64([0], `${name}.axes`)], {}, { name });
}

/** An embedding lookup: table [rows, dim] gathered by int64 ids. */
export function embedding(g: GraphBuilder, ids: string, rows: number, dim: number, name: string): string {
  const table = g.param(`${name}.weight`, [rows, dim], { std: 0.5 });
  return g.op('Gather', [table, ids], { axis: 0 }, { name });
}

/** Feed-forward block: linear -> activation -> linear. */
export function mlp(
  g: GraphBuilder,
  x: string,
  hidden: number,
  inner: number,
  name: string,
  act: 'gelu' | 'relu' | 'silu' = 'gelu',
): string {
  const up = linear(g, x, hidden, inner, `${name}.up`);
  const a =
    act === 'gelu'
      ? gelu(g, up, `${name}.act`)
      : act === 'silu'
        ? silu(g, up, `${name}.act`)
        : g.op('Relu', [up], {}, { name: `${name}.act` });
  return linear(g, a, inner, hidden, `${name}.down`);
}
