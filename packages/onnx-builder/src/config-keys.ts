import type { DecoderDims } from './nn-multimodal-decoders.ts';

/**
 * A Llama-style decoder's size keys in config.json, taken from the graph's dims: the names
 * transformers.js's `getNormalizedConfig` reads to size the KV cache, so they always match what
 * was built. Every type (or `text_config`) with Llama names spreads these and adds its own keys.
 */
export const llamaSizeKeys = (d: DecoderDims) => ({
  vocab_size: d.vocab,
  hidden_size: d.hidden,
  intermediate_size: d.inner,
  num_hidden_layers: d.layers,
  num_attention_heads: d.heads,
  num_key_value_heads: d.kvHeads,
  head_dim: d.headDim,
  max_position_embeddings: d.maxPos,
});

/** The size keys plus Llama's own choices: SiLU MLP, RMSNorm eps 1e-6, RoPE theta 1e4, untied embeddings. */
export const llamaTextKeys = (d: DecoderDims) => ({
  ...llamaSizeKeys(d),
  hidden_act: 'silu',
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  tie_word_embeddings: false,
});
