import { llamaTextKeys } from '@hf-core/onnx-builder';
import type { Dims } from './arch.ts';

/** Special token ids the config and generation_config name. */
export interface TokenIds {
  bos: number;
  eos: number;
  pad: number;
}

/**
 * config.json bodies in each type's own key names. The keys transformers.js reads to size the
 * cache (its `getNormalizedConfig`) are always present with values that match the graph.
 */
export type ConfigFn = (d: Dims, t: TokenIds) => Record<string, unknown>;

const ids = (t: TokenIds) => ({ bos_token_id: t.bos, eos_token_id: t.eos, pad_token_id: t.pad });

/** GPT-2 names: n_embd / n_layer / n_head (gpt2, gptj, codegen, jais, gpt_bigcode). */
export const gpt2Keys: ConfigFn = (d, t) => ({
  vocab_size: d.vocab,
  n_embd: d.hidden,
  n_layer: d.layers,
  n_head: d.heads,
  n_inner: d.inner,
  n_positions: d.maxPos,
  n_ctx: d.maxPos,
  layer_norm_epsilon: 1e-5,
  activation_function: 'gelu_new',
  tie_word_embeddings: false,
  use_cache: true,
  ...ids(t),
});

/** Llama names: hidden_size / num_hidden_layers / num_attention_heads / num_key_value_heads / head_dim. */
export const llamaKeys: ConfigFn = (d, t) => ({
  ...llamaTextKeys(d),
  attention_bias: false,
  use_cache: true,
  ...ids(t),
});

/** NeoX-style names without kv heads: hidden_size / num_hidden_layers / num_attention_heads. */
export const neoxKeys: ConfigFn = (d, t) => ({
  vocab_size: d.vocab,
  hidden_size: d.hidden,
  intermediate_size: d.inner,
  num_hidden_layers: d.layers,
  num_attention_heads: d.heads,
  max_position_embeddings: d.maxPos,
  layer_norm_eps: 1e-5,
  hidden_act: 'gelu',
  tie_word_embeddings: false,
  use_cache: true,
  ...ids(t),
});

/** MLA (DeepSeek-V3 family) names: the cache's head dim is qk_nope_head_dim + qk_rope_head_dim. */
export const mlaKeys: ConfigFn = (d, t) => ({
  ...llamaKeys(d, t),
  head_dim: undefined,
  qk_nope_head_dim: d.headDim / 2,
  qk_rope_head_dim: d.headDim / 2,
  qk_head_dim: d.headDim,
  v_head_dim: d.headDim,
  kv_lora_rank: d.hidden / 2,
  q_lora_rank: d.hidden / 2,
  n_routed_experts: 2,
  num_experts_per_tok: 1,
  n_shared_experts: 1,
  moe_intermediate_size: d.inner / 2,
  first_k_dense_replace: d.layers,
});

/** MoE keys some llama-like types carry (the tiny graph uses one dense MLP: top-1 of 1 expert). */
export const moeKeys = (d: Dims) => ({
  num_experts: 1,
  num_local_experts: 1,
  num_experts_per_tok: 1,
  moe_intermediate_size: d.inner,
});

/** Layer-type lists in each hybrid's own vocabulary. */
export const alternate = (a: string, b: string) => (n: number) =>
  Array.from({ length: n }, (_, i) => (i % 2 === 0 ? a : b));
