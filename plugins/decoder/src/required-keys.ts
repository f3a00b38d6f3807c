/**
 * config.json keys transformers.js 4.3.2 reads per decoder type to name and size the cache
 * (`getNormalizedConfig` and `getCacheNames` in its src/configs.js; copied from
 * /work/shared/reference/tjs_config_normalization.tsv). A config without them loads, then fails
 * at the first generate() with an opaque shape error, so the test says which key is missing.
 */
const GROUPS: [string[], string[]][] = [
  [
    ['gpt2', 'gptj', 'jais', 'codegen', 'gpt_bigcode'],
    ['n_head', 'n_layer', 'n_embd'],
  ],
  [
    ['gpt_neox', 'stablelm', 'opt', 'falcon', 'modernbert-decoder'],
    ['num_attention_heads', 'num_hidden_layers', 'hidden_size'],
  ],
  [
    [
      'gpt_oss',
      'llama',
      'llama4_text',
      'nanochat',
      'apertus',
      'arcee',
      'afmoe',
      'lfm2',
      'lfm2_moe',
      'lfm3',
      'smollm3',
      'olmo',
      'olmo2',
      'olmo3',
      'mobilellm',
      'granite',
      'granitemoehybrid',
      'cohere',
      'cohere2',
      'mistral',
      'starcoder2',
      'qwen2',
      'qwen2_moe',
      'qwen3_moe',
      'phi',
      'phi3',
    ],
    ['num_key_value_heads', 'num_hidden_layers', 'hidden_size', 'num_attention_heads'],
  ],
  [
    [
      'qwen3',
      'solar_open',
      'gemma',
      'gemma2',
      'vaultgemma',
      'gemma3_text',
      'glm',
      'helium',
      'ernie4_5',
      'hunyuan_v1_dense',
      'falcon_h1',
      'nemotron_h',
      'ministral',
      'ministral3',
    ],
    ['num_key_value_heads', 'num_hidden_layers'],
  ],
  [['openelm'], ['num_kv_heads', 'num_transformer_layers']],
  [['gpt_neo'], ['num_heads', 'num_layers', 'hidden_size']],
  [['bloom'], ['n_head', 'n_layer', 'hidden_size']],
  [['mpt'], ['n_heads', 'n_layers', 'd_model']],
  [['exaone'], ['num_key_value_heads', 'num_layers', 'num_attention_heads']],
  [
    ['youtu', 'deepseek_v3', 'glm_moe_dsa', 'mistral4'],
    ['num_key_value_heads', 'num_hidden_layers', 'num_attention_heads'],
  ],
  [['deepseek_v4'], ['num_key_value_heads', 'num_hidden_layers', 'num_attention_heads', 'layer_types']],
  [
    ['zaya', 'hrm_text'],
    ['num_key_value_heads', 'num_hidden_layers', 'hidden_size', 'num_attention_heads'],
  ],
  [['trocr'], ['decoder_layers', 'decoder_attention_heads', 'd_model']],
  [['qwen3_next', 'qwen3_5_text', 'olmo_hybrid'], ['layer_types']],
];

/** Hybrid types whose cache names come from a per-layer type list. */
const LAYER_LISTS: Record<string, string[]> = {
  lfm2: ['layer_types'],
  lfm2_moe: ['layer_types'],
  lfm3: ['layer_types'],
  granitemoehybrid: ['layer_types|layers_block_type'],
  nemotron_h: ['layer_types|layers_block_type'],
};

export const REQUIRED_CONFIG_KEYS: Record<string, string[]> = {};
for (const [types, keys] of GROUPS)
  for (const t of types) REQUIRED_CONFIG_KEYS[t] = [...(REQUIRED_CONFIG_KEYS[t] ?? []), ...keys];
for (const [t, keys] of Object.entries(LAYER_LISTS))
  REQUIRED_CONFIG_KEYS[t] = [...(REQUIRED_CONFIG_KEYS[t] ?? []), ...keys];

/** The required keys (alternatives joined by `|`) that `config` lacks for its model_type. */
export function missingConfigKeys(
  config: Record<string, unknown>,
  modelType = String(config.model_type ?? ''),
): string[] {
  const need = REQUIRED_CONFIG_KEYS[modelType] ?? [];
  return need.filter((k) => !k.split('|').some((alt) => config[alt] !== undefined && config[alt] !== null));
}
