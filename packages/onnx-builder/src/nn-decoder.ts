import type { GraphBuilder } from './graph.ts';
import { gelu, linear, rmsNorm, silu } from './nn.ts';

/**
 * Causal-decoder building blocks: causal + padding masks over past and new keys, in-graph
 * position ids, rotary embeddings (full or partial), ALiBi, grouped/multi-query attention with
 * a KV cache, and gated MLPs. Tensors follow the layout transformers.js feeds decoder exports:
 * caches [batch, kv_heads, past_len, head_dim], masks [batch, past_len + new_len].
 */

const NEG = -1e9;
const I64_MAX = 9_007_199_254_740_991;

/** Scalar int64 of dim `axis` of `x`'s shape. */
export function dimOf(g: GraphBuilder, x: string, axis: number, name: string): string {
  const shape = g.op('Shape', [x], {}, { name: `${name}/shape` });
  return g.op('Gather', [shape, g.scalarInt64(axis, `${name}.axis`)], { axis: 0 }, { name });
}

/** The last `n` (scalar int64) positions of `x` along `axis`. */
export function lastN(g: GraphBuilder, x: string, n: string, axis: number, name: string): string {
  const start = g.op(
    'Unsqueeze',
    [g.op('Neg', [n], {}, { name: `${name}/neg` }), g.constInt64([0], `${name}.ax0`)],
    {},
    { name: `${name}/start` },
  );
  return g.op(
    'Slice',
    [x, start, g.constInt64([I64_MAX], `${name}.end`), g.constInt64([axis], `${name}.axes`)],
    {},
    { name },
  );
}

export interface CausalContext {
  /** Additive bias [b, 1, s, total]: 0 where a query may attend a key, large negative elsewhere. */
  bias: string;
  /** Number of new tokens (scalar int64). */
  newLen: string;
  /** The int64 attention mask over past + new tokens, [b, total]. */
  mask: string;
}

/**
 * Causal + padding bias from `attention_mask` [b, total] and `input_ids` [b, s]: query i (at
 * absolute position total - s + i) sees key j when j <= that position and mask[j] = 1.
 */
export function causalBias(g: GraphBuilder, inputIds: string, mask: string, name = 'causal'): CausalContext {
  const total = dimOf(g, mask, 1, `${name}.total`);
  const newLen = dimOf(g, inputIds, 1, `${name}.new`);
  const past = g.op('Sub', [total, newLen], {}, { name: `${name}/past` });
  const one = g.scalarInt64(1, `${name}.one`);
  const qpos = g.op('Range', [past, total, one], {}, { name: `${name}/qpos` });
  const kpos = g.op('Range', [g.scalarInt64(0, `${name}.zero`), total, one], {}, { name: `${name}/kpos` });
  const q2 = g.op('Unsqueeze', [qpos, g.constInt64([1], `${name}.ax1`)], {}, { name: `${name}/q2` });
  const k2 = g.op('Unsqueeze', [kpos, g.constInt64([0], `${name}.ax0`)], {}, { name: `${name}/k2` });
  const causal = g.op('LessOrEqual', [k2, q2], {}, { name: `${name}/allowed` });
  const causal4 = g.op('Unsqueeze', [causal, g.constInt64([0, 1], `${name}.ax01`)], {}, { name: `${name}/allowed4` });
  const keep = g.op('Cast', [mask], { to: 9 }, { name: `${name}/mask_bool` });
  const keep4 = g.op('Unsqueeze', [keep, g.constInt64([1, 2], `${name}.ax12`)], {}, { name: `${name}/mask4` });
  const both = g.op('And', [causal4, keep4], {}, { name: `${name}/both` });
  const bias = g.op(
    'Where',
    [both, g.scalarFloat(0, `${name}.zero_f`), g.scalarFloat(NEG, `${name}.neg`)],
    {},
    { name },
  );
  return { bias, newLen, mask };
}

/**
 * Position ids from the attention mask, as transformers.js makes them (cumsum - 1, padding at
 * 1), for the last `newLen` tokens, plus `offset` (OPT's learned positions start at 2): [b, s].
 */
export function positionsFromMask(g: GraphBuilder, ctx: CausalContext, name = 'positions', offset = 0): string {
  const cum = g.op('CumSum', [ctx.mask, g.scalarInt64(1, `${name}.axis`)], {}, { name: `${name}/cumsum` });
  const pos = g.op('Sub', [cum, g.scalarInt64(1, `${name}.one`)], {}, { name: `${name}/minus1` });
  const isPad = g.op('Equal', [ctx.mask, g.scalarInt64(0, `${name}.zero`)], {}, { name: `${name}/is_pad` });
  const filled = g.op('Where', [isPad, g.scalarInt64(1, `${name}.pad_pos`), pos], {}, { name: `${name}/filled` });
  const last = lastN(g, filled, ctx.newLen, 1, `${name}/last`);
  return offset ? g.op('Add', [last, g.scalarInt64(offset, `${name}.offset`)], {}, { name }) : last;
}

/** ALiBi bias [b, heads, 1, total]: slope_h * (position of key j among unpadded keys). */
export function alibiBias(g: GraphBuilder, ctx: CausalContext, heads: number, name = 'alibi'): string {
  const slopes = Array.from({ length: heads }, (_, h) => 2 ** ((-8 / heads) * (h + 1)));
  const cum = g.op('CumSum', [ctx.mask, g.scalarInt64(1, `${name}.axis`)], {}, { name: `${name}/cumsum` });
  const pos = g.op(
    'Mul',
    [g.op('Sub', [cum, g.scalarInt64(1, `${name}.one`)], {}, { name: `${name}/minus1` }), ctx.mask],
    {},
    { name: `${name}/masked` },
  );
  const posF = g.op(
    'Unsqueeze',
    [g.op('Cast', [pos], { to: 1 }, { name: `${name}/float` }), g.constInt64([1, 2], `${name}.ax12`)],
    {},
    { name: `${name}/pos4` },
  );
  return g.op('Mul', [posF, g.constFloat(slopes, `${name}.slopes`, [1, heads, 1, 1])], {}, { name });
}

export interface Rotary {
  cos: string;
  sin: string;
  /** Leading dims of each head that rotate (the rest pass through). */
  dim: number;
}

/** cos/sin tables [b, 1, s, dim] for int64 positions [b, s]. */
export function rotaryTables(g: GraphBuilder, positions: string, dim: number, theta = 10000, name = 'rope'): Rotary {
  const inv = Array.from({ length: dim / 2 }, (_, i) => 1 / theta ** ((2 * i) / dim));
  const pos = g.op(
    'Unsqueeze',
    [g.op('Cast', [positions], { to: 1 }, { name: `${name}/float` }), g.constInt64([2], `${name}.ax2`)],
    {},
    { name: `${name}/pos3` },
  );
  const freqs = g.op('Mul', [pos, g.constFloat(inv, `${name}.inv_freq`)], {}, { name: `${name}/freqs` });
  const emb = g.op('Concat', [freqs, freqs], { axis: -1 }, { name: `${name}/emb` });
  const emb4 = g.op('Unsqueeze', [emb, g.constInt64([1], `${name}.ax1`)], {}, { name: `${name}/emb4` });
  return {
    cos: g.op('Cos', [emb4], {}, { name: `${name}/cos` }),
    sin: g.op('Sin', [emb4], {}, { name: `${name}/sin` }),
    dim,
  };
}

/** Applies rotary embeddings (rotate-half form) to [b, h, s, headDim], on the first `rope.dim` dims. */
export function applyRotary(g: GraphBuilder, x: string, rope: Rotary, headDim: number, name: string): string {
  const [rot, pass] =
    rope.dim < headDim
      ? g.opN(
          'Split',
          [x, g.constInt64([rope.dim, headDim - rope.dim], `${name}.split`)],
          2,
          { axis: -1 },
          { name: `${name}/split` },
        )
      : [x, undefined];
  const half = rope.dim / 2;
  const [x1, x2] = g.opN(
    'Split',
    [rot!, g.constInt64([half, half], `${name}.halves`)],
    2,
    { axis: -1 },
    { name: `${name}/halves` },
  );
  const rotated = g.op(
    'Concat',
    [g.op('Neg', [x2!], {}, { name: `${name}/neg` }), x1!],
    { axis: -1 },
    { name: `${name}/rotate_half` },
  );
  const out = g.op(
    'Add',
    [
      g.op('Mul', [rot!, rope.cos], {}, { name: `${name}/cos` }),
      g.op('Mul', [rotated, rope.sin], {}, { name: `${name}/sin` }),
    ],
    {},
    { name: `${name}/rotated` },
  );
  return pass ? g.op('Concat', [out, pass], { axis: -1 }, { name }) : out;
}

/** [b, s, heads*d] -> [b, heads, s, d]. */
function heads4(g: GraphBuilder, x: string, heads: number, d: number, name: string): string {
  const r = g.op('Reshape', [x, g.constInt64([0, 0, heads, d], `${name}.shape`)], {}, { name: `${name}/reshape` });
  return g.op('Transpose', [r], { perm: [0, 2, 1, 3] }, { name });
}

/** Repeats kv heads for grouped-query attention: [b, kvh, T, d] -> [b, kvh*rep, T, d]. */
export function repeatKv(g: GraphBuilder, x: string, kvHeads: number, rep: number, d: number, name: string): string {
  if (rep === 1) return x;
  const u = g.op('Unsqueeze', [x, g.constInt64([2], `${name}.ax2`)], {}, { name: `${name}/unsqueeze` });
  const e = g.op('Expand', [u, g.constInt64([1, 1, rep, 1, 1], `${name}.rep`)], {}, { name: `${name}/expand` });
  return g.op('Reshape', [e, g.constInt64([0, kvHeads * rep, -1, d], `${name}.shape`)], {}, { name });
}

export interface AttentionOptions {
  hidden: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  /** Additive bias [b, 1|h, s, total] (causal + padding, plus ALiBi where used). */
  bias: string;
  rope?: Rotary;
  /** `kv`: separate key/value caches; `fused`: GPT-BigCode's single key_value [b, T, 2*d] (kvHeads 1); `shared`: another layer's full keys/values (Gemma 3n/4 kv-shared layers, no cache of their own). */
  cache:
    | { kind: 'kv'; pastKey: string; pastValue: string }
    | { kind: 'fused'; past: string }
    | { kind: 'none' }
    | { kind: 'shared'; keys: string; values: string };
  qkvBias?: boolean;
  /** RMSNorm over each head's queries and keys before rotary (Qwen3, OLMo-2, Gemma-3). */
  qkNorm?: boolean;
  /** Attention scores soft-capped with cap * tanh(scores / cap) (Gemma-2). */
  softcap?: number;
  /** Test-only fault: present = the new tokens' keys/values only (not concatenated with the past). */
  dropPast?: boolean;
  /** Test-only fault: the cache stores keys before rotary embedding (same shapes, wrong values). */
  cacheBeforeRope?: boolean;
}

/** Causal self-attention with a KV cache; returns the projected output and the present cache tensors. */
export function cachedAttention(
  g: GraphBuilder,
  x: string,
  o: AttentionOptions,
  name: string,
): { out: string; present: string[] } {
  const { heads, kvHeads, headDim: d } = o;
  const bias = o.qkvBias ?? false;
  let q = heads4(g, linear(g, x, o.hidden, heads * d, `${name}.q_proj`, { bias }), heads, d, `${name}.q`);
  let k = heads4(g, linear(g, x, o.hidden, kvHeads * d, `${name}.k_proj`, { bias }), kvHeads, d, `${name}.k`);
  if (o.qkNorm) {
    q = rmsNorm(g, q, d, `${name}.q_norm`);
    k = rmsNorm(g, k, d, `${name}.k_norm`);
  }
  const unrotated = k;
  const v = heads4(g, linear(g, x, o.hidden, kvHeads * d, `${name}.v_proj`, { bias }), kvHeads, d, `${name}.v`);
  if (o.rope) {
    q = applyRotary(g, q, o.rope, d, `${name}.rope_q`);
    k = applyRotary(g, k, o.rope, d, `${name}.rope_k`);
  }
  let keys = k;
  let values = v;
  const present: string[] = [];
  if (o.cache.kind === 'kv') {
    keys = g.op('Concat', [o.cache.pastKey, k], { axis: 2 }, { name: `${name}/keys` });
    values = g.op('Concat', [o.cache.pastValue, v], { axis: 2 }, { name: `${name}/values` });
    if (o.dropPast) present.push(k, v);
    else
      present.push(
        o.cacheBeforeRope
          ? g.op('Concat', [o.cache.pastKey, unrotated], { axis: 2 }, { name: `${name}/keys_unrotated` })
          : keys,
        values,
      );
  } else if (o.cache.kind === 'shared') {
    keys = o.cache.keys;
    values = o.cache.values;
  } else if (o.cache.kind === 'fused') {
    // [b, 1, s, d] -> [b, s, 2d] beside the past [b, T_past, 2d]
    const kv = g.op('Concat', [k, v], { axis: -1 }, { name: `${name}/kv_new4` });
    const kv3 = g.op('Squeeze', [kv, g.constInt64([1], `${name}.ax1`)], {}, { name: `${name}/kv_new` });
    const all = g.op('Concat', [o.cache.past, kv3], { axis: 1 }, { name: `${name}/kv_all` });
    present.push(o.dropPast ? kv3 : all);
    const [ka, va] = g.opN(
      'Split',
      [all, g.constInt64([d, d], `${name}.kv_split`)],
      2,
      { axis: -1 },
      { name: `${name}/kv_split` },
    );
    keys = g.op('Unsqueeze', [ka!, g.constInt64([1], `${name}.kax`)], {}, { name: `${name}/keys` });
    values = g.op('Unsqueeze', [va!, g.constInt64([1], `${name}.vax`)], {}, { name: `${name}/values` });
  }
  keys = repeatKv(g, keys, kvHeads, heads / kvHeads, d, `${name}.repeat_k`);
  values = repeatKv(g, values, kvHeads, heads / kvHeads, d, `${name}.repeat_v`);
  const kt = g.op('Transpose', [keys], { perm: [0, 1, 3, 2] }, { name: `${name}/kt` });
  let scores = g.op(
    'Mul',
    [g.op('MatMul', [q, kt], {}, { name: `${name}/scores` }), g.scalarFloat(1 / Math.sqrt(d), `${name}.scale`)],
    {},
    { name: `${name}/scaled` },
  );
  if (o.softcap) {
    const capped = g.op(
      'Tanh',
      [g.op('Mul', [scores, g.scalarFloat(1 / o.softcap, `${name}.softcap_inv`)], {}, { name: `${name}/softcap_in` })],
      {},
      { name: `${name}/softcap_tanh` },
    );
    scores = g.op('Mul', [capped, g.scalarFloat(o.softcap, `${name}.softcap`)], {}, { name: `${name}/softcapped` });
  }
  const p = g.op(
    'Softmax',
    [g.op('Add', [scores, o.bias], {}, { name: `${name}/biased` })],
    { axis: -1 },
    { name: `${name}/softmax` },
  );
  const ctx = g.op('MatMul', [p, values], {}, { name: `${name}/context` });
  const merged = g.op(
    'Reshape',
    [
      g.op('Transpose', [ctx], { perm: [0, 2, 1, 3] }, { name: `${name}/merge_t` }),
      g.constInt64([0, 0, heads * d], `${name}.merge`),
    ],
    {},
    { name: `${name}/merge` },
  );
  return { out: linear(g, merged, heads * d, o.hidden, `${name}.o_proj`, { bias }), present };
}

export type MlpKind = 'gelu' | 'relu' | 'swiglu' | 'geglu';

/** Feed-forward: GELU/ReLU (up -> act -> down) or gated (act(gate) * up -> down). */
export function decoderMlp(
  g: GraphBuilder,
  x: string,
  hidden: number,
  inner: number,
  kind: MlpKind,
  name: string,
): string {
  if (kind === 'swiglu' || kind === 'geglu') {
    const gate = linear(g, x, hidden, inner, `${name}.gate_proj`, { bias: false });
    const up = linear(g, x, hidden, inner, `${name}.up_proj`, { bias: false });
    const act = kind === 'swiglu' ? silu(g, gate, `${name}.act`) : gelu(g, gate, `${name}.act`);
    return linear(g, g.op('Mul', [act, up], {}, { name: `${name}/gated` }), inner, hidden, `${name}.down_proj`, {
      bias: false,
    });
  }
  const up = linear(g, x, hidden, inner, `${name}.fc_in`);
  const a = kind === 'gelu' ? gelu(g, up, `${name}.act`) : g.op('Relu', [up], {}, { name: `${name}.act` });
  return linear(g, a, inner, hidden, `${name}.fc_out`);
}

/** `causalBias` under a name no other block file exports (nn-seq2seq has its own `causalBias`). */
export const decoderCausalBias = causalBias;
