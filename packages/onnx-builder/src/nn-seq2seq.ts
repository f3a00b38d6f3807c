import onnxProto from 'onnx-proto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GraphBuilder } from './graph.ts';
import { embedding, gelu, layerNorm, linear, mergeHeads, paddingBias, rmsNorm, silu, splitHeads } from './nn.ts';

/**
 * Encoder-decoder (seq2seq) blocks: T5 relative attention bias, BART-style absolute positions,
 * cross-attention, and the merged decoder transformers.js loads (`decoder_model_merged.onnx`):
 * self-attention K/V concatenated onto `past_key_values.{i}.decoder.*`, and cross-attention K/V
 * chosen by an `If` on `use_cache_branch` (cached `past_key_values.{i}.encoder.*`, or computed
 * from `encoder_hidden_states` on the first step), as optimum exports it.
 */

const { onnx } = onnxProto;

export interface Seq2SeqArch {
  vocab: number;
  dModel: number;
  heads: number;
  headDim: number;
  ffn: number;
  encoderLayers: number;
  decoderLayers: number;
  norm: 'layer' | 'rms';
  /** Pre-LN (mBART, M2M100, Pegasus, Blenderbot, T5) or post-LN (BART, Marian, Blenderbot-small). */
  preNorm: boolean;
  act: 'gelu' | 'relu' | 'silu' | 'gated-gelu';
  positions:
    | { kind: 'learned' | 'sinusoidal'; max: number; offset: number }
    | { kind: 'relative'; buckets: number; maxDistance: number };
  /** `layernorm_embedding` after the embeddings (BART, mBART, Blenderbot-small). */
  embeddingNorm: boolean;
  /** A final norm after the last layer (pre-LN models). */
  finalNorm: boolean;
  /** Token embeddings are multiplied by this (sqrt(d_model) with `scale_embedding`). */
  embedScale: number;
  /** Linear layers carry biases (BART-like yes, T5 no). */
  bias: boolean;
}

export interface MergedDecoderOptions {
  /** A deliberately broken cache for tests: `present.*.decoder.*` holds only the new step, not past + new. */
  brokenCache?: boolean;
  /** Leave out the cache inputs and outputs (a plain `decoder_model.onnx`), for bad-input tests. */
  withoutCache?: boolean;
  /** A deliberately broken cross-attention for tests: `encoder_attention_mask` is declared but ignored. */
  ignoreEncoderMask?: boolean;
}

const NEG = -1e9;

function norm(g: GraphBuilder, a: Seq2SeqArch, x: string, name: string): string {
  return a.norm === 'rms' ? rmsNorm(g, x, a.dModel, name) : layerNorm(g, x, a.dModel, name, 1e-5);
}

const lin = (g: GraphBuilder, a: Seq2SeqArch, x: string, i: number, o: number, name: string) =>
  linear(g, x, i, o, name, { bias: a.bias });

function feedForward(g: GraphBuilder, a: Seq2SeqArch, x: string, name: string): string {
  if (a.act === 'gated-gelu') {
    const gate = gelu(g, lin(g, a, x, a.dModel, a.ffn, `${name}.wi_0`), `${name}.act`);
    const up = lin(g, a, x, a.dModel, a.ffn, `${name}.wi_1`);
    return lin(g, a, g.op('Mul', [gate, up], {}, { name: `${name}/gated` }), a.ffn, a.dModel, `${name}.wo`);
  }
  const h = lin(g, a, x, a.dModel, a.ffn, `${name}.fc1`);
  const act =
    a.act === 'gelu'
      ? gelu(g, h, `${name}.act`)
      : a.act === 'silu'
        ? silu(g, h, `${name}.act`)
        : g.op('Relu', [h], {}, { name: `${name}.act` });
  return lin(g, a, act, a.ffn, a.dModel, `${name}.fc2`);
}

/** Attention over split heads with an optional additive bias; T5 folds the 1/sqrt(d) scale into its weights. */
function attend(g: GraphBuilder, a: Seq2SeqArch, q: string, k: string, v: string, name: string, bias?: string): string {
  const kt = g.op('Transpose', [k], { perm: [0, 1, 3, 2] }, { name: `${name}/kt` });
  let s = g.op('MatMul', [q, kt], {}, { name: `${name}/scores` });
  if (a.positions.kind !== 'relative')
    s = g.op('Mul', [s, g.scalarFloat(1 / Math.sqrt(a.headDim), `${name}.scale`)], {}, { name: `${name}/scaled` });
  if (bias) s = g.op('Add', [s, bias], {}, { name: `${name}/biased` });
  const p = g.op('Softmax', [s], { axis: -1 }, { name: `${name}/softmax` });
  const ctx = g.op('MatMul', [p, v], {}, { name: `${name}/context` });
  return lin(
    g,
    a,
    mergeHeads(g, ctx, a.heads * a.headDim, `${name}.merge`),
    a.heads * a.headDim,
    a.dModel,
    `${name}.out_proj`,
  );
}

const inner = (a: Seq2SeqArch) => a.heads * a.headDim;
const proj = (g: GraphBuilder, a: Seq2SeqArch, x: string, name: string) =>
  splitHeads(g, lin(g, a, x, a.dModel, inner(a), name), a.heads, a.headDim, name);

/** int64 scalar: dim `axis` of `x`. */
function dimOf(g: GraphBuilder, x: string, axis: number, name: string): string {
  const shape = g.op('Shape', [x], {}, { name: `${name}/shape` });
  return g.op('Gather', [shape, g.scalarInt64(axis, `${name}.axis`)], { axis: 0 }, { name });
}

/** Positions start, start+1, ..., start+len-1 as a 1-D int64 tensor. */
function rangeFrom(g: GraphBuilder, start: string, len: string, name: string): string {
  const end = g.op('Add', [start, len], {}, { name: `${name}/end` });
  return g.op('Range', [start, end, g.scalarInt64(1, `${name}.step`)], {}, { name });
}

/** Sinusoidal table [rows, dim]: sin in the first half, cos in the second (Marian / M2M100 / Pegasus). */
export function sinusoidalTable(rows: number, dim: number): Float32Array {
  const out = new Float32Array(rows * dim);
  const half = dim / 2;
  for (let p = 0; p < rows; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p / 10000 ** ((2 * i) / dim);
      out[p * dim + i] = Math.sin(angle);
      out[p * dim + half + i] = Math.cos(angle);
    }
  }
  return out;
}

/** Token embeddings (scaled) plus absolute positions starting at `start`, then `layernorm_embedding`. */
function embed(g: GraphBuilder, a: Seq2SeqArch, ids: string, start: () => string, side: 'encoder' | 'decoder'): string {
  let x = embedding(g, ids, a.vocab, a.dModel, 'shared');
  if (a.embedScale !== 1)
    x = g.op('Mul', [x, g.scalarFloat(a.embedScale, `${side}.embed_scale`)], {}, { name: `${side}/scaled_embed` });
  const p = a.positions;
  if (p.kind !== 'relative') {
    const pos = rangeFrom(
      g,
      g.op('Add', [start(), g.scalarInt64(p.offset, `${side}.pos_offset`)], {}, { name: `${side}/pos_start` }),
      dimOf(g, ids, 1, `${side}/len`),
      `${side}/positions`,
    );
    const table =
      p.kind === 'learned'
        ? g.param(`${side}.embed_positions.weight`, [p.max + p.offset, a.dModel], { std: 0.5 })
        : g.tensor(`${side}.embed_positions.weight`, {
            type: 'float32',
            dims: [p.max + p.offset, a.dModel],
            data: sinusoidalTable(p.max + p.offset, a.dModel),
          });
    x = g.op(
      'Add',
      [x, g.op('Gather', [table, pos], { axis: 0 }, { name: `${side}/pos_embed` })],
      {},
      { name: `${side}/embed_sum` },
    );
  }
  if (a.embeddingNorm) x = norm(g, a, x, `${side}.layernorm_embedding`);
  return x;
}

/**
 * T5 relative position bias [1, heads, q, k] for query positions `qPos` and key positions
 * `kPos` (1-D int64): log-spaced buckets, bidirectional in the encoder, causal in the decoder.
 */
export function relativePositionBias(
  g: GraphBuilder,
  a: Seq2SeqArch,
  qPos: string,
  kPos: string,
  bidirectional: boolean,
  name: string,
): string {
  if (a.positions.kind !== 'relative') throw new Error('relativePositionBias: the architecture has absolute positions');
  const { buckets, maxDistance } = a.positions;
  const rel = g.op(
    'Sub',
    [
      g.op('Unsqueeze', [kPos, g.constInt64([0], `${name}.ax0`)]),
      g.op('Unsqueeze', [qPos, g.constInt64([1], `${name}.ax1`)]),
    ],
    {},
    { name: `${name}/relative` },
  );
  const nb = bidirectional ? buckets / 2 : buckets;
  let base: string | undefined;
  let n: string;
  if (bidirectional) {
    const after = g.op(
      'Cast',
      [g.op('Greater', [rel, g.scalarInt64(0, `${name}.zero`)])],
      { to: 7 },
      { name: `${name}/after` },
    );
    base = g.op('Mul', [after, g.scalarInt64(nb, `${name}.half`)], {}, { name: `${name}/base` });
    n = g.op('Abs', [rel], {}, { name: `${name}/n` });
  } else {
    n = g.op('Neg', [g.op('Min', [rel, g.scalarInt64(0, `${name}.zero`)])], {}, { name: `${name}/n` });
  }
  const maxExact = nb / 2;
  const small = g.op('Less', [n, g.scalarInt64(maxExact, `${name}.max_exact`)], {}, { name: `${name}/is_small` });
  // log(n / max_exact) is only used where n >= max_exact; clamp so log never sees 0.
  const nf = g.op(
    'Max',
    [g.op('Cast', [n], { to: 1 }), g.scalarFloat(maxExact, `${name}.max_exact_f`)],
    {},
    { name: `${name}/nf` },
  );
  const ratio = g.op('Div', [
    g.op('Log', [g.op('Div', [nf, g.scalarFloat(maxExact, `${name}.me`)])]),
    g.scalarFloat(Math.log(maxDistance / maxExact), `${name}.logmax`),
  ]);
  const large = g.op(
    'Cast',
    [
      g.op('Add', [
        g.op('Mul', [ratio, g.scalarFloat(nb - maxExact, `${name}.span`)]),
        g.scalarFloat(maxExact, `${name}.me2`),
      ]),
    ],
    { to: 7 },
    { name: `${name}/large_raw` },
  );
  const largeClamped = g.op('Min', [large, g.scalarInt64(nb - 1, `${name}.last`)], {}, { name: `${name}/large` });
  let bucket = g.op('Where', [small, n, largeClamped], {}, { name: `${name}/bucket` });
  if (base) bucket = g.op('Add', [bucket, base], {}, { name: `${name}/bucket_full` });
  const table = g.param(`${name}.relative_attention_bias.weight`, [buckets, a.heads], { std: 0.5 });
  const values = g.op('Gather', [table, bucket], { axis: 0 }, { name: `${name}/values` });
  const hqk = g.op('Transpose', [values], { perm: [2, 0, 1] }, { name: `${name}/hqk` });
  return g.op('Unsqueeze', [hqk, g.constInt64([0], `${name}.batch_axis`)], {}, { name });
}

/** Causal bias [1, 1, q, k]: 0 where key position <= query position, a large negative elsewhere. */
export function positionCausalBias(g: GraphBuilder, qPos: string, kPos: string, name: string): string {
  const allowed = g.op(
    'LessOrEqual',
    [
      g.op('Unsqueeze', [kPos, g.constInt64([0], `${name}.ax0`)]),
      g.op('Unsqueeze', [qPos, g.constInt64([1], `${name}.ax1`)]),
    ],
    {},
    { name: `${name}/allowed` },
  );
  const bias = g.op(
    'Where',
    [allowed, g.scalarFloat(0, `${name}.zero`), g.scalarFloat(NEG, `${name}.neg`)],
    {},
    { name: `${name}/where` },
  );
  return g.op('Unsqueeze', [bias, g.constInt64([0, 1], `${name}.axes`)], {}, { name });
}

function residual(g: GraphBuilder, a: Seq2SeqArch, x: string, name: string, sub: (y: string) => string): string {
  if (a.preNorm) return g.op('Add', [x, sub(norm(g, a, x, `${name}_norm`))], {}, { name: `${name}/residual` });
  return norm(g, a, g.op('Add', [x, sub(x)], {}, { name: `${name}/residual` }), `${name}_norm`);
}

/** `onnx/encoder_model.onnx`: input_ids, attention_mask -> last_hidden_state. */
export function buildSeq2SeqEncoder(a: Seq2SeqArch, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'tiny-seq2seq-encoder' });
  const ids = g.input('input_ids', 'int64', ['batch_size', 'encoder_sequence_length']);
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'encoder_sequence_length']);
  let x = embed(g, a, ids, () => g.scalarInt64(0, 'encoder.start'), 'encoder');
  let bias = paddingBias(g, mask, 'encoder.mask_bias');
  if (a.positions.kind === 'relative') {
    const pos = rangeFrom(
      g,
      g.scalarInt64(0, 'encoder.rel_start'),
      dimOf(g, ids, 1, 'encoder/rel_len'),
      'encoder/rel_positions',
    );
    bias = g.op(
      'Add',
      [bias, relativePositionBias(g, a, pos, pos, true, 'encoder.block0.attention')],
      {},
      { name: 'encoder/bias' },
    );
  }
  for (let l = 0; l < a.encoderLayers; l++) {
    const n = `encoder.layer${l}`;
    x = residual(g, a, x, `${n}.self_attn`, (y) =>
      attend(
        g,
        a,
        proj(g, a, y, `${n}.self_attn.q`),
        proj(g, a, y, `${n}.self_attn.k`),
        proj(g, a, y, `${n}.self_attn.v`),
        `${n}.self_attn`,
        bias,
      ),
    );
    x = residual(g, a, x, `${n}.ffn`, (y) => feedForward(g, a, y, `${n}.ffn`));
  }
  if (a.finalNorm) x = norm(g, a, x, 'encoder.final_norm');
  g.output(x, 'last_hidden_state', 'float32', ['batch_size', 'encoder_sequence_length', a.dModel]);
  return g;
}

/** A built merged decoder: the graph plus the If branches to attach when saving. */
export interface MergedDecoder {
  graph: GraphBuilder;
  branches: { output: string; then: GraphBuilder; else: GraphBuilder }[];
}

/**
 * `onnx/decoder_model_merged.onnx`: input_ids, encoder_attention_mask, encoder_hidden_states,
 * past_key_values.{i}.decoder/encoder.key/value, use_cache_branch -> logits, present.*.
 */
export function buildMergedDecoder(a: Seq2SeqArch, seed: number, opts: MergedDecoderOptions = {}): MergedDecoder {
  const g = new GraphBuilder({ seed, name: 'tiny-seq2seq-decoder-merged' });
  const kv = ['batch_size', a.heads, 'past_decoder_sequence_length', a.headDim];
  const ekv = ['batch_size', a.heads, 'encoder_sequence_length_out', a.headDim];
  const encMask = g.input('encoder_attention_mask', 'int64', ['batch_size', 'encoder_sequence_length']);
  const ids = g.input('input_ids', 'int64', ['batch_size', 'decoder_sequence_length']);
  const enc = g.input('encoder_hidden_states', 'float32', ['batch_size', 'encoder_sequence_length', a.dModel]);
  const past: { key: string; value: string; ekey: string; evalue: string }[] = [];
  if (!opts.withoutCache) {
    for (let l = 0; l < a.decoderLayers; l++) {
      past.push({
        key: g.input(`past_key_values.${l}.decoder.key`, 'float32', kv),
        value: g.input(`past_key_values.${l}.decoder.value`, 'float32', kv),
        ekey: g.input(`past_key_values.${l}.encoder.key`, 'float32', ekv),
        evalue: g.input(`past_key_values.${l}.encoder.value`, 'float32', ekv),
      });
    }
  }
  const useCache = opts.withoutCache ? undefined : g.input('use_cache_branch', 'bool', [1]);
  const pastLen = opts.withoutCache
    ? g.scalarInt64(0, 'decoder.past_len')
    : dimOf(g, past[0]!.key, 2, 'decoder/past_len');
  const qLen = dimOf(g, ids, 1, 'decoder/q_len');
  const qPos = rangeFrom(g, pastLen, qLen, 'decoder/q_positions');
  const kPos = rangeFrom(
    g,
    g.scalarInt64(0, 'decoder.k_start'),
    g.op('Add', [pastLen, qLen], {}, { name: 'decoder/k_len' }),
    'decoder/k_positions',
  );
  let selfBias = positionCausalBias(g, qPos, kPos, 'decoder.causal');
  if (a.positions.kind === 'relative')
    selfBias = g.op(
      'Add',
      [selfBias, relativePositionBias(g, a, qPos, kPos, false, 'decoder.block0.attention')],
      {},
      { name: 'decoder/self_bias' },
    );
  const crossBias = opts.ignoreEncoderMask ? undefined : paddingBias(g, encMask, 'decoder.cross_mask_bias');
  if (opts.ignoreEncoderMask) g.op('Identity', [encMask], {}, { name: 'decoder/ignored_mask' });

  // Cross-attention K/V for every layer: from the cache, or from encoder_hidden_states.
  const branches: MergedDecoder['branches'] = [];
  let cross: string[];
  const crossKv = (b: GraphBuilder, l: number) => [
    proj(b, a, enc, `decoder.layer${l}.cross_attn.k`),
    proj(b, a, enc, `decoder.layer${l}.cross_attn.v`),
  ];
  if (opts.withoutCache) {
    cross = Array.from({ length: a.decoderLayers }, (_, l) => crossKv(g, l)).flat();
  } else {
    const thenG = new GraphBuilder({ seed, name: 'use_cache_branch' });
    const elseG = new GraphBuilder({ seed, name: 'compute_cross_kv' });
    past.forEach((p, l) => {
      thenG.output(p.ekey, `cached.${l}.encoder.key`, 'float32', ekv);
      thenG.output(p.evalue, `cached.${l}.encoder.value`, 'float32', ekv);
      const [k, v] = crossKv(elseG, l);
      elseG.output(k!, `computed.${l}.encoder.key`, 'float32', ekv);
      elseG.output(v!, `computed.${l}.encoder.value`, 'float32', ekv);
    });
    cross = g.opN('If', [useCache!], 2 * a.decoderLayers, {}, { name: 'cross_kv_if' });
    // biome-ignore lint/suspicious/noThenProperty: an ONNX If node's branches are named then and else.
    branches.push({ output: cross[0]!, then: thenG, else: elseG });
  }

  let x = embed(g, a, ids, () => pastLen, 'decoder');
  for (let l = 0; l < a.decoderLayers; l++) {
    const n = `decoder.layer${l}`;
    x = residual(g, a, x, `${n}.self_attn`, (y) => {
      const q = proj(g, a, y, `${n}.self_attn.q`);
      const kNew = proj(g, a, y, `${n}.self_attn.k`);
      const vNew = proj(g, a, y, `${n}.self_attn.v`);
      const k = opts.withoutCache ? kNew : g.op('Concat', [past[l]!.key, kNew], { axis: 2 }, { name: `${n}/k_cat` });
      const v = opts.withoutCache ? vNew : g.op('Concat', [past[l]!.value, vNew], { axis: 2 }, { name: `${n}/v_cat` });
      if (!opts.withoutCache) {
        const out = [
          'batch_size',
          a.heads,
          opts.brokenCache ? 'decoder_sequence_length' : 'past_decoder_sequence_length + 1',
          a.headDim,
        ];
        g.output(opts.brokenCache ? kNew : k, `present.${l}.decoder.key`, 'float32', out);
        g.output(opts.brokenCache ? vNew : v, `present.${l}.decoder.value`, 'float32', out);
      }
      return attend(g, a, q, k, v, `${n}.self_attn`, selfBias);
    });
    x = residual(g, a, x, `${n}.cross_attn`, (y) =>
      attend(g, a, proj(g, a, y, `${n}.cross_attn.q`), cross[2 * l]!, cross[2 * l + 1]!, `${n}.cross_attn`, crossBias),
    );
    x = residual(g, a, x, `${n}.ffn`, (y) => feedForward(g, a, y, `${n}.ffn`));
    if (!opts.withoutCache) {
      g.output(cross[2 * l]!, `present.${l}.encoder.key`, 'float32', ekv);
      g.output(cross[2 * l + 1]!, `present.${l}.encoder.value`, 'float32', ekv);
    }
  }
  if (a.finalNorm) x = norm(g, a, x, 'decoder.final_norm');
  const logits = linear(g, x, a.dModel, a.vocab, 'lm_head', { std: 0.5 });
  g.output(logits, 'logits', 'float32', ['batch_size', 'decoder_sequence_length', a.vocab]);
  return { graph: g, branches };
}

/** Serializes a merged decoder, attaching each If node's then/else subgraphs. */
export function serializeMergedDecoder(d: MergedDecoder): Uint8Array {
  const model = onnx.ModelProto.decode(d.graph.serialize().model);
  for (const b of d.branches) {
    const node = model.graph!.node!.find((n) => n.opType === 'If' && n.output?.[0] === b.output);
    if (!node) throw new Error(`serializeMergedDecoder: no If node produces "${b.output}"`);
    const sub = (gb: GraphBuilder) => onnx.ModelProto.decode(gb.serialize().model).graph!;
    node.attribute = [
      onnx.AttributeProto.create({
        name: 'then_branch',
        type: onnx.AttributeProto.AttributeType.GRAPH,
        g: sub(b.then),
      }),
      onnx.AttributeProto.create({
        name: 'else_branch',
        type: onnx.AttributeProto.AttributeType.GRAPH,
        g: sub(b.else),
      }),
    ];
  }
  return onnx.ModelProto.encode(model).finish();
}

/** Writes the merged decoder to `path`; returns the path. */
export async function saveMergedDecoder(d: MergedDecoder, path: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, serializeMergedDecoder(d));
  return path;
}
