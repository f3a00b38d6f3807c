/**
 * The shape of a config.json, for models the catalog cannot name: the sub-configs it nests
 * (towers: `vision_config (siglip_vision_model)`, an `encoder`/`decoder` pair, a LLaVA-style
 * `mm_vision_tower`), the words its keys are made of (`num_mel_bins` is audio, `image_token_id`
 * vision), and the structural keys of each family (`type_vocab_size`, `num_key_value_heads`).
 */
import { getEntry } from './catalog.ts';
import { isObj, str, type Config } from './signals.ts';
import type { BuiltinFamily } from './types.ts';
import { roleOf } from './upstream/sub-configs.ts';

const has = (c: Config, ...keys: string[]) => keys.some((k) => c[k] !== undefined && c[k] !== null);
const present = (c: Config, keys: readonly string[]) => keys.filter((k) => has(c, k));

/** Nested dicts that configure something other than a model part. */
const NOT_PARTS =
  /^(quantization|rope_scaling|rope_parameters|generation|task_specific_params|id2label|label2id|auto_map|compression|lora|peft|speculative|slice|attn|ffn|aligner|projector|tokenizer|processor|transformers\.js)(_config)?$/;
/** Keys that make a nested dict a model config rather than options. */
const SIZE_KEYS = [
  'model_type',
  'hidden_size',
  'd_model',
  'num_hidden_layers',
  'n_layer',
  'num_layers',
  'layers',
  'width',
  'image_size',
  'num_mel_bins',
  'vocab_size',
  'embed_dim',
  'hidden_sizes',
  'depths',
  'dim',
];

/** Key words of audio models: `num_mel_bins`, `sampling_rate`, `feat_extract_norm`, `audio_token_id`. */
const AUDIO_KEY =
  /(^|_)(audio|speech|mel|mels|codec|acoustic|vocoder|spectrogram|fft|hop|wav|phoneme|subsampling|ctc|stft|sampling_rate|sample_rate|feat_extract|input_feat|spec_augment)(_|$)/;
/** Key words of vision models: `image_size`, `patch_size`, `vision_start_token_id`, `num_queries`. */
const VISION_KEY = /(^|_)(image|images|vision|visual|pixel|patch|video|vq|mm|vit|img|keypoint|keypoints|queries)(_|$)/;
/** The vision words that, beside audio ones, make a model multimodal (`patch_size` alone does not: spectrograms have patches). */
export const STRONG_VISION_KEY = /(^|_)(image|images|vision|visual|pixel|video|vq|mm|img)(_|$)/;

export interface Towers {
  /** Each tower as `key (its model_type)`, for the reason. */
  vision: string[];
  audio: string[];
  text: string[];
  encoder?: Config;
  decoder?: Config;
}

function label(c: Config, key: string): string {
  const v = c[key];
  const t = isObj(v) ? str(v.model_type) : undefined;
  return t ? `${key} (${t})` : key;
}

/** What a nested encoder or decoder config is by its own keys (or model_type). */
export function partFamily(c: Config): BuiltinFamily | undefined {
  const known = str(c.model_type) ? getEntry(str(c.model_type)!) : undefined;
  if (known) return known.family as BuiltinFamily;
  const w = keyWords(c);
  if (w.audio.length) return 'speech';
  if (w.vision.length && !has(c, 'vocab_size')) return 'vision';
  return undefined;
}

export function towersOf(c: Config): Towers {
  const t: Towers = { vision: [], audio: [], text: [] };
  for (const [key, v] of Object.entries(c)) {
    if (typeof v === 'string' && /^(mm_)?(vision|image)_tower$/.test(key)) t.vision.push(key);
    if (!isObj(v) || NOT_PARTS.test(key) || !SIZE_KEYS.some((k) => has(v, k))) continue;
    if (key === 'encoder' || key === 'decoder') {
      t[key] = v;
      continue;
    }
    const role = roleOf(key);
    const part = role === 'encoder' || role === 'decoder' || role === 'other' ? partFamily(v) : undefined;
    if (role === 'vision' || part === 'vision') t.vision.push(label(c, key));
    else if (role === 'audio' || part === 'speech') t.audio.push(label(c, key));
    else if (role === 'text' || (/^(llm|language|lm|text_model)/.test(key) && has(v, 'vocab_size')))
      t.text.push(label(c, key));
    else if (role === 'encoder' && !t.encoder) t.encoder = v;
    else if (role === 'decoder' && !t.decoder) t.decoder = v;
  }
  return t;
}

/** Top-level keys whose words say audio or vision (`num_mel_bins`, `image_token_id`). */
export function keyWords(c: Config): { audio: string[]; vision: string[] } {
  const audio: string[] = [];
  const vision: string[] = [];
  for (const [key, value] of Object.entries(c)) {
    if (NOT_PARTS.test(key) || value === null || value === false) continue;
    const k = key.toLowerCase();
    if (VISION_KEY.test(k)) vision.push(key);
    else if (AUDIO_KEY.test(k)) audio.push(key);
  }
  return { audio, vision };
}

/** A language model's own keys at the top level: a vocabulary and a layer count. */
export const topLevelLm = (c: Config) =>
  has(c, 'vocab_size', 'padded_vocab_size', 'n_vocab') &&
  has(c, 'num_hidden_layers', 'n_layer', 'num_layers', 'n_layers');

export interface StructureAnswer {
  family: BuiltinFamily;
  reason: string;
  tasks: string[];
}

const DECODER_KEYS = [
  'num_key_value_heads',
  'rope_theta',
  'rope_scaling',
  'rope_parameters',
  'sliding_window',
  'n_ctx',
  'multi_query',
  'multi_query_attention',
  'rms_norm_eps',
  'rotary_emb_base',
  'rotary_pct',
  'seq_length',
];
const BACKBONE_KEYS = [
  'backbone_config',
  'backbone',
  'num_queries',
  'depths',
  'hidden_sizes',
  'out_features',
  'out_indices',
];
const IMAGE_KEYS = ['image_size', 'patch_size', 'num_channels'];

/** The last resort: single keys that each family's configs carry. */
export function structuralFamily(c: Config): StructureAnswer | undefined {
  const say = (family: BuiltinFamily, reason: string, task: string): StructureAnswer => ({
    family,
    reason,
    tasks: [task],
  });
  if (has(c, 'state_dim') && has(c, 'act_dim'))
    return say('other', 'reinforcement-learning keys (state_dim, act_dim)', 'reinforcement-learning');
  const backbone = present(c, BACKBONE_KEYS);
  if (c.is_encoder_decoder === true) {
    if (!has(c, 'vocab_size') && backbone.length)
      return say(
        'vision',
        `is_encoder_decoder with detection keys (${backbone.join(', ')}) and no vocab_size`,
        'object-detection',
      );
    return say('encoder-decoder', 'is_encoder_decoder is true', 'text2text-generation');
  }
  const image = present(c, IMAGE_KEYS);
  if (image.length && !has(c, 'vocab_size'))
    return say('vision', `image keys (${image.join(', ')}) and no vocab_size`, 'image-feature-extraction');
  if (backbone.length && !has(c, 'vocab_size'))
    return say('vision', `vision backbone keys (${backbone.join(', ')}) and no vocab_size`, 'image-feature-extraction');
  if (!has(c, 'vocab_size', 'padded_vocab_size', 'n_vocab')) return undefined;
  if (
    has(c, 'decoder_layers', 'num_decoder_layers', 'decoder_start_token_id') &&
    has(c, 'encoder_layers', 'num_layers')
  )
    return say('encoder-decoder', 'vocab_size with encoder and decoder layer counts', 'text2text-generation');
  if (has(c, 'type_vocab_size'))
    return say('encoder-only', 'vocab_size with type_vocab_size (BERT-style segment embeddings)', 'feature-extraction');
  const dec = present(c, DECODER_KEYS);
  if (dec.length || c.is_decoder === true)
    return say(
      'decoder-only',
      `vocab_size with decoder keys (${c.is_decoder === true ? 'is_decoder' : dec.join(', ')})`,
      'text-generation',
    );
  return say('encoder-only', 'vocab_size and no decoder keys (a text encoder)', 'feature-extraction');
}

/** Time-series forecasters: a prediction length with a context or input size. */
export const isTimeSeries = (c: Config) =>
  'prediction_length' in c &&
  ['context_length', 'num_time_features', 'input_size', 'num_input_channels'].some((k) => k in c);
