import type { Arch, Dims, LayerKind } from './arch.ts';
import { alternate, gpt2Keys, llamaKeys, mlaKeys, moeKeys, neoxKeys, type ConfigFn } from './configs.ts';

/**
 * The decoder-only types this plugin synthesizes: graph structure, tokenizer style and class,
 * and config.json in the type's own key names (see /work/shared/reference/
 * tjs_config_normalization.tsv, i.e. what transformers.js 4.3.2 reads to size the cache).
 */
export type TokenizerStyle = 'gpt2' | 'llama' | 'chatml';

export interface DecoderSpec {
  architecture: string;
  arch: Arch;
  tokenizer: TokenizerStyle;
  tokenizerClass: string;
  config: ConfigFn;
}

const llamaArch: Arch = {
  norm: 'rmsnorm',
  position: 'rotary',
  mlp: 'swiglu',
  positionIds: true,
  cache: 'kv',
  gqa: true,
};
const ln = (over: Partial<Arch>): Arch => ({ ...llamaArch, norm: 'layernorm', ...over });
const llamaLike = (
  architecture: string,
  tokenizer: TokenizerStyle = 'llama',
  extra: ConfigFn = () => ({}),
  arch: Partial<Arch> = {},
): DecoderSpec => ({
  architecture,
  arch: { ...llamaArch, ...arch },
  tokenizer,
  tokenizerClass: tokenizer === 'chatml' ? 'Qwen2Tokenizer' : tokenizer === 'gpt2' ? 'GPT2Tokenizer' : 'LlamaTokenizer',
  config: (d, t) => ({ ...llamaKeys(d, t), ...extra(d, t) }),
});
const withClass = (s: DecoderSpec, tokenizerClass: string): DecoderSpec => ({ ...s, tokenizerClass });
const kinds = (f: (n: number) => string[], map: Record<string, LayerKind>) => (n: number) => f(n).map((k) => map[k]!);

const lfm2Layers = alternate('conv', 'full_attention');
const lfm2 = (architecture: string, moe = false): DecoderSpec =>
  llamaLike(
    architecture,
    'chatml',
    (d) => ({
      layer_types: lfm2Layers(d.layers),
      conv_L_cache: d.convKernel,
      conv_bias: false,
      norm_eps: 1e-5,
      block_ff_dim: d.inner,
      block_auto_adjust_ff_dim: false,
      ...(moe ? { ...moeKeys(d), num_dense_layers: d.layers } : {}),
    }),
    {
      layers: kinds(lfm2Layers, { conv: 'conv', full_attention: 'attention' }),
    },
  );
const mambaKeys = (d: Dims) => ({
  mamba_d_conv: d.convKernel,
  mamba_d_state: d.stateDim,
  mamba_n_heads: d.heads,
  mamba_d_head: d.headDim,
  mamba_expand: 1,
  mamba_n_groups: 1,
  mamba_chunk_size: 16,
});
const linearAttnKeys = (d: Dims) => ({
  linear_conv_kernel_dim: d.convKernel,
  linear_key_head_dim: d.stateDim,
  linear_value_head_dim: d.headDim,
  linear_num_key_heads: d.heads,
  linear_num_value_heads: d.heads,
});
const linearLayers = alternate('linear_attention', 'full_attention');
const dsv4Layers = (n: number) =>
  Array.from(
    { length: n },
    (_, i) => ['compressed_sparse_attention', 'heavily_compressed_attention', 'sliding_attention'][i % 3]!,
  );

export const DECODER_SPECS: Record<string, DecoderSpec> = {
  // --- GPT-2 key names ---
  gpt2: {
    architecture: 'GPT2LMHeadModel',
    arch: ln({ position: 'learned', mlp: 'gelu', gqa: false, qkvBias: true }),
    tokenizer: 'gpt2',
    tokenizerClass: 'GPT2Tokenizer',
    config: gpt2Keys,
  },
  gptj: {
    architecture: 'GPTJForCausalLM',
    arch: ln({ position: 'rotary', rotaryFraction: 0.5, mlp: 'gelu', parallel: true, gqa: false }),
    tokenizer: 'gpt2',
    tokenizerClass: 'GPT2Tokenizer',
    config: (d, t) => ({ ...gpt2Keys(d, t), rotary_dim: d.headDim / 2 }),
  },
  codegen: {
    architecture: 'CodeGenForCausalLM',
    arch: ln({ position: 'rotary', rotaryFraction: 0.5, mlp: 'gelu', parallel: true, gqa: false }),
    tokenizer: 'gpt2',
    tokenizerClass: 'CodeGenTokenizer',
    config: (d, t) => ({ ...gpt2Keys(d, t), rotary_dim: d.headDim / 2 }),
  },
  jais: {
    architecture: 'JAISLMHeadModel',
    arch: ln({ position: 'alibi', mlp: 'swiglu', gqa: false, positionIds: false, qkvBias: true }),
    tokenizer: 'gpt2',
    tokenizerClass: 'PreTrainedTokenizerFast',
    config: (d, t) => ({
      ...gpt2Keys(d, t),
      activation_function: 'swiglu',
      position_embedding_type: 'alibi',
      mup_width_scale: 1,
      mup_embeddings_scale: 1,
      mup_output_alpha: 1,
      mup_scale_qk_dot_by_d: false,
    }),
  },
  gpt_bigcode: {
    architecture: 'GPTBigCodeForCausalLM',
    arch: ln({ position: 'learned', mlp: 'gelu', cache: 'fused', gqa: true, qkvBias: true }),
    tokenizer: 'gpt2',
    tokenizerClass: 'GPT2Tokenizer',
    config: (d, t) => ({ ...gpt2Keys(d, t), multi_query: true }),
  },
  // --- NeoX-style key names ---
  gpt_neox: {
    architecture: 'GPTNeoXForCausalLM',
    arch: ln({ position: 'rotary', rotaryFraction: 0.25, mlp: 'gelu', parallel: true, gqa: false, qkvBias: true }),
    tokenizer: 'gpt2',
    tokenizerClass: 'GPTNeoXTokenizer',
    config: (d, t) => ({ ...neoxKeys(d, t), rotary_pct: 0.25, rotary_emb_base: 10000, use_parallel_residual: true }),
  },
  stablelm: {
    architecture: 'StableLmForCausalLM',
    arch: ln({ position: 'rotary', rotaryFraction: 0.25, gqa: true }),
    tokenizer: 'gpt2',
    tokenizerClass: 'GPTNeoXTokenizer',
    config: (d, t) => ({
      ...neoxKeys(d, t),
      num_key_value_heads: d.kvHeads,
      partial_rotary_factor: 0.25,
      rope_theta: 10000,
      hidden_act: 'silu',
      use_qkv_bias: false,
    }),
  },
  opt: {
    architecture: 'OPTForCausalLM',
    arch: ln({ position: 'learned', positionOffset: 2, positionIds: false, mlp: 'relu', gqa: false, qkvBias: true }),
    tokenizer: 'gpt2',
    tokenizerClass: 'GPT2Tokenizer',
    config: (d, t) => ({
      ...neoxKeys(d, t),
      intermediate_size: undefined,
      ffn_dim: d.inner,
      word_embed_proj_dim: d.hidden,
      do_layer_norm_before: true,
      activation_function: 'relu',
      enable_bias: true,
    }),
  },
  falcon: {
    architecture: 'FalconForCausalLM',
    arch: ln({ position: 'rotary', mlp: 'gelu', parallel: true, gqa: false }),
    tokenizer: 'gpt2',
    tokenizerClass: 'PreTrainedTokenizerFast',
    config: (d, t) => ({
      ...neoxKeys(d, t),
      num_kv_heads: d.heads,
      multi_query: false,
      new_decoder_architecture: false,
      parallel_attn: true,
      alibi: false,
      bias: false,
      layer_norm_epsilon: 1e-5,
      rope_theta: 10000,
    }),
  },
  'modernbert-decoder': {
    architecture: 'ModernBertDecoderForCausalLM',
    arch: ln({ position: 'rotary', mlp: 'geglu', gqa: false }),
    tokenizer: 'gpt2',
    tokenizerClass: 'PreTrainedTokenizerFast',
    config: (d, t) => ({
      ...neoxKeys(d, t),
      hidden_activation: 'gelu',
      norm_eps: 1e-5,
      global_rope_theta: 160000,
      local_rope_theta: 10000,
      sliding_window: d.maxPos,
      global_attn_every_n_layers: 1,
    }),
  },
  // --- other key names ---
  gpt_neo: {
    architecture: 'GPTNeoForCausalLM',
    arch: ln({ position: 'learned', mlp: 'gelu', gqa: false }),
    tokenizer: 'gpt2',
    tokenizerClass: 'GPT2Tokenizer',
    config: (d, t) => ({
      vocab_size: d.vocab,
      hidden_size: d.hidden,
      num_layers: d.layers,
      num_heads: d.heads,
      intermediate_size: d.inner,
      max_position_embeddings: d.maxPos,
      attention_types: [[['global', 'local'], d.layers / 2]],
      window_size: d.maxPos,
      activation_function: 'gelu_new',
      layer_norm_epsilon: 1e-5,
      bos_token_id: t.bos,
      eos_token_id: t.eos,
    }),
  },
  bloom: {
    architecture: 'BloomForCausalLM',
    arch: ln({ position: 'alibi', mlp: 'gelu', gqa: false, positionIds: false, qkvBias: true }),
    tokenizer: 'llama',
    tokenizerClass: 'BloomTokenizer',
    config: (d, t) => ({
      vocab_size: d.vocab,
      hidden_size: d.hidden,
      n_layer: d.layers,
      n_head: d.heads,
      layer_norm_epsilon: 1e-5,
      apply_residual_connection_post_layernorm: false,
      bos_token_id: t.bos,
      eos_token_id: t.eos,
      pad_token_id: t.pad,
    }),
  },
  mpt: {
    architecture: 'MptForCausalLM',
    arch: ln({ position: 'alibi', mlp: 'gelu', gqa: false, positionIds: false }),
    tokenizer: 'gpt2',
    tokenizerClass: 'GPTNeoXTokenizer',
    config: (d, t) => ({
      vocab_size: d.vocab,
      d_model: d.hidden,
      n_layers: d.layers,
      n_heads: d.heads,
      expansion_ratio: d.inner / d.hidden,
      max_seq_len: d.maxPos,
      no_bias: true,
      attn_config: { alibi: true, alibi_bias_max: 8, attn_type: 'multihead_attention' },
      bos_token_id: t.bos,
      eos_token_id: t.eos,
    }),
  },
  openelm: {
    architecture: 'OpenELMForCausalLM',
    arch: { ...llamaArch },
    tokenizer: 'llama',
    tokenizerClass: 'LlamaTokenizer',
    config: (d, t) => ({
      vocab_size: d.vocab,
      model_dim: d.hidden,
      num_transformer_layers: d.layers,
      num_query_heads: Array(d.layers).fill(d.heads),
      num_kv_heads: Array(d.layers).fill(d.kvHeads),
      head_dim: d.headDim,
      ffn_multipliers: Array(d.layers).fill(d.inner / d.hidden),
      ffn_with_glu: true,
      max_context_length: d.maxPos,
      rope_freq_constant: 10000,
      normalize_qk_projections: false,
      share_input_output_layers: false,
      bos_token_id: t.bos,
      eos_token_id: t.eos,
    }),
  },
  exaone: llamaLike('ExaoneForCausalLM', 'gpt2', (d) => ({
    num_hidden_layers: undefined,
    num_layers: d.layers,
    rms_norm_eps: undefined,
    layer_norm_epsilon: 1e-5,
    activation_function: 'silu',
  })),
  trocr: {
    architecture: 'TrOCRForCausalLM',
    arch: ln({
      position: 'learned',
      positionOffset: 2,
      positionIds: false,
      mlp: 'gelu',
      gqa: false,
      cache: 'none',
      qkvBias: true,
    }),
    tokenizer: 'gpt2',
    tokenizerClass: 'RobertaTokenizer',
    config: (d, t) => ({
      vocab_size: d.vocab,
      d_model: d.hidden,
      decoder_layers: d.layers,
      decoder_attention_heads: d.heads,
      decoder_ffn_dim: d.inner,
      max_position_embeddings: d.maxPos,
      activation_function: 'gelu',
      layernorm_embedding: true,
      scale_embedding: false,
      use_learned_position_embeddings: true,
      is_decoder: true,
      ...{ bos_token_id: t.bos, eos_token_id: t.eos, pad_token_id: t.pad, decoder_start_token_id: t.eos },
    }),
  },
  hrm_text: llamaLike('HrmTextForCausalLM', 'llama', () => ({}), { tokenTypeIds: true }),
  // --- Llama key names (num_key_value_heads, head_dim) ---
  llama: llamaLike('LlamaForCausalLM'),
  mistral: llamaLike('MistralForCausalLM', 'llama', (d) => ({ sliding_window: d.maxPos })),
  ministral: llamaLike('MinistralForCausalLM', 'llama', (d) => ({
    sliding_window: d.maxPos,
    layer_types: Array(d.layers).fill('full_attention'),
  })),
  ministral3: llamaLike('Ministral3ForCausalLM', 'llama', (_d) => ({ sliding_window: null })),
  mobilellm: llamaLike('MobileLLMForCausalLM'),
  nanochat: llamaLike('NanoChatForCausalLM', 'gpt2', () => ({}), { mlp: 'relu' }),
  apertus: llamaLike('ApertusForCausalLM', 'llama', () => ({ hidden_act: 'xielu', qk_norm: true }), {
    mlp: 'gelu',
    qkNorm: true,
  }),
  arcee: llamaLike('ArceeForCausalLM', 'llama', () => ({ hidden_act: 'relu2' }), { mlp: 'relu' }),
  afmoe: llamaLike('AfmoeForCausalLM', 'llama', (d) => ({
    ...moeKeys(d),
    num_dense_layers: d.layers,
    layer_types: Array(d.layers).fill('full_attention'),
  })),
  llama4_text: llamaLike('Llama4ForCausalLM', 'llama', (d) => ({
    ...moeKeys(d),
    intermediate_size_mlp: d.inner,
    no_rope_layers: Array(d.layers).fill(1),
    interleave_moe_layer_step: d.layers + 1,
  })),
  gpt_oss: llamaLike(
    'GptOssForCausalLM',
    'chatml',
    (d) => ({
      ...moeKeys(d),
      sliding_window: d.maxPos,
      layer_types: Array(d.layers).fill('full_attention'),
      attention_bias: true,
    }),
    { qkvBias: true },
  ),
  smollm3: llamaLike('SmolLM3ForCausalLM', 'chatml', (d) => ({ no_rope_layers: Array(d.layers).fill(1) })),
  olmo: llamaLike('OlmoForCausalLM', 'gpt2', () => ({ clip_qkv: null }), { norm: 'layernorm' }),
  olmo2: llamaLike('Olmo2ForCausalLM', 'gpt2', () => ({}), { qkNorm: true }),
  olmo3: llamaLike(
    'Olmo3ForCausalLM',
    'gpt2',
    (d) => ({ sliding_window: d.maxPos, layer_types: Array(d.layers).fill('full_attention') }),
    { qkNorm: true },
  ),
  granite: llamaLike('GraniteForCausalLM', 'gpt2', () => ({
    embedding_multiplier: 1,
    logits_scaling: 1,
    residual_multiplier: 1,
    attention_multiplier: 1,
  })),
  cohere: withClass(
    llamaLike('CohereForCausalLM', 'llama', () => ({ layer_norm_eps: 1e-5, logit_scale: 1, use_qk_norm: false }), {
      norm: 'layernorm',
      parallel: true,
    }),
    'CohereTokenizer',
  ),
  cohere2: withClass(
    llamaLike(
      'Cohere2ForCausalLM',
      'llama',
      (d) => ({
        layer_norm_eps: 1e-5,
        logit_scale: 1,
        sliding_window: d.maxPos,
        layer_types: Array(d.layers).fill('full_attention'),
      }),
      { norm: 'layernorm', parallel: true },
    ),
    'CohereTokenizer',
  ),
  starcoder2: llamaLike(
    'Starcoder2ForCausalLM',
    'gpt2',
    (d) => ({ norm_epsilon: 1e-5, use_bias: true, hidden_act: 'gelu_pytorch_tanh', sliding_window: d.maxPos }),
    { norm: 'layernorm', mlp: 'gelu', qkvBias: true },
  ),
  qwen2: llamaLike('Qwen2ForCausalLM', 'chatml', () => ({ use_sliding_window: false }), { qkvBias: true }),
  qwen2_moe: llamaLike(
    'Qwen2MoeForCausalLM',
    'chatml',
    (d) => ({
      ...moeKeys(d),
      shared_expert_intermediate_size: d.inner,
      decoder_sparse_step: 1,
      mlp_only_layers: Array.from({ length: d.layers }, (_, i) => i),
    }),
    { qkvBias: true },
  ),
  qwen3: llamaLike('Qwen3ForCausalLM', 'chatml', () => ({}), { qkNorm: true }),
  qwen3_moe: llamaLike(
    'Qwen3MoeForCausalLM',
    'chatml',
    (d) => ({ ...moeKeys(d), decoder_sparse_step: 1, mlp_only_layers: Array.from({ length: d.layers }, (_, i) => i) }),
    { qkNorm: true },
  ),
  phi: llamaLike(
    'PhiForCausalLM',
    'gpt2',
    () => ({ partial_rotary_factor: 0.5, layer_norm_eps: 1e-5, hidden_act: 'gelu_new', rms_norm_eps: undefined }),
    { norm: 'layernorm', rotaryFraction: 0.5, mlp: 'gelu', parallel: true, qkvBias: true },
  ),
  phi3: llamaLike('Phi3ForCausalLM', 'llama', (d) => ({
    sliding_window: d.maxPos,
    original_max_position_embeddings: d.maxPos,
  })),
  gemma: withClass(
    llamaLike('GemmaForCausalLM', 'llama', () => ({ hidden_activation: 'gelu_pytorch_tanh' }), {
      mlp: 'geglu',
      scaleEmbeddings: true,
    }),
    'GemmaTokenizer',
  ),
  gemma2: withClass(
    llamaLike(
      'Gemma2ForCausalLM',
      'llama',
      (d) => ({
        hidden_activation: 'gelu_pytorch_tanh',
        final_logit_softcapping: 30,
        attn_logit_softcapping: 50,
        query_pre_attn_scalar: d.headDim,
        sliding_window: d.maxPos,
      }),
      { mlp: 'geglu', scaleEmbeddings: true, logitSoftcap: 30, attnSoftcap: 50 },
    ),
    'GemmaTokenizer',
  ),
  vaultgemma: withClass(
    llamaLike(
      'VaultGemmaForCausalLM',
      'llama',
      (d) => ({
        hidden_activation: 'gelu_pytorch_tanh',
        final_logit_softcapping: 30,
        query_pre_attn_scalar: d.headDim,
        sliding_window: d.maxPos,
      }),
      { mlp: 'geglu', scaleEmbeddings: true, logitSoftcap: 30 },
    ),
    'GemmaTokenizer',
  ),
  gemma3_text: withClass(
    llamaLike(
      'Gemma3ForCausalLM',
      'llama',
      (d) => ({
        hidden_activation: 'gelu_pytorch_tanh',
        query_pre_attn_scalar: d.headDim,
        sliding_window: d.maxPos,
        rope_local_base_freq: 10000,
        layer_types: Array(d.layers).fill('full_attention'),
      }),
      { mlp: 'geglu', scaleEmbeddings: true, qkNorm: true },
    ),
    'GemmaTokenizer',
  ),
  helium: llamaLike('HeliumForCausalLM'),
  glm: llamaLike('GlmForCausalLM', 'chatml', () => ({ partial_rotary_factor: 0.5 }), {
    rotaryFraction: 0.5,
    qkvBias: true,
  }),
  ernie4_5: llamaLike('Ernie4_5ForCausalLM', 'llama', () => ({ use_bias: false })),
  hunyuan_v1_dense: llamaLike('HunYuanDenseV1ForCausalLM', 'llama', () => ({ use_qk_norm: false })),
  solar_open: llamaLike('SolarOpenForCausalLM', 'llama', (d) => ({ ...moeKeys(d) })),
  zaya: llamaLike('ZayaForCausalLM', 'llama', () => ({ cca_time1: 1 }), {
    layers: (n) => Array(n).fill('attention+shift'),
  }),
  // --- MLA key names (qk_head_dim) ---
  deepseek_v3: llamaLike('DeepseekV3ForCausalLM', 'llama', mlaKeys),
  mistral4: llamaLike('Mistral4ForCausalLM', 'llama', mlaKeys),
  glm_moe_dsa: llamaLike('GlmMoeDsaForCausalLM', 'chatml', (d, t) => ({
    ...mlaKeys(d, t),
    index_head_dim: d.headDim,
    index_n_heads: d.heads,
    index_topk: d.maxPos,
  })),
  youtu: llamaLike('YoutuForCausalLM', 'llama', mlaKeys),
  deepseek_v4: llamaLike(
    'DeepseekV4ForCausalLM',
    'llama',
    (d, t) => ({
      ...mlaKeys(d, t),
      head_dim: d.headDim,
      layer_types: dsv4Layers(d.layers),
      sliding_window: d.maxPos,
      index_head_dim: d.headDim,
      index_n_heads: d.heads,
      index_topk: d.maxPos,
    }),
    {
      layers: kinds(dsv4Layers, {
        compressed_sparse_attention: 'attention+compressor+indexer',
        heavily_compressed_attention: 'attention+compressor',
        sliding_attention: 'attention',
      }),
    },
  ),
  // --- hybrid caches ---
  lfm2: lfm2('Lfm2ForCausalLM'),
  lfm2_moe: lfm2('Lfm2MoeForCausalLM', true),
  lfm3: lfm2('Lfm3ForCausalLM'),
  granitemoehybrid: llamaLike(
    'GraniteMoeHybridForCausalLM',
    'gpt2',
    (d) => ({
      ...mambaKeys(d),
      layer_types: alternate('mamba', 'attention')(d.layers),
      position_embedding_type: 'rope',
      embedding_multiplier: 1,
      logits_scaling: 1,
      residual_multiplier: 1,
      attention_multiplier: 1,
      shared_intermediate_size: d.inner,
      num_local_experts: 0,
    }),
    {
      layers: kinds(alternate('mamba', 'attention'), { mamba: 'mamba', attention: 'attention' }),
    },
  ),
  falcon_h1: llamaLike('FalconH1ForCausalLM', 'llama', (d) => ({ ...mambaKeys(d), attn_layer_indices: null }), {
    layers: (n) => Array(n).fill('attention+mamba'),
  }),
  nemotron_h: llamaLike(
    'NemotronHForCausalLM',
    'llama',
    (d) => ({
      ...mambaKeys(d),
      hybrid_override_pattern: alternate('M', '*')(d.layers).join(''),
      layers_block_type: alternate('mamba', 'attention')(d.layers),
      layer_norm_epsilon: 1e-5,
      mlp_hidden_act: 'relu2',
    }),
    {
      layers: kinds(alternate('mamba', 'attention'), { mamba: 'mamba', attention: 'attention' }),
    },
  ),
  qwen3_next: llamaLike(
    'Qwen3NextForCausalLM',
    'chatml',
    (d) => ({
      ...linearAttnKeys(d),
      ...moeKeys(d),
      layer_types: linearLayers(d.layers),
      full_attention_interval: 2,
      partial_rotary_factor: 0.5,
    }),
    {
      rotaryFraction: 0.5,
      qkNorm: true,
      layers: kinds(linearLayers, { linear_attention: 'linear', full_attention: 'attention' }),
    },
  ),
  qwen3_5_text: llamaLike(
    'Qwen3_5ForCausalLM',
    'chatml',
    (d) => ({
      ...linearAttnKeys(d),
      layer_types: linearLayers(d.layers),
      full_attention_interval: 2,
      partial_rotary_factor: 0.5,
    }),
    {
      rotaryFraction: 0.5,
      positionIds: false,
      layers: kinds(linearLayers, { linear_attention: 'linear', full_attention: 'attention' }),
    },
  ),
  olmo_hybrid: llamaLike(
    'OlmoHybridForCausalLM',
    'gpt2',
    (d) => ({ ...linearAttnKeys(d), layer_types: linearLayers(d.layers) }),
    {
      layers: kinds(linearLayers, { linear_attention: 'linear-qkv', full_attention: 'attention' }),
    },
  ),
};

/** Decoder-only types transformers.js registers that this plugin cannot synthesize, and why. */
export const DECODER_UNCOVERED: Record<string, string> = {};

export const DECODER_TYPES = Object.keys(DECODER_SPECS);
