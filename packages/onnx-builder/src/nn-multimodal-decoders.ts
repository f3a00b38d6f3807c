import type { GraphBuilder } from './graph.ts';
import { causalBias, cachedAttention, decoderMlp, rotaryTables, type Rotary } from './nn-decoder.ts';
import type { TowerDims } from './nn-multimodal.ts';
import { newTokenMask, recurrentMixer } from './nn-recurrent.ts';
import {
  embedding,
  gelu,
  layerNorm,
  linear,
  mergeHeads,
  mlp,
  paddingBias,
  rmsNorm,
  scaledDotProduct,
  splitHeads,
} from './nn.ts';

/**
 * Language-model sides of multimodal models, in the merged forms transformers.js drives:
 * decoders over `inputs_embeds` with KV (and hybrid) caches and M-RoPE, a GPT-2 decoder with
 * cross-attention (vision-encoder-decoder), and a BART-style decoder with encoder caches (Florence-2).
 */

export interface DecoderDims extends TowerDims {
  vocab: number;
  kvHeads: number;
  headDim: number;
  maxPos: number;
}

/**
 * A decoder-only language model in transformers.js's merged form: inputs `inputs_embeds`
 * [b, s, hidden] (or `input_ids`), `attention_mask` [b, past+s], `position_ids` [b, s] and
 * `past_key_values.{i}.key/value` [b, kvHeads, past, headDim]; outputs `logits` [b, s, vocab]
 * and `present.{i}.key/value`. Llama-like: RMSNorm, rotary positions, GQA, SwiGLU. `dropPast`
 * builds a deliberately broken cache (present = new keys only) for tests that prove a check fails.
 * `mropeSections` takes Qwen-VL's 3-D position_ids [3, b, s] (temporal, height, width rows).
 */
export interface LinearAttentionDims {
  /** 'linear' layers (Qwen3.5 gated delta-net stand-in) keep past_conv.i [b, heads*(2*stateDim+headDim), kernel-1] and past_recurrent.i [b, heads, stateDim, headDim]. */
  layerKinds: ('attention' | 'linear')[];
  stateDim: number;
  kernel: number;
}

export function cachedDecoder(
  g: GraphBuilder,
  d: DecoderDims,
  opts: {
    input: 'inputs_embeds' | 'input_ids';
    name?: string;
    dropPast?: boolean;
    mropeSections?: number[];
    hybrid?: LinearAttentionDims;
    perLayerInput?: number;
    kvSharedLayers?: number;
  },
): void {
  const name = opts.name ?? 'decoder';
  const ids = opts.input === 'input_ids' ? g.input('input_ids', 'int64', ['batch_size', 'sequence_length']) : undefined;
  let x = ids
    ? embedding(g, ids, d.vocab, d.hidden, `${name}.embed_tokens`)
    : g.input('inputs_embeds', 'float32', ['batch_size', 'sequence_length', d.hidden]);
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'total_sequence_length']);
  const pos = g.input(
    'position_ids',
    'int64',
    opts.mropeSections ? [3, 'batch_size', 'sequence_length'] : ['batch_size', 'sequence_length'],
  );
  const ctx = causalBias(g, ids ?? x, mask, `${name}.causal`);
  // Gemma 3n: per_layer_inputs [b, s, layers, perLayerInput] from embed_tokens; each layer adds a gated projection of its slice.
  const perLayer = opts.perLayerInput
    ? g.input('per_layer_inputs', 'float32', ['batch_size', 'sequence_length', d.layers, opts.perLayerInput])
    : undefined;
  const rope = opts.mropeSections
    ? mropeTables(g, pos, d.headDim, opts.mropeSections, 10000, `${name}.mrope`)
    : rotaryTables(g, pos, d.headDim, 10000, `${name}.rope`);
  const mask3 = opts.hybrid ? newTokenMask(g, ctx, `${name}.new_mask`) : undefined;
  let shared: { keys: string; values: string } | undefined;
  for (let l = 0; l < d.layers; l++) {
    const p = `${name}.layer${l}`;
    const hy = opts.hybrid;
    if (hy && hy.layerKinds[l] === 'linear') {
      const convDim = d.heads * (2 * hy.stateDim + d.headDim);
      const conv = g.input(`past_conv.${l}`, 'float32', ['batch_size', convDim, hy.kernel - 1]);
      const rec = g.input(`past_recurrent.${l}`, 'float32', ['batch_size', d.heads, hy.stateDim, d.headDim]);
      const r = recurrentMixer(
        g,
        rmsNorm(g, x, d.hidden, `${p}.input_layernorm`),
        {
          hidden: d.hidden,
          heads: d.heads,
          dk: hy.stateDim,
          dv: d.headDim,
          kernel: hy.kernel,
          ctx,
          mask3: mask3!,
          convStates: [conv],
          recurrentState: rec,
        },
        `${p}.linear_attn`,
      );
      g.output(r.present[0]!, `present_conv.${l}`, 'float32', ['batch_size', convDim, hy.kernel - 1]);
      g.output(r.present[1]!, `present_recurrent.${l}`, 'float32', ['batch_size', d.heads, hy.stateDim, d.headDim]);
      x = g.op('Add', [x, r.out], {}, { name: `${p}/res1` });
      x = g.op(
        'Add',
        [
          x,
          decoderMlp(
            g,
            rmsNorm(g, x, d.hidden, `${p}.post_attention_layernorm`),
            d.hidden,
            d.inner,
            'swiglu',
            `${p}.mlp`,
          ),
        ],
        {},
        { name: `${p}/res2` },
      );
      continue;
    }
    const h = rmsNorm(g, x, d.hidden, `${p}.input_layernorm`);
    // Gemma 3n/4: the last kvSharedLayers layers attend over the last cached layer's keys/values and keep no cache.
    if (shared && l >= d.layers - (opts.kvSharedLayers ?? 0)) {
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
          cache: { kind: 'shared', keys: shared.keys, values: shared.values },
        },
        `${p}.self_attn`,
      );
      x = g.op('Add', [x, a.out], {}, { name: `${p}/res1` });
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
      if (opts.kvSharedLayers) shared = { keys: a.present[0]!, values: a.present[1]! };
      x = g.op('Add', [x, a.out], {}, { name: `${p}/res1` });
    }
    x = g.op(
      'Add',
      [
        x,
        decoderMlp(
          g,
          rmsNorm(g, x, d.hidden, `${p}.post_attention_layernorm`),
          d.hidden,
          d.inner,
          'swiglu',
          `${p}.mlp`,
        ),
      ],
      {},
      { name: `${p}/res2` },
    );
    if (perLayer && opts.perLayerInput) {
      const pli = g.op(
        'Gather',
        [perLayer, g.scalarInt64(l, `${p}.pli_index`)],
        { axis: 2 },
        { name: `${p}/per_layer_input` },
      );
      const gate = g.op(
        'Mul',
        [
          gelu(
            g,
            linear(g, x, d.hidden, opts.perLayerInput, `${p}.per_layer_input_gate`, { bias: false }),
            `${p}.pli_act`,
          ),
          pli,
        ],
        {},
        { name: `${p}/pli_gated` },
      );
      x = g.op(
        'Add',
        [
          x,
          rmsNorm(
            g,
            linear(g, gate, opts.perLayerInput, d.hidden, `${p}.per_layer_projection`, { bias: false }),
            d.hidden,
            `${p}.post_per_layer_input_norm`,
          ),
        ],
        {},
        { name: `${p}/res3` },
      );
    }
  }
  x = rmsNorm(g, x, d.hidden, `${name}.norm`);
  g.output(linear(g, x, d.hidden, d.vocab, `${name}.lm_head`, { bias: false, std: 0.5 }), 'logits', 'float32', [
    'batch_size',
    'sequence_length',
    d.vocab,
  ]);
}

/**
 * Causal bias [1, 1, s, past+s] for decoders fed without an attention mask (vision-encoder-
 * decoder's GPT-2): the past length comes from a cache input's shape.
 */
export function pastCausalBias(
  g: GraphBuilder,
  ids: string,
  pastKey: string,
  name = 'causal',
): { bias: string; past: string; total: string } {
  const past = g.op(
    'Gather',
    [g.op('Shape', [pastKey], {}, { name: `${name}/pshape` }), g.scalarInt64(2, `${name}.i2`)],
    { axis: 0 },
    { name: `${name}/past` },
  );
  const s = g.op(
    'Gather',
    [g.op('Shape', [ids], {}, { name: `${name}/ishape` }), g.scalarInt64(1, `${name}.i1`)],
    { axis: 0 },
    { name: `${name}/s` },
  );
  const total = g.op('Add', [past, s], {}, { name: `${name}/total` });
  const one = g.scalarInt64(1, `${name}.step`);
  const q = g.op(
    'Unsqueeze',
    [g.op('Range', [past, total, one], {}, { name: `${name}/qpos` }), g.constInt64([1], `${name}.ax1`)],
    {},
    { name: `${name}/q` },
  );
  const k = g.op(
    'Unsqueeze',
    [
      g.op('Range', [g.scalarInt64(0, `${name}.zero`), total, one], {}, { name: `${name}/kpos` }),
      g.constInt64([0], `${name}.ax0`),
    ],
    {},
    { name: `${name}/k` },
  );
  const future = g.op(
    'Cast',
    [g.op('Greater', [k, q], {}, { name: `${name}/future` })],
    { to: 1 },
    { name: `${name}/futuref` },
  );
  const bias = g.op(
    'Unsqueeze',
    [
      g.op('Mul', [future, g.scalarFloat(-1e9, `${name}.neg`)], {}, { name: `${name}/neg` }),
      g.constInt64([0, 1], `${name}.axes`),
    ],
    {},
    { name },
  );
  return { bias, past, total };
}

/** Multi-head cross-attention: queries from x [b, s, hidden], keys/values from memory [b, m, memDim]. */
export function crossAttention(
  g: GraphBuilder,
  x: string,
  memory: string,
  hidden: number,
  memDim: number,
  heads: number,
  name: string,
): string {
  const hd = hidden / heads;
  const q = splitHeads(g, linear(g, x, hidden, hidden, `${name}.q`), heads, hd, `${name}.qh`);
  const k = splitHeads(g, linear(g, memory, memDim, hidden, `${name}.k`), heads, hd, `${name}.kh`);
  const v = splitHeads(g, linear(g, memory, memDim, hidden, `${name}.v`), heads, hd, `${name}.vh`);
  return linear(
    g,
    mergeHeads(g, scaledDotProduct(g, q, k, v, hd, name), hidden, `${name}.merge`),
    hidden,
    hidden,
    `${name}.o`,
  );
}

/**
 * GPT-2 with cross-attention as vision-encoder-decoder exports it (`decoder_model_merged`):
 * inputs input_ids [b, s], encoder_hidden_states [b, m, memDim], past_key_values.{i}.key/value;
 * outputs logits and present.{i}.key/value. No attention mask: positions follow the past length.
 */
export function crossAttnCachedDecoder(
  g: GraphBuilder,
  d: DecoderDims & { memDim: number },
  opts: { dropPast?: boolean } = {},
): void {
  const ids = g.input('input_ids', 'int64', ['batch_size', 'decoder_sequence_length']);
  const enc = g.input('encoder_hidden_states', 'float32', ['batch_size', 'encoder_sequence_length', d.memDim]);
  const pasts = Array.from({ length: d.layers }, (_, l) => ({
    key: g.input(`past_key_values.${l}.key`, 'float32', ['batch_size', d.heads, 'past_sequence_length', d.headDim]),
    value: g.input(`past_key_values.${l}.value`, 'float32', ['batch_size', d.heads, 'past_sequence_length', d.headDim]),
  }));
  const c = pastCausalBias(g, ids, pasts[0]!.key, 'decoder.causal');
  const pos = g.op(
    'Unsqueeze',
    [
      g.op('Range', [c.past, c.total, g.scalarInt64(1, 'decoder.pos_step')], {}, { name: 'decoder/pos_range' }),
      g.constInt64([0], 'decoder.pos_ax'),
    ],
    {},
    { name: 'decoder/positions' },
  );
  let x = g.op(
    'Add',
    [embedding(g, ids, d.vocab, d.hidden, 'decoder.wte'), embedding(g, pos, d.maxPos, d.hidden, 'decoder.wpe')],
    {},
    { name: 'decoder/embed' },
  );
  for (let l = 0; l < d.layers; l++) {
    const p = `decoder.h${l}`;
    const a = cachedAttention(
      g,
      layerNorm(g, x, d.hidden, `${p}.ln_1`, 1e-5),
      {
        hidden: d.hidden,
        heads: d.heads,
        kvHeads: d.heads,
        headDim: d.headDim,
        bias: c.bias,
        cache: { kind: 'kv', pastKey: pasts[l]!.key, pastValue: pasts[l]!.value },
        qkvBias: true,
        dropPast: opts.dropPast,
      },
      `${p}.attn`,
    );
    g.output(a.present[0]!, `present.${l}.key`, 'float32', ['batch_size', d.heads, 'total_sequence_length', d.headDim]);
    g.output(a.present[1]!, `present.${l}.value`, 'float32', [
      'batch_size',
      d.heads,
      'total_sequence_length',
      d.headDim,
    ]);
    x = g.op('Add', [x, a.out], {}, { name: `${p}/res1` });
    x = g.op(
      'Add',
      [
        x,
        crossAttention(
          g,
          layerNorm(g, x, d.hidden, `${p}.ln_cross_attn`, 1e-5),
          enc,
          d.hidden,
          d.memDim,
          d.heads,
          `${p}.crossattention`,
        ),
      ],
      {},
      { name: `${p}/res2` },
    );
    x = g.op(
      'Add',
      [x, mlp(g, layerNorm(g, x, d.hidden, `${p}.ln_2`, 1e-5), d.hidden, d.inner, `${p}.mlp`)],
      {},
      { name: `${p}/res3` },
    );
  }
  x = layerNorm(g, x, d.hidden, 'decoder.ln_f', 1e-5);
  g.output(linear(g, x, d.hidden, d.vocab, 'decoder.lm_head', { bias: false, std: 0.5 }), 'logits', 'float32', [
    'batch_size',
    'decoder_sequence_length',
    d.vocab,
  ]);
}

/**
 * Multimodal rotary tables (Qwen2-VL M-RoPE) from position_ids [3, b, s]: frequency i takes its
 * angle from the temporal, height or width row, `sections` (summing to headDim / 2) saying how
 * many frequencies each row owns. Returns cos/sin [b, 1, s, headDim].
 */
export function mropeTables(
  g: GraphBuilder,
  positions: string,
  headDim: number,
  sections: number[],
  theta = 10000,
  name = 'mrope',
): Rotary {
  const half = headDim / 2;
  if (sections.reduce((a, b) => a + b, 0) !== half)
    throw new Error(`mropeTables: sections ${sections} must sum to headDim / 2 = ${half}`);
  const inv = Array.from({ length: half }, (_, i) => 1 / theta ** ((2 * i) / headDim));
  const owner: number[] = sections.flatMap((n, row) => new Array(n).fill(row) as number[]);
  const select = Array.from({ length: 3 * half }, (_, k) => (owner[k % half] === Math.floor(k / half) ? 1 : 0));
  const pos = g.op(
    'Unsqueeze',
    [g.op('Cast', [positions], { to: 1 }, { name: `${name}/float` }), g.constInt64([3], `${name}.ax3`)],
    {},
    { name: `${name}/pos4` },
  );
  const freqs = g.op('Mul', [pos, g.constFloat(inv, `${name}.inv_freq`)], {}, { name: `${name}/freqs` });
  const picked = g.op(
    'Mul',
    [freqs, g.constFloat(select, `${name}.select`, [3, 1, 1, half])],
    {},
    { name: `${name}/picked` },
  );
  const merged = g.op(
    'ReduceSum',
    [picked, g.constInt64([0], `${name}.axis0`)],
    { keepdims: 0 },
    { name: `${name}/merged` },
  );
  const emb = g.op('Concat', [merged, merged], { axis: -1 }, { name: `${name}/emb` });
  const emb4 = g.op('Unsqueeze', [emb, g.constInt64([1], `${name}.ax1`)], {}, { name: `${name}/emb4` });
  return {
    cos: g.op('Cos', [emb4], {}, { name: `${name}/cos` }),
    sin: g.op('Sin', [emb4], {}, { name: `${name}/sin` }),
    dim: headDim,
  };
}

/**
 * BART-style merged decoder over `inputs_embeds` (Florence-2's language model), as transformers.js
 * feeds seq2seq decoders: inputs_embeds [b, t, hidden], encoder_attention_mask [b, s],
 * encoder_hidden_states [b, s, hidden], past_key_values.{i}.decoder/encoder.key/value; outputs
 * logits and present.{i}.decoder/encoder.*. Cross keys/values are recomputed from the encoder
 * states each step (transformers.js keeps the first step's encoder cache); learned positions
 * continue from the past length.
 */
export function embedsSeq2SeqDecoder(g: GraphBuilder, d: DecoderDims): void {
  const hd = d.headDim;
  const x0 = g.input('inputs_embeds', 'float32', ['batch_size', 'decoder_sequence_length', d.hidden]);
  const encMask = g.input('encoder_attention_mask', 'int64', ['batch_size', 'encoder_sequence_length']);
  const enc = g.input('encoder_hidden_states', 'float32', ['batch_size', 'encoder_sequence_length', d.hidden]);
  const pasts = Array.from({ length: d.layers }, (_, l) => ({
    key: g.input(`past_key_values.${l}.decoder.key`, 'float32', [
      'batch_size',
      d.heads,
      'past_decoder_sequence_length',
      hd,
    ]),
    value: g.input(`past_key_values.${l}.decoder.value`, 'float32', [
      'batch_size',
      d.heads,
      'past_decoder_sequence_length',
      hd,
    ]),
    ekey: g.input(`past_key_values.${l}.encoder.key`, 'float32', [
      'batch_size',
      d.heads,
      'encoder_sequence_length_out',
      hd,
    ]),
    evalue: g.input(`past_key_values.${l}.encoder.value`, 'float32', [
      'batch_size',
      d.heads,
      'encoder_sequence_length_out',
      hd,
    ]),
  }));
  const c = pastCausalBias(g, x0, pasts[0]!.key, 'decoder.causal');
  const pos = g.op(
    'Unsqueeze',
    [
      g.op('Range', [c.past, c.total, g.scalarInt64(1, 'decoder.pos_step')], {}, { name: 'decoder/pos_range' }),
      g.constInt64([0], 'decoder.pos_ax'),
    ],
    {},
    { name: 'decoder/positions' },
  );
  let x = layerNorm(
    g,
    g.op('Add', [x0, embedding(g, pos, d.maxPos, d.hidden, 'decoder.embed_positions')], {}, { name: 'decoder/embed' }),
    d.hidden,
    'decoder.layernorm_embedding',
    1e-5,
  );
  const crossBias = paddingBias(g, encMask, 'decoder.cross_bias');
  for (let l = 0; l < d.layers; l++) {
    const p = `decoder.layers.${l}`;
    const a = cachedAttention(
      g,
      x,
      {
        hidden: d.hidden,
        heads: d.heads,
        kvHeads: d.heads,
        headDim: hd,
        bias: c.bias,
        cache: { kind: 'kv', pastKey: pasts[l]!.key, pastValue: pasts[l]!.value },
        qkvBias: true,
      },
      `${p}.self_attn`,
    );
    g.output(a.present[0]!, `present.${l}.decoder.key`, 'float32', [
      'batch_size',
      d.heads,
      'total_decoder_sequence_length',
      hd,
    ]);
    g.output(a.present[1]!, `present.${l}.decoder.value`, 'float32', [
      'batch_size',
      d.heads,
      'total_decoder_sequence_length',
      hd,
    ]);
    x = layerNorm(g, g.op('Add', [x, a.out], {}, { name: `${p}/res1` }), d.hidden, `${p}.self_attn_layer_norm`, 1e-5);
    const q = splitHeads(
      g,
      linear(g, x, d.hidden, d.hidden, `${p}.encoder_attn.q`),
      d.heads,
      hd,
      `${p}.encoder_attn.qh`,
    );
    const k = splitHeads(
      g,
      linear(g, enc, d.hidden, d.hidden, `${p}.encoder_attn.k`),
      d.heads,
      hd,
      `${p}.encoder_attn.kh`,
    );
    const v = splitHeads(
      g,
      linear(g, enc, d.hidden, d.hidden, `${p}.encoder_attn.v`),
      d.heads,
      hd,
      `${p}.encoder_attn.vh`,
    );
    g.output(k, `present.${l}.encoder.key`, 'float32', ['batch_size', d.heads, 'encoder_sequence_length_out', hd]);
    g.output(v, `present.${l}.encoder.value`, 'float32', ['batch_size', d.heads, 'encoder_sequence_length_out', hd]);
    const cross = linear(
      g,
      mergeHeads(
        g,
        scaledDotProduct(g, q, k, v, hd, `${p}.encoder_attn`, crossBias),
        d.hidden,
        `${p}.encoder_attn.merge`,
      ),
      d.hidden,
      d.hidden,
      `${p}.encoder_attn.o`,
    );
    x = layerNorm(
      g,
      g.op('Add', [x, cross], {}, { name: `${p}/res2` }),
      d.hidden,
      `${p}.encoder_attn_layer_norm`,
      1e-5,
    );
    x = layerNorm(
      g,
      g.op('Add', [x, mlp(g, x, d.hidden, d.inner, `${p}.fc`)], {}, { name: `${p}/res3` }),
      d.hidden,
      `${p}.final_layer_norm`,
      1e-5,
    );
  }
  g.output(linear(g, x, d.hidden, d.vocab, 'decoder.lm_head', { bias: false, std: 0.5 }), 'logits', 'float32', [
    'batch_size',
    'decoder_sequence_length',
    d.vocab,
  ]);
}
