import type { GraphBuilder } from './graph.ts';
import { linear, silu } from './nn.ts';
import { lastN, type CausalContext } from './nn-decoder.ts';

/**
 * Recurrent building blocks for hybrid-cache decoders (LFM2 short convolutions, Mamba-style and
 * linear-attention layers): each carries a state across calls, as the `past_conv.*`,
 * `past_ssm.*` and `past_recurrent.*` inputs transformers.js feeds. Padded tokens (mask 0) are
 * zeroed before they reach a state, so left padding equals starting from the zero state.
 */

/** Float mask [b, s, 1] of the new tokens (the last s entries of the attention mask). */
export function newTokenMask(g: GraphBuilder, ctx: CausalContext, name = 'new_mask'): string {
  const m = lastN(g, ctx.mask, ctx.newLen, 1, `${name}/last`);
  return g.op(
    'Unsqueeze',
    [g.op('Cast', [m], { to: 1 }, { name: `${name}/float` }), g.constInt64([2], `${name}.ax2`)],
    {},
    { name },
  );
}

/**
 * Causal depthwise convolution over time with a state holding the last `kernel - 1` inputs:
 * x [b, s, C], state [b, C, kernel-1] -> y [b, s, C] and the new state.
 */
export function convWithState(
  g: GraphBuilder,
  x: string,
  state: string,
  channels: number,
  kernel: number,
  mask3: string,
  name: string,
): { y: string; state: string } {
  const xm = g.op('Mul', [x, mask3], {}, { name: `${name}/masked` });
  const xt = g.op('Transpose', [xm], { perm: [0, 2, 1] }, { name: `${name}/to_channels` });
  const cat = g.op('Concat', [state, xt], { axis: 2 }, { name: `${name}/with_state` });
  const w = g.param(`${name}.weight`, [channels, 1, kernel], { std: 0.3 });
  const y = g.op('Conv', [cat, w], { group: channels, kernel_shape: [kernel] }, { name: `${name}/conv` });
  const next = lastN(g, cat, g.scalarInt64(kernel - 1, `${name}.keep`), 2, `${name}/state`);
  return { y: g.op('Transpose', [y], { perm: [0, 2, 1] }, { name: `${name}/to_time` }), state: next };
}

/**
 * A decayed linear recurrence per head, S_t = a_h S_{t-1} + k_t^T v_t and o_t = q_t S_t,
 * computed in parallel form: q, k [b, h, s, dk], v [b, h, s, dv], state [b, h, dk, dv].
 */
export function decayedRecurrence(
  g: GraphBuilder,
  q: string,
  k: string,
  v: string,
  state: string,
  heads: number,
  mask3: string,
  newLen: string,
  name: string,
): { out: string; state: string } {
  const logA = Array.from({ length: heads }, (_, h) => Math.log(0.6 + (0.35 * (h + 1)) / heads));
  const la = g.constFloat(logA, `${name}.log_decay`, [heads, 1, 1]);
  const lenF = g.op('Cast', [newLen], { to: 1 }, { name: `${name}/len` });
  const t = g.op(
    'Range',
    [g.scalarFloat(0, `${name}.zero`), lenF, g.scalarFloat(1, `${name}.one`)],
    {},
    { name: `${name}/t` },
  );
  const tCol = g.op('Unsqueeze', [t, g.constInt64([1], `${name}.ax1`)], {}, { name: `${name}/t_col` });
  const tRow = g.op('Unsqueeze', [t, g.constInt64([0], `${name}.ax0`)], {}, { name: `${name}/t_row` });
  const diff = g.op('Sub', [tCol, tRow], {}, { name: `${name}/diff` });
  const causal = g.op('GreaterOrEqual', [diff, g.scalarFloat(0, `${name}.zero2`)], {}, { name: `${name}/causal` });
  const clipped = g.op('Max', [diff, g.scalarFloat(0, `${name}.zero3`)], {}, { name: `${name}/clipped` });
  const decay = g.op(
    'Where',
    [
      causal,
      g.op('Exp', [g.op('Mul', [clipped, la], {}, { name: `${name}/dl` })], {}, { name: `${name}/d` }),
      g.scalarFloat(0, `${name}.zero4`),
    ],
    {},
    { name: `${name}/decay` },
  );
  // zero padded tokens' keys: mask3 [b, s, 1] -> [b, 1, s, 1]
  const km = g.op(
    'Mul',
    [k, g.op('Unsqueeze', [mask3, g.constInt64([1], `${name}.max1`)], {}, { name: `${name}/mask4` })],
    {},
    { name: `${name}/k_masked` },
  );
  const scores = g.op(
    'Mul',
    [
      g.op(
        'MatMul',
        [q, g.op('Transpose', [km], { perm: [0, 1, 3, 2] }, { name: `${name}/kt` })],
        {},
        { name: `${name}/qk` },
      ),
      decay,
    ],
    {},
    { name: `${name}/qk_decayed` },
  );
  const intra = g.op('MatMul', [scores, v], {}, { name: `${name}/intra` });
  const tPlus = g.op('Add', [tCol, g.scalarFloat(1, `${name}.one2`)], {}, { name: `${name}/t1` });
  const qDecay = g.op('Exp', [g.op('Mul', [tPlus, la], {}, { name: `${name}/qdl` })], {}, { name: `${name}/q_decay` });
  const inter = g.op(
    'Mul',
    [g.op('MatMul', [q, state], {}, { name: `${name}/q_state` }), qDecay],
    {},
    { name: `${name}/inter` },
  );
  const out = g.op('Add', [intra, inter], {}, { name: `${name}/out` });
  const rest = g.op(
    'Sub',
    [g.op('Sub', [lenF, g.scalarFloat(1, `${name}.one3`)], {}, { name: `${name}/last` }), tCol],
    {},
    { name: `${name}/rest` },
  );
  const kw = g.op(
    'Mul',
    [km, g.op('Exp', [g.op('Mul', [rest, la], {}, { name: `${name}/wl` })], {}, { name: `${name}/w` })],
    {},
    { name: `${name}/k_weighted` },
  );
  const update = g.op(
    'MatMul',
    [g.op('Transpose', [kw], { perm: [0, 1, 3, 2] }, { name: `${name}/kwt` }), v],
    {},
    { name: `${name}/update` },
  );
  const carry = g.op('Exp', [g.op('Mul', [lenF, la], {}, { name: `${name}/cl` })], {}, { name: `${name}/carry` });
  const next = g.op(
    'Add',
    [g.op('Mul', [state, carry], {}, { name: `${name}/decayed_state` }), update],
    {},
    { name: `${name}/state` },
  );
  return { out, state: next };
}

function toHeads(g: GraphBuilder, x: string, heads: number, d: number, name: string): string {
  const r = g.op('Reshape', [x, g.constInt64([0, 0, heads, d], `${name}.shape`)], {}, { name: `${name}/reshape` });
  return g.op('Transpose', [r], { perm: [0, 2, 1, 3] }, { name });
}

export interface RecurrentMixerOptions {
  hidden: number;
  heads: number;
  dk: number;
  dv: number;
  kernel: number;
  ctx: CausalContext;
  mask3: string;
  /** One conv state over q|k|v, or one per q, k, v (OLMo-hybrid). */
  convStates: string[];
  recurrentState: string;
}

/**
 * A linear-attention / SSM mixer: project to q|k|v, short causal conv (with state), SiLU, the
 * decayed recurrence (with state), output gate, projection. Returns output and new states
 * (conv states in the order given, then the recurrent state).
 */
export function recurrentMixer(
  g: GraphBuilder,
  x: string,
  o: RecurrentMixerOptions,
  name: string,
): { out: string; present: string[] } {
  const { heads, dk, dv } = o;
  const widths = [heads * dk, heads * dk, heads * dv];
  const proj = linear(g, x, o.hidden, widths[0]! + widths[1]! + widths[2]!, `${name}.in_proj`, { bias: false });
  const present: string[] = [];
  let qkv: string[];
  if (o.convStates.length === 1) {
    const c = convWithState(
      g,
      proj,
      o.convStates[0]!,
      widths[0]! + widths[1]! + widths[2]!,
      o.kernel,
      o.mask3,
      `${name}.conv`,
    );
    present.push(c.state);
    qkv = g.opN(
      'Split',
      [silu(g, c.y, `${name}.conv_act`), g.constInt64(widths, `${name}.split`)],
      3,
      { axis: -1 },
      { name: `${name}/split` },
    );
  } else {
    const parts = g.opN(
      'Split',
      [proj, g.constInt64(widths, `${name}.split`)],
      3,
      { axis: -1 },
      { name: `${name}/split` },
    );
    qkv = parts.map((p, i) => {
      const c = convWithState(g, p, o.convStates[i]!, widths[i]!, o.kernel, o.mask3, `${name}.conv${i}`);
      present.push(c.state);
      return silu(g, c.y, `${name}.conv_act${i}`);
    });
  }
  const q = g.op(
    'Mul',
    [toHeads(g, qkv[0]!, heads, dk, `${name}.q`), g.scalarFloat(1 / Math.sqrt(dk), `${name}.scale`)],
    {},
    { name: `${name}/q_scaled` },
  );
  const k = toHeads(g, qkv[1]!, heads, dk, `${name}.k`);
  const v = toHeads(g, qkv[2]!, heads, dv, `${name}.v`);
  const r = decayedRecurrence(g, q, k, v, o.recurrentState, heads, o.mask3, o.ctx.newLen, `${name}.recurrence`);
  present.push(r.state);
  const merged = g.op(
    'Reshape',
    [
      g.op('Transpose', [r.out], { perm: [0, 2, 1, 3] }, { name: `${name}/merge_t` }),
      g.constInt64([0, 0, heads * dv], `${name}.merge`),
    ],
    {},
    { name: `${name}/merge` },
  );
  const gate = silu(g, linear(g, x, o.hidden, heads * dv, `${name}.gate`, { bias: false }), `${name}.gate_act`);
  const gated = g.op('Mul', [merged, gate], {}, { name: `${name}/gated` });
  return { out: linear(g, gated, heads * dv, o.hidden, `${name}.out_proj`, { bias: false }), present };
}

/** LFM2's gated short convolution: B * x through a causal conv (with state), times C, projected. */
export function shortConvBlock(
  g: GraphBuilder,
  x: string,
  hidden: number,
  kernel: number,
  state: string,
  mask3: string,
  name: string,
): { out: string; present: string[] } {
  const [b, c, xx] = g.opN(
    'Split',
    [
      linear(g, x, hidden, 3 * hidden, `${name}.in_proj`, { bias: false }),
      g.constInt64([hidden, hidden, hidden], `${name}.split`),
    ],
    3,
    { axis: -1 },
    { name: `${name}/split` },
  );
  const bx = g.op('Mul', [b!, xx!], {}, { name: `${name}/bx` });
  const conv = convWithState(g, bx, state, hidden, kernel, mask3, `${name}.conv`);
  const y = g.op('Mul', [c!, conv.y], {}, { name: `${name}/cy` });
  return { out: linear(g, y, hidden, hidden, `${name}.out_proj`, { bias: false }), present: [conv.state] };
}
