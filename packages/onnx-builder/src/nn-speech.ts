import type { GraphBuilder } from './graph.ts';
import { gelu, layerNorm, linear, mergeHeads, mlp, scaledDotProduct, selfAttention, splitHeads } from './nn.ts';

/**
 * Speech building blocks: 1-D convolutions over raw audio or spectrogram frames (Wav2Vec2 /
 * Whisper front ends), transformer stacks, and a Whisper-style decoder whose self-attention and
 * cross-attention caches use the names transformers.js feeds (`past_key_values.{i}.decoder.*`,
 * `past_key_values.{i}.encoder.*`, outputs `present.{i}.*`).
 */

/** Output length of a 1-D convolution. */
export const convOutLength = (len: number, kernel: number, stride: number, pad = 0) =>
  Math.floor((len + 2 * pad - kernel) / stride) + 1;

/** Conv over [b, inCh, t] -> [b, outCh, t']. */
export function conv1d(
  g: GraphBuilder,
  x: string,
  inCh: number,
  outCh: number,
  kernel: number,
  name: string,
  opts: { stride?: number; pad?: number; groups?: number; bias?: boolean } = {},
): string {
  const groups = opts.groups ?? 1;
  const w = g.param(`${name}.weight`, [outCh, inCh / groups, kernel], {
    std: Math.sqrt(2 / ((inCh / groups) * kernel)),
  });
  const inputs = [x, w];
  if (opts.bias !== false) inputs.push(g.param(`${name}.bias`, [outCh], { std: 0.02 }));
  const pad = opts.pad ?? 0;
  return g.op(
    'Conv',
    inputs,
    { kernel_shape: [kernel], strides: [opts.stride ?? 1], pads: [pad, pad], group: groups },
    { name },
  );
}

/** Per-channel normalization over time of [b, ch, t] (GroupNorm with one group per channel). */
export function channelNorm(g: GraphBuilder, x: string, ch: number, name: string): string {
  const scale = g.op(
    'Add',
    [g.param(`${name}.weight`, [ch], { init: 'uniform', scale: 0.1 }), g.scalarFloat(1, `${name}.one`)],
    {},
    { name: `${name}/gamma` },
  );
  return g.op(
    'InstanceNormalization',
    [x, scale, g.param(`${name}.bias`, [ch], { std: 0.02 })],
    { epsilon: { float: 1e-5 } },
    { name },
  );
}

/** [b, a, c] -> [b, c, a]. */
export const swapLast = (g: GraphBuilder, x: string, name: string) =>
  g.op('Transpose', [x], { perm: [0, 2, 1] }, { name });

/**
 * Wav2Vec2-style feature encoder over raw audio [b, samples]: strided convs with GELU (GroupNorm
 * on the first), then LayerNorm + projection to `hidden`. Returns frames [b, t, hidden].
 */
export function convFeatureEncoder(
  g: GraphBuilder,
  audio: string,
  dims: number[],
  kernels: number[],
  strides: number[],
  hidden: number,
  name = 'feature_extractor',
): string {
  let x = g.op('Unsqueeze', [audio, g.constInt64([1], `${name}.axes`)], {}, { name: `${name}/unsqueeze` });
  let ch = 1;
  dims.forEach((out, i) => {
    x = conv1d(g, x, ch, out, kernels[i]!, `${name}.conv${i}`, { stride: strides[i], bias: false });
    if (i === 0) x = channelNorm(g, x, out, `${name}.norm0`);
    x = gelu(g, x, `${name}.act${i}`);
    ch = out;
  });
  const frames = layerNorm(g, swapLast(g, x, `${name}/to_frames`), ch, `${name}.projection_norm`, 1e-5);
  return linear(g, frames, ch, hidden, `${name}.projection`);
}

/** Convolutional relative position embedding (Wav2Vec2): grouped conv over time, added to x [b, t, d]. */
export function convPositionEmbedding(
  g: GraphBuilder,
  x: string,
  hidden: number,
  kernel: number,
  groups: number,
  name = 'pos_conv',
): string {
  const c = conv1d(g, swapLast(g, x, `${name}/in`), hidden, hidden, kernel, name, {
    pad: Math.floor(kernel / 2),
    groups,
  });
  // An even kernel yields one extra frame, which Wav2Vec2 drops (SamePad).
  const sliced =
    kernel % 2 === 0
      ? g.op(
          'Slice',
          [c, g.constInt64([0], `${name}.start`), g.constInt64([-1], `${name}.end`), g.constInt64([2], `${name}.axis`)],
          {},
          { name: `${name}/same_pad` },
        )
      : c;
  return g.op('Add', [x, swapLast(g, gelu(g, sliced, `${name}.act`), `${name}/out`)], {}, { name: `${name}/add` });
}

/** N transformer layers over [b, t, d]: post-LN (Wav2Vec2 base, BERT) or pre-LN (Whisper, large Wav2Vec2). */
export function transformerStack(
  g: GraphBuilder,
  x: string,
  d: { hidden: number; heads: number; inner: number; layers: number },
  name: string,
  opts: { preNorm?: boolean; eps?: number } = {},
): string {
  const eps = opts.eps ?? 1e-5;
  for (let l = 0; l < d.layers; l++) {
    const p = `${name}.layers.${l}`;
    if (opts.preNorm) {
      x = g.op(
        'Add',
        [x, selfAttention(g, layerNorm(g, x, d.hidden, `${p}.attn_norm`, eps), d.hidden, d.heads, `${p}.attn`)],
        {},
        { name: `${p}/res1` },
      );
      x = g.op(
        'Add',
        [x, mlp(g, layerNorm(g, x, d.hidden, `${p}.mlp_norm`, eps), d.hidden, d.inner, `${p}.mlp`)],
        {},
        { name: `${p}/res2` },
      );
    } else {
      x = layerNorm(
        g,
        g.op('Add', [x, selfAttention(g, x, d.hidden, d.heads, `${p}.attn`)], {}, { name: `${p}/res1` }),
        d.hidden,
        `${p}.attn_norm`,
        eps,
      );
      x = layerNorm(
        g,
        g.op('Add', [x, mlp(g, x, d.hidden, d.inner, `${p}.mlp`)], {}, { name: `${p}/res2` }),
        d.hidden,
        `${p}.mlp_norm`,
        eps,
      );
    }
  }
  return x;
}

/** Sinusoidal positions [n, d] as a constant (Whisper's encoder embedding). */
export function sinusoids(g: GraphBuilder, n: number, d: number, name: string): string {
  const half = d / 2;
  const data = new Float32Array(n * d);
  const inc = Math.log(10000) / (half - 1);
  for (let p = 0; p < n; p++) {
    for (let i = 0; i < half; i++) {
      const a = p * Math.exp(-inc * i);
      data[p * d + i] = Math.sin(a);
      data[p * d + half + i] = Math.cos(a);
    }
  }
  return g.tensor(name, { type: 'float32', dims: [n, d], data });
}

/** The first `len` rows (len taken from `like`'s axis `axis`) of a [n, d] table. */
export function rowsLike(g: GraphBuilder, table: string, like: string, axis: number, name: string): string {
  const len = g.op(
    'Slice',
    [
      g.op('Shape', [like], {}, { name: `${name}/shape` }),
      g.constInt64([axis], `${name}.a0`),
      g.constInt64([axis + 1], `${name}.a1`),
    ],
    {},
    { name: `${name}/len` },
  );
  return g.op(
    'Slice',
    [table, g.constInt64([0], `${name}.zero`), len, g.constInt64([0], `${name}.axis`)],
    {},
    { name },
  );
}

export interface SpeechDims {
  hidden: number;
  heads: number;
  inner: number;
  layers: number;
}

/**
 * Whisper encoder: input_features [b, mels, frames] -> conv(k3) GELU -> conv(k3, stride 2) GELU ->
 * + sinusoidal positions -> pre-LN layers -> LayerNorm. Returns [b, frames/2, hidden].
 */
export function whisperEncoder(
  g: GraphBuilder,
  features: string,
  mels: number,
  maxSource: number,
  d: SpeechDims,
  name = 'encoder',
): string {
  let x = gelu(g, conv1d(g, features, mels, d.hidden, 3, `${name}.conv1`, { pad: 1 }), `${name}.act1`);
  x = gelu(g, conv1d(g, x, d.hidden, d.hidden, 3, `${name}.conv2`, { pad: 1, stride: 2 }), `${name}.act2`);
  x = swapLast(g, x, `${name}/to_frames`);
  x = g.op(
    'Add',
    [x, rowsLike(g, sinusoids(g, maxSource, d.hidden, `${name}.positions`), x, 1, `${name}/positions`)],
    {},
    { name: `${name}/pos` },
  );
  return layerNorm(g, transformerStack(g, x, d, name, { preNorm: true }), d.hidden, `${name}.layer_norm`, 1e-5);
}

/** Length of axis `axis` of `x` as a 0-d int64. */
function dimOf(g: GraphBuilder, x: string, axis: number, name: string): string {
  return g.op(
    'Gather',
    [g.op('Shape', [x], {}, { name: `${name}/shape` }), g.scalarInt64(axis, `${name}.axis`)],
    { axis: 0 },
    { name },
  );
}

export interface DecoderCache {
  past: { dk: string; dv: string; ek: string; ev: string }[];
  seqLen: string;
  /** Absolute positions of the new tokens: past length .. past length + seq length - 1. */
  qpos: string;
  /** Additive causal bias [s, past + s]. */
  causal: string;
  one: string;
}

/**
 * Declares the merged decoder's cache inputs (past_key_values.{i}.{decoder,encoder}.{key,value},
 * then use_cache_branch) and derives positions and the causal bias for the `seqSource` [b, s, ...]
 * new positions. transformers.js feeds an empty past (length 0) on the first step.
 */
export function declareDecoderCache(g: GraphBuilder, d: SpeechDims, seqSource: string, name: string): DecoderCache {
  const hd = d.hidden / d.heads;
  const past: DecoderCache['past'] = [];
  for (let l = 0; l < d.layers; l++) {
    const kv = (kind: string, part: string, len: string) =>
      g.input(`past_key_values.${l}.${kind}.${part}`, 'float32', ['batch_size', d.heads, len, hd]);
    past.push({
      dk: kv('decoder', 'key', 'past_decoder_sequence_length'),
      dv: kv('decoder', 'value', 'past_decoder_sequence_length'),
      ek: kv('encoder', 'key', 'encoder_sequence_length_out'),
      ev: kv('encoder', 'value', 'encoder_sequence_length_out'),
    });
  }
  g.input('use_cache_branch', 'bool', [1]);
  const pastLen = dimOf(g, past[0]!.dk, 2, `${name}/past_len`);
  const seqLen = dimOf(g, seqSource, 1, `${name}/seq_len`);
  const total = g.op('Add', [pastLen, seqLen], {}, { name: `${name}/total` });
  const one = g.scalarInt64(1, `${name}.one`);
  const qpos = g.op('Range', [pastLen, total, one], {}, { name: `${name}/qpos` });
  const kpos = g.op('Range', [g.scalarInt64(0, `${name}.zero`), total, one], {}, { name: `${name}/kpos` });
  const diff = g.op(
    'Sub',
    [
      g.op('Unsqueeze', [kpos, g.constInt64([0], `${name}.ax0`)]),
      g.op('Unsqueeze', [qpos, g.constInt64([1], `${name}.ax1`)]),
    ],
    {},
    { name: `${name}/diff` },
  );
  const causal = g.op(
    'Where',
    [
      g.op('Greater', [diff, g.scalarInt64(0, `${name}.z`)]),
      g.scalarFloat(-1e9, `${name}.neg`),
      g.scalarFloat(0, `${name}.zf`),
    ],
    {},
    { name: `${name}/causal` },
  );
  return { past, seqLen, qpos, causal, one };
}

/**
 * Pre-LN decoder layers over x [b, s, d]: cached causal self-attention, cross-attention to
 * `enc` and an MLP; declares present.{i}.* outputs. With an empty past the cross-attention
 * keys come from `enc`; with a past they come from the past (Concat then Slice keeps the first
 * encoder-length rows), so both branches of optimum's merged decoder live in one graph.
 */
export function cachedCrossLayers(
  g: GraphBuilder,
  x: string,
  enc: string,
  cache: DecoderCache,
  d: SpeechDims & { encoderHidden?: number },
  name: string,
  opts: { encoderBias?: string } = {},
): string {
  const hd = d.hidden / d.heads;
  const encLen = g.op(
    'Slice',
    [g.op('Shape', [enc]), g.constInt64([1], `${name}.s1`), g.constInt64([2], `${name}.s2`)],
    {},
    { name: `${name}/enc_len` },
  );
  for (let l = 0; l < d.layers; l++) {
    const p = `${name}.layers.${l}`;
    const past = cache.past[l]!;
    const h = layerNorm(g, x, d.hidden, `${p}.self_attn_norm`, 1e-5);
    const q = splitHeads(g, linear(g, h, d.hidden, d.hidden, `${p}.self_attn.q`), d.heads, hd, `${p}.sq`);
    const k = g.op(
      'Concat',
      [
        past.dk,
        splitHeads(g, linear(g, h, d.hidden, d.hidden, `${p}.self_attn.k`, { bias: false }), d.heads, hd, `${p}.sk`),
      ],
      { axis: 2 },
      { name: `${p}/k_cat` },
    );
    const v = g.op(
      'Concat',
      [past.dv, splitHeads(g, linear(g, h, d.hidden, d.hidden, `${p}.self_attn.v`), d.heads, hd, `${p}.sv`)],
      { axis: 2 },
      { name: `${p}/v_cat` },
    );
    g.output(k, `present.${l}.decoder.key`, 'float32', [
      'batch_size',
      d.heads,
      'past_decoder_sequence_length + decoder_sequence_length',
      hd,
    ]);
    g.output(v, `present.${l}.decoder.value`, 'float32', [
      'batch_size',
      d.heads,
      'past_decoder_sequence_length + decoder_sequence_length',
      hd,
    ]);
    const sa = scaledDotProduct(g, q, k, v, hd, `${p}.self_attn`, cache.causal);
    x = g.op(
      'Add',
      [x, linear(g, mergeHeads(g, sa, d.hidden, `${p}.self_merge`), d.hidden, d.hidden, `${p}.self_attn.out`)],
      {},
      { name: `${p}/res1` },
    );
    const h2 = layerNorm(g, x, d.hidden, `${p}.cross_attn_norm`, 1e-5);
    const cq = splitHeads(g, linear(g, h2, d.hidden, d.hidden, `${p}.cross_attn.q`), d.heads, hd, `${p}.cq`);
    const encIn = d.encoderHidden ?? d.hidden;
    const fresh = (part: 'k' | 'v') =>
      splitHeads(
        g,
        linear(g, enc, encIn, d.hidden, `${p}.cross_attn.${part}`, { bias: part === 'v' }),
        d.heads,
        hd,
        `${p}.c${part}`,
      );
    const pick = (pastT: string, part: 'k' | 'v') =>
      g.op(
        'Slice',
        [
          g.op('Concat', [pastT, fresh(part)], { axis: 2 }, { name: `${p}/c${part}_cat` }),
          g.constInt64([0], `${p}.c${part}.start`),
          encLen,
          g.constInt64([2], `${p}.c${part}.axis`),
        ],
        {},
        { name: `${p}/c${part}_pick` },
      );
    const ck = pick(past.ek, 'k');
    const cv = pick(past.ev, 'v');
    g.output(ck, `present.${l}.encoder.key`, 'float32', ['batch_size', d.heads, 'encoder_sequence_length_out', hd]);
    g.output(cv, `present.${l}.encoder.value`, 'float32', ['batch_size', d.heads, 'encoder_sequence_length_out', hd]);
    const ca = scaledDotProduct(g, cq, ck, cv, hd, `${p}.cross_attn`, opts.encoderBias);
    x = g.op(
      'Add',
      [x, linear(g, mergeHeads(g, ca, d.hidden, `${p}.cross_merge`), d.hidden, d.hidden, `${p}.cross_attn.out`)],
      {},
      { name: `${p}/res2` },
    );
    x = g.op(
      'Add',
      [x, mlp(g, layerNorm(g, x, d.hidden, `${p}.mlp_norm`, 1e-5), d.hidden, d.inner, `${p}.mlp`)],
      {},
      { name: `${p}/res3` },
    );
  }
  return layerNorm(g, x, d.hidden, `${name}.layer_norm`, 1e-5);
}

/**
 * Whisper's merged decoder as optimum exports it: inputs input_ids, encoder_hidden_states, the
 * cache and use_cache_branch; outputs logits (tied to the token embedding) and present.{i}.*.
 * `codebooks` makes it MusicGen's: input_ids has batch x codebooks rows (row % codebooks is the
 * codebook), each row cross-attends to its batch item, and the pad id (= vocab) starts every row.
 */
export function whisperMergedDecoder(
  g: GraphBuilder,
  d: SpeechDims & { vocab: number; maxTarget: number; encoderHidden?: number },
  name = 'decoder',
  opts: { positionsIgnorePast?: boolean; codebooks?: number } = {},
): void {
  const K = opts.codebooks;
  const encDim = d.encoderHidden ?? d.hidden;
  const ids = g.input('input_ids', 'int64', ['batch_size', 'decoder_sequence_length']);
  let enc = g.input('encoder_hidden_states', 'float32', [
    K ? 'encoder_batch_size' : 'batch_size',
    'encoder_sequence_length',
    encDim,
  ]);
  if (K) {
    const tiled = g.op('Expand', [
      g.op('Unsqueeze', [enc, g.constInt64([1], `${name}.cb_axis`)]),
      g.constInt64([1, K, 1, 1], `${name}.cb_rep`),
    ]);
    const encLenDim = g.op('Slice', [
      g.op('Shape', [enc]),
      g.constInt64([1], `${name}.cb_s1`),
      g.constInt64([2], `${name}.cb_s2`),
    ]);
    const shape = g.op(
      'Concat',
      [g.constInt64([-1], `${name}.cb_rows`), encLenDim, g.constInt64([encDim], `${name}.cb_dim`)],
      { axis: 0 },
    );
    enc = g.op('Reshape', [tiled, shape], {}, { name: `${name}/enc_per_codebook` });
  }
  const cache = declareDecoderCache(g, d, ids, name);
  const table = g.param(`${name}.embed_tokens.weight`, [K ? d.vocab + 1 : d.vocab, d.hidden], { std: 0.5 });
  const posTable = g.param(`${name}.embed_positions.weight`, [d.maxTarget, d.hidden], { std: 0.1 });
  // positionsIgnorePast is a deliberately broken variant that lets tests prove the cache check can fail.
  const positions = opts.positionsIgnorePast
    ? g.op('Range', [g.scalarInt64(0, `${name}.p0`), cache.seqLen, cache.one], {}, { name: `${name}/bad_pos` })
    : cache.qpos;
  let x = g.op(
    'Add',
    [g.op('Gather', [table, ids], { axis: 0 }), g.op('Gather', [posTable, positions], { axis: 0 })],
    {},
    { name: `${name}/embed` },
  );
  if (K) {
    const rows = g.op(
      'Range',
      [g.scalarInt64(0, `${name}.r0`), dimOf(g, ids, 0, `${name}/rows`), cache.one],
      {},
      { name: `${name}/row_ids` },
    );
    const cb = g.op('Mod', [rows, g.scalarInt64(K, `${name}.K`)], {}, { name: `${name}/codebook` });
    const cbEmbed = g.op('Gather', [g.param(`${name}.codebook_embed.weight`, [K, d.hidden], { std: 0.5 }), cb], {
      axis: 0,
    });
    x = g.op(
      'Add',
      [x, g.op('Unsqueeze', [cbEmbed, g.constInt64([1], `${name}.cb_unsq`)])],
      {},
      { name: `${name}/with_codebook` },
    );
  }
  x = cachedCrossLayers(g, x, enc, cache, d, name);
  const head = K ? g.param(`${name}.lm_head.weight`, [d.vocab, d.hidden], { std: 0.5 }) : table;
  const logits = g.op(
    'MatMul',
    [x, g.op('Transpose', [head], { perm: [1, 0] }, { name: `${name}/tied` })],
    {},
    { name: `${name}/logits` },
  );
  g.output(logits, 'logits', 'float32', ['batch_size', 'decoder_sequence_length', d.vocab]);
}
