import {
  alibiBias,
  cachedAttention,
  decoderCausalBias,
  decoderMlp,
  embedding,
  GraphBuilder,
  lastN,
  layerNorm,
  linear,
  newTokenMask,
  convWithState,
  positionsFromMask,
  recurrentMixer,
  rmsNorm,
  rotaryTables,
  shortConvBlock,
  type AttentionOptions,
  type Rotary,
} from '@hf-core/onnx-builder';
import { cacheNames, type Arch, type Dims, type LayerKind } from './arch.ts';

export interface GraphFaults {
  /** present.* holds only the new tokens' keys/values (not concatenated with the past). */
  dropPast?: boolean;
  /** Leave out the cache inputs entirely (a decoder exported without past_key_values). */
  noCache?: boolean;
  /** The cache stores keys before rotary embedding. */
  cacheBeforeRope?: boolean;
  /** Attention ignores the attention mask (padding is attended like any token). */
  ignorePadding?: boolean;
}

const layerKinds = (arch: Arch, d: Dims): LayerKind[] => arch.layers?.(d.layers) ?? Array(d.layers).fill('attention');

/**
 * The tiny causal LM: embeddings (+ learned positions), N pre-norm (or parallel) layers of
 * cached causal attention and/or recurrent mixers with an MLP, final norm, LM head.
 * Inputs: input_ids, attention_mask [b, past+new], position_ids where the type takes them,
 * the cache; outputs: logits and present.*.
 */
export function buildDecoderGraph(arch: Arch, d: Dims, seed: number, faults: GraphFaults = {}): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'tiny-causal-lm' });
  const kinds = layerKinds(arch, d);
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'total_sequence_length']);
  const ctx = decoderCausalBias(
    g,
    ids,
    faults.ignorePadding ? g.op('Max', [mask, g.scalarInt64(1, 'all_ones')], {}, { name: 'mask_ignored' }) : mask,
  );
  const positions = arch.positionIds
    ? g.input('position_ids', 'int64', ['batch_size', 'sequence_length'])
    : positionsFromMask(g, ctx, 'positions', arch.positionOffset ?? 0);
  const tokenTypes = arch.tokenTypeIds
    ? g.input('token_type_ids', 'int64', ['batch_size', 'sequence_length'])
    : undefined;
  const useCache = arch.cache !== 'none' && !faults.noCache;
  const kvHeads = arch.cache === 'fused' ? 1 : arch.gqa ? d.kvHeads : d.heads;
  const past = new Map<string, string>();
  if (useCache) {
    for (const name of cacheNames(arch, kinds, 'past'))
      past.set(name, g.input(name, 'float32', pastDims(name, d, kvHeads, kinds)));
  }
  let x = embedding(g, ids, d.vocab, d.hidden, 'embed_tokens');
  if (arch.scaleEmbeddings) x = g.op('Mul', [x, g.scalarFloat(Math.sqrt(d.hidden), 'embed_scale')]);
  if (arch.position === 'learned')
    x = g.op('Add', [x, embedding(g, positions, d.maxPos + (arch.positionOffset ?? 0), d.hidden, 'embed_positions')]);
  if (tokenTypes) x = g.op('Add', [x, embedding(g, tokenTypes, 2, d.hidden, 'embed_token_types')]);
  // Without a cache only the new tokens are keys: mask them with the last s mask entries.
  const attnCtx = useCache ? ctx : decoderCausalBias(g, ids, lastN(g, mask, ctx.newLen, 1, 'mask_now'), 'causal_now');
  let bias = attnCtx.bias;
  if (arch.position === 'alibi')
    bias = g.op('Add', [bias, alibiBias(g, attnCtx, d.heads)], {}, { name: 'alibi_causal' });
  let rope: Rotary | undefined;
  if (arch.position === 'rotary') {
    const dim = Math.max(2, Math.round((d.headDim * (arch.rotaryFraction ?? 1)) / 2) * 2);
    rope = rotaryTables(g, positions, dim, arch.ropeTheta ?? 10000);
  }
  const mask3 = kinds.some((k) => k !== 'attention') ? newTokenMask(g, ctx) : undefined;
  const norm = (v: string, name: string) =>
    arch.norm === 'rmsnorm' ? rmsNorm(g, v, d.hidden, name) : layerNorm(g, v, d.hidden, name, 1e-5);
  const presents: string[] = [];
  kinds.forEach((kind, i) => {
    const p = `layers.${i}`;
    const h = norm(x, `${p}.input_norm`);
    const mixed: string[] = [];
    if (kind.startsWith('attention')) {
      const cache: AttentionOptions['cache'] = !useCache
        ? { kind: 'none' }
        : arch.cache === 'fused'
          ? { kind: 'fused', past: past.get(`past_key_values.${i}.key_value`)! }
          : {
              kind: 'kv',
              pastKey: past.get(`past_key_values.${i}.key`)!,
              pastValue: past.get(`past_key_values.${i}.value`)!,
            };
      const a = cachedAttention(
        g,
        h,
        {
          hidden: d.hidden,
          heads: d.heads,
          kvHeads,
          headDim: d.headDim,
          bias,
          rope,
          cache,
          qkvBias: arch.qkvBias,
          qkNorm: arch.qkNorm,
          softcap: arch.attnSoftcap,
          dropPast: faults.dropPast,
          cacheBeforeRope: faults.cacheBeforeRope,
        },
        `${p}.attn`,
      );
      mixed.push(a.out);
      presents.push(...a.present);
    }
    if (kind === 'attention+shift' && useCache) {
      // Zaya: a short conv and a token shift (the previous token's hidden state), both cached.
      const c = convWithState(
        g,
        h,
        past.get(`past_key_values.${i}.conv_state`)!,
        d.hidden,
        d.convKernel,
        mask3!,
        `${p}.conv`,
      );
      const s = convWithState(g, h, past.get(`past_key_values.${i}.shift_state`)!, d.hidden, 2, mask3!, `${p}.shift`);
      mixed.push(linear(g, g.op('Add', [c.y, s.y]), d.hidden, d.hidden, `${p}.conv_out`, { bias: false }));
      presents.push(c.state, s.state);
    }
    if (kind.startsWith('attention+compressor') && useCache) {
      // DeepSeek-V4 stand-in: gated short convolutions whose windows are the compressor (and indexer) states.
      for (const part of kind.endsWith('indexer') ? ['compressor', 'indexer'] : ['compressor']) {
        const kv = convWithState(
          g,
          linear(g, h, d.hidden, d.headDim, `${p}.${part}.kv_proj`, { bias: false }),
          past.get(`past_${part}.${i}.kv`)!,
          d.headDim,
          d.convKernel,
          mask3!,
          `${p}.${part}.kv`,
        );
        const gate = convWithState(
          g,
          linear(g, h, d.hidden, d.headDim, `${p}.${part}.gate_proj`, { bias: false }),
          past.get(`past_${part}.${i}.gate`)!,
          d.headDim,
          d.convKernel,
          mask3!,
          `${p}.${part}.gate`,
        );
        const gated = g.op(
          'Mul',
          [kv.y, g.op('Sigmoid', [gate.y], {}, { name: `${p}/${part}_sigmoid` })],
          {},
          { name: `${p}/${part}_gated` },
        );
        mixed.push(linear(g, gated, d.headDim, d.hidden, `${p}.${part}.out_proj`, { bias: false }));
        presents.push(kv.state, gate.state);
      }
    }
    if (kind === 'conv') {
      const c = shortConvBlock(g, h, d.hidden, d.convKernel, past.get(`past_conv.${i}`)!, mask3!, `${p}.conv`);
      mixed.push(c.out);
      presents.push(...c.present);
    }
    if (kind === 'mamba' || kind === 'attention+mamba' || kind === 'linear' || kind === 'linear-qkv') {
      const convStates =
        kind === 'linear-qkv'
          ? ['query', 'key', 'value'].map((n) => past.get(`past_conv.${i}.${n}`)!)
          : [past.get(`past_conv.${i}`)!];
      const recurrent = past.get(kind.includes('mamba') ? `past_ssm.${i}` : `past_recurrent.${i}`)!;
      const r = recurrentMixer(
        g,
        h,
        {
          hidden: d.hidden,
          heads: d.heads,
          dk: d.stateDim,
          dv: d.headDim,
          kernel: d.convKernel,
          ctx,
          mask3: mask3!,
          convStates,
          recurrentState: recurrent,
        },
        `${p}.mixer`,
      );
      mixed.push(r.out);
      presents.push(...r.present);
    }
    const mixedSum = mixed.length === 1 ? mixed[0]! : g.op('Sum', mixed, {}, { name: `${p}/mixers` });
    if (arch.parallel) {
      const m = decoderMlp(g, h, d.hidden, d.inner, arch.mlp, `${p}.mlp`);
      x = g.op('Add', [g.op('Add', [x, mixedSum]), m], {}, { name: `${p}/residual` });
    } else {
      x = g.op('Add', [x, mixedSum], {}, { name: `${p}/residual1` });
      x = g.op(
        'Add',
        [x, decoderMlp(g, norm(x, `${p}.post_norm`), d.hidden, d.inner, arch.mlp, `${p}.mlp`)],
        {},
        { name: `${p}/residual2` },
      );
    }
  });
  let logits = linear(g, norm(x, 'final_norm'), d.hidden, d.vocab, 'lm_head', { bias: false, std: 0.5 });
  if (arch.logitSoftcap) {
    const cap = arch.logitSoftcap;
    logits = g.op(
      'Mul',
      [g.op('Tanh', [g.op('Mul', [logits, g.scalarFloat(1 / cap, 'softcap.inv')])]), g.scalarFloat(cap, 'softcap.cap')],
      {},
      { name: 'softcap' },
    );
  }
  g.output(logits, 'logits', 'float32', ['batch_size', 'sequence_length', d.vocab]);
  if (useCache) {
    const names = cacheNames(arch, kinds, 'present');
    names.forEach((name, j) => g.output(presents[j]!, name, 'float32', presentDims(name, d, kvHeads, kinds)));
  }
  return g;
}

function pastDims(name: string, d: Dims, kvHeads: number, kinds: LayerKind[]): (number | string)[] {
  if (name.endsWith('.key_value')) return ['batch_size', 'past_sequence_length', 2 * d.headDim];
  return stateDims(name, d, kinds) ?? ['batch_size', kvHeads, 'past_sequence_length', d.headDim];
}

function presentDims(name: string, d: Dims, kvHeads: number, kinds: LayerKind[]): (number | string)[] {
  if (name.endsWith('.key_value')) return ['batch_size', 'total_sequence_length', 2 * d.headDim];
  return stateDims(name, d, kinds) ?? ['batch_size', kvHeads, 'total_sequence_length', d.headDim];
}

/** Fixed-size recurrent states: conv [b, channels, kernel-1], recurrent/ssm [b, heads, dk, dv]. */
function stateDims(name: string, d: Dims, kinds: LayerKind[]): (number | string)[] | undefined {
  if (name.endsWith('.shift_state')) return ['batch_size', d.hidden, 1];
  if (name.endsWith('.conv_state')) return ['batch_size', d.hidden, d.convKernel - 1];
  if (/_(compressor|indexer)\.\d+\.(kv|gate)$/.test(name)) return ['batch_size', d.headDim, d.convKernel - 1];
  if (/_conv\.\d+\.(query|key)$/.test(name)) return ['batch_size', d.heads * d.stateDim, d.convKernel - 1];
  if (/_conv\.\d+\.value$/.test(name)) return ['batch_size', d.heads * d.headDim, d.convKernel - 1];
  const conv = /_conv\.(\d+)$/.exec(name);
  if (conv)
    return [
      'batch_size',
      kinds[Number(conv[1])] === 'conv' ? d.hidden : d.heads * (2 * d.stateDim + d.headDim),
      d.convKernel - 1,
    ];
  if (/_(ssm|recurrent)\.\d+$/.test(name)) return ['batch_size', d.heads, d.stateDim, d.headDim];
  return undefined;
}
