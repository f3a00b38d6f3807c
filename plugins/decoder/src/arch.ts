import type { MlpKind } from '@hf-core/onnx-builder';

/** Sizes of a synthesized decoder. `kvHeads` applies to types with grouped/multi-query attention. */
export interface Dims {
  vocab: number;
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  inner: number;
  maxPos: number;
  /** Short-conv kernel and recurrent sizes of hybrid layers. */
  convKernel: number;
  stateDim: number;
}

/**
 * What one layer mixes tokens with, named for the caches transformers.js builds for it
 * (`getCacheNames` in its configs.js): attention (past_key_values.i.key/value), LFM2 short
 * convolution (past_conv.i), Mamba (past_conv.i + past_ssm.i), linear attention (past_conv.i +
 * past_recurrent.i; OLMo-hybrid splits the conv state into .query/.key/.value), Falcon-H1's
 * parallel attention + Mamba, Zaya's attention with conv and token-shift states, and
 * DeepSeek-V4's attention with compressor (and indexer) states.
 */
export type LayerKind =
  | 'attention'
  | 'conv'
  | 'mamba'
  | 'linear'
  | 'linear-qkv'
  | 'attention+mamba'
  | 'attention+shift'
  | 'attention+compressor'
  | 'attention+compressor+indexer';

/** The structure of the tiny graph for one model type. */
export interface Arch {
  norm: 'layernorm' | 'rmsnorm';
  /** learned absolute, rotary (RoPE), ALiBi biases, or none (NoPE). */
  position: 'learned' | 'rotary' | 'alibi' | 'none';
  /** Fraction of each head's dims that rotate (GPT-NeoX, Phi, StableLM use partial rotary). */
  rotaryFraction?: number;
  ropeTheta?: number;
  mlp: MlpKind;
  /** Attention and MLP read the same normed input and add to the residual together. */
  parallel?: boolean;
  qkvBias?: boolean;
  /** Whether the graph declares `position_ids` (otherwise positions come from the mask in-graph). */
  positionIds: boolean;
  /** Learned positions start here (OPT: 2). */
  positionOffset?: number;
  /** `fused`: GPT-BigCode multi-query `key_value` cache; `none`: no cache inputs at all. */
  cache: 'kv' | 'fused' | 'none';
  /** Grouped-query attention (kv heads < heads). */
  gqa?: boolean;
  /** HRM-Text: token_type_ids input (prefix block marker), embedded and added. */
  tokenTypeIds?: boolean;
  /** Per-layer mixers for hybrid types; all attention when absent. */
  layers?: (n: number) => LayerKind[];
  /** Gemma: embeddings scaled by sqrt(hidden). */
  scaleEmbeddings?: boolean;
  /** Gemma-2: logits soft-capped with cap * tanh(logits / cap). */
  logitSoftcap?: number;
  /** Gemma-2: attention scores soft-capped the same way. */
  attnSoftcap?: number;
  /** Per-head RMSNorm of queries and keys (Qwen3, OLMo-2/3, Gemma-3, Apertus). */
  qkNorm?: boolean;
}

/** The cache input names a layer list implies, in graph order. */
export function cacheNames(arch: Arch, kinds: LayerKind[], prefix: 'past' | 'present'): string[] {
  const kv = prefix === 'past' ? 'past_key_values' : 'present';
  const names: string[] = [];
  if (arch.cache === 'none') return names;
  kinds.forEach((k, i) => {
    if (k.startsWith('attention')) {
      if (arch.cache === 'fused') names.push(`${kv}.${i}.key_value`);
      else names.push(`${kv}.${i}.key`, `${kv}.${i}.value`);
    }
    if (k === 'attention+shift') names.push(`${kv}.${i}.conv_state`, `${kv}.${i}.shift_state`);
    if (k === 'conv' || k === 'mamba' || k === 'linear' || k === 'attention+mamba') names.push(`${prefix}_conv.${i}`);
    if (k === 'linear-qkv')
      names.push(`${prefix}_conv.${i}.query`, `${prefix}_conv.${i}.key`, `${prefix}_conv.${i}.value`);
    if (k === 'mamba' || k === 'attention+mamba') names.push(`${prefix}_ssm.${i}`);
    if (k.startsWith('attention+compressor'))
      names.push(`${prefix}_compressor.${i}.kv`, `${prefix}_compressor.${i}.gate`);
    if (k === 'attention+compressor+indexer') names.push(`${prefix}_indexer.${i}.kv`, `${prefix}_indexer.${i}.gate`);
    if (k === 'linear' || k === 'linear-qkv') names.push(`${prefix}_recurrent.${i}`);
  });
  return names;
}
