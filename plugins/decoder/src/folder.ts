import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DecoderFacts } from './checks.ts';
import { missingConfigKeys } from './required-keys.ts';

type Config = Record<string, unknown>;

/** The config key holding the layer count, per type (transformers.js's normalized `num_layers`). */
const LAYERS_KEY: Record<string, string> = {
  gpt2: 'n_layer',
  gptj: 'n_layer',
  jais: 'n_layer',
  codegen: 'n_layer',
  gpt_bigcode: 'n_layer',
  bloom: 'n_layer',
  openelm: 'num_transformer_layers',
  gpt_neo: 'num_layers',
  mpt: 'n_layers',
  exaone: 'num_layers',
};

/**
 * The cache inputs transformers.js 4.3.2 feeds a decoder-only model with this config (its
 * `getCacheNames`): attention key/value (or GPT-BigCode's key_value), and the conv / ssm /
 * recurrent / compressor states of hybrid types. Empty for trocr, whose normalized config has
 * no layer count.
 */
export function expectedCacheNames(config: Config): string[] {
  const type = String(config.model_type ?? '');
  const kv = (i: number) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`];
  const list = (key: string) => (Array.isArray(config[key]) ? (config[key] as string[]) : undefined);
  if (['lfm2', 'lfm2_moe', 'lfm3'].includes(type)) {
    return (list('layer_types') ?? []).flatMap((t, i) =>
      t === 'conv' ? [`past_conv.${i}`] : t.endsWith('attention') ? kv(i) : unsupported(type, t),
    );
  }
  if (['granitemoehybrid', 'falcon_h1', 'nemotron_h'].includes(type)) {
    const types = list('layer_types') ?? list('layers_block_type');
    const n = Number(config.num_hidden_layers ?? types?.length ?? 0);
    return Array.from({ length: n }, (_, i) => [
      ...(!types || types[i] === 'mamba' ? [`past_conv.${i}`, `past_ssm.${i}`] : []),
      ...(!types || types[i] === 'attention' ? kv(i) : []),
    ]).flat();
  }
  if (['qwen3_next', 'qwen3_5_text', 'olmo_hybrid'].includes(type)) {
    return (list('layer_types') ?? []).flatMap((t, i) => {
      if (t === 'full_attention') return kv(i);
      if (t !== 'linear_attention') return unsupported(type, t);
      const conv =
        type === 'olmo_hybrid' ? ['key', 'value', 'query'].map((p) => `past_conv.${i}.${p}`) : [`past_conv.${i}`];
      return [...conv, `past_recurrent.${i}`];
    });
  }
  if (type === 'deepseek_v4') {
    const types = list('layer_types') ?? [];
    return Array.from({ length: Number(config.num_hidden_layers ?? 0) }, (_, i) => {
      const t = types[i];
      const compressor = [`past_compressor.${i}.kv`, `past_compressor.${i}.gate`];
      const indexer = [`past_indexer.${i}.kv`, `past_indexer.${i}.gate`];
      if (t === 'compressed_sparse_attention') return [...kv(i), ...compressor, ...indexer];
      if (t === 'heavily_compressed_attention') return [...kv(i), ...compressor];
      return t && t !== 'sliding_attention' ? unsupported(type, t) : kv(i);
    }).flat();
  }
  if (type === 'zaya') {
    const names: string[] = [];
    for (let i = 0; i < Number(config.num_hidden_layers ?? 0); i += Number(config.cca_time1 ?? 1))
      names.push(...kv(i), `past_key_values.${i}.conv_state`, `past_key_values.${i}.shift_state`);
    return names;
  }
  if (type === 'trocr') return [];
  const n = Number(config[LAYERS_KEY[type] ?? 'num_hidden_layers'] ?? 0);
  return Array.from({ length: n }, (_, i) => (config.multi_query ? [`past_key_values.${i}.key_value`] : kv(i))).flat();
}

function unsupported(type: string, layerType: string): never {
  throw new Error(
    `config.json of a ${type} model has layer type "${layerType}", which transformers.js 4.3.2 does not support for ${type}`,
  );
}

/**
 * Facts for testing a real decoder folder (config.json + onnx/model.onnx): the cache names
 * transformers.js will feed, vocabulary and special ids. Fails with what is missing and where.
 */
export function decoderFactsFromFolder(dir: string): DecoderFacts {
  const configPath = join(dir, 'config.json');
  if (!existsSync(configPath))
    throw new Error(
      `${dir} has no config.json; a decoder folder needs config.json, onnx/model.onnx and tokenizer files`,
    );
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as Config;
  const type = String(config.model_type ?? '');
  const missing = missingConfigKeys(config, type);
  if (missing.length)
    throw new Error(
      `${configPath} (model_type "${type}") lacks ${missing.map((k) => `"${k}"`).join(', ')}, which transformers.js reads to build the cache; add the values the ONNX graph was exported with`,
    );
  if (!existsSync(join(dir, 'onnx', 'model.onnx')))
    throw new Error(`${dir} has no onnx/model.onnx (transformers.js loads decoder-only models from onnx/model.onnx)`);
  const genPath = join(dir, 'generation_config.json');
  const gen = existsSync(genPath) ? (JSON.parse(readFileSync(genPath, 'utf8')) as Config) : {};
  const first = (v: unknown) => Number(Array.isArray(v) ? v[0] : v);
  const pastNames = expectedCacheNames(config);
  const vocabSize = Number(config.vocab_size ?? 0);
  if (!vocabSize) throw new Error(`${configPath} has no vocab_size`);
  return {
    vocabSize,
    padId: first(gen.pad_token_id ?? config.pad_token_id ?? gen.eos_token_id ?? config.eos_token_id ?? 0),
    eosId: first(gen.eos_token_id ?? config.eos_token_id ?? -1),
    pastNames,
    inputNames: ['input_ids', 'attention_mask', ...pastNames],
    maxPositions: Number(config.max_position_embeddings ?? config.n_positions ?? config.max_seq_len ?? 2048),
    ...(type === 'gemma3_text' ? { positionStart: 1 } : {}),
  };
}
