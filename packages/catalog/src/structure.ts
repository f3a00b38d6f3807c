/**
 * Family from the shape of a config.json, for model types the catalog has never seen.
 * Composite configs first (sub-configs say the most), then the head the architectures name,
 * then single keys. Each rule says which keys decided.
 */
import { getEntry } from './catalog.ts';
import type { Confidence, Family } from './types.ts';

type Config = Record<string, unknown>;

export interface StructureAnswer {
  family: Family;
  confidence: Confidence;
  reason: string;
  tasks: string[];
}

const isObj = (v: unknown): v is Config => typeof v === 'object' && v !== null && !Array.isArray(v);
const has = (c: Config, ...keys: string[]) => keys.some((k) => c[k] !== undefined && c[k] !== null);

/** `vision_config (clip_vision_model)` — the sub-config's own model_type, when it names one. */
function sub(c: Config, key: string): string {
  const t = isObj(c[key]) ? (c[key] as Config).model_type : undefined;
  return typeof t === 'string' ? `${key} (${t})` : key;
}

const VISION_SUBS = ['vision_config', 'vision_tower_config', 'image_config'];
const TEXT_SUBS = ['text_config', 'llm_config', 'language_config', 'text_model_config'];
const AUDIO_SUBS = ['audio_config', 'audio_encoder_config', 'speech_config'];
const AUDIO_KEYS = ['num_mel_bins', 'feat_extract_norm', 'conv_kernel', 'sampling_rate', 'n_mels', 'audio_channels'];
const IMAGE_KEYS = ['image_size', 'patch_size', 'num_channels'];
const DECODER_KEYS = [
  'num_key_value_heads',
  'rope_theta',
  'rope_scaling',
  'sliding_window',
  'n_ctx',
  'multi_query',
  'rms_norm_eps',
];
/** Detection and backbone configs (DETR, Mask2Former, ResNet stages) often carry no image_size. */
const BACKBONE_KEYS = ['backbone_config', 'backbone', 'num_queries', 'depths', 'hidden_sizes', 'out_features'];

const present = (c: Config, keys: string[]) => keys.filter((k) => isObj(c[k]));

/** Family of a nested config (an encoder-decoder's `encoder`), by its model_type or its keys. */
function nestedFamily(c: Config): Family | undefined {
  const t = typeof c.model_type === 'string' ? getEntry(c.model_type) : undefined;
  if (t) return t.family;
  if (has(c, ...AUDIO_KEYS)) return 'speech';
  if (has(c, ...IMAGE_KEYS) && !has(c, 'vocab_size')) return 'vision';
  return undefined;
}

export function structuralFamily(
  c: Config,
  head?: { suffix: string; task: string; family?: Family },
): StructureAnswer | undefined {
  const vision = present(c, VISION_SUBS);
  const text = present(c, TEXT_SUBS);
  const audio = present(c, AUDIO_SUBS);
  if (vision.length && (text.length || audio.length)) {
    return {
      family: 'multimodal',
      confidence: 'medium',
      reason: `it has ${[...text, ...vision, ...audio].map((k) => sub(c, k)).join(' + ')}`,
      tasks: ['image-text-to-text'],
    };
  }
  if (audio.length && text.length) {
    return {
      family: 'multimodal',
      confidence: 'medium',
      reason: `it has ${[...text, ...audio].map((k) => sub(c, k)).join(' + ')}`,
      tasks: ['audio-text-to-text'],
    };
  }
  if (isObj(c.encoder) && isObj(c.decoder)) {
    const enc = nestedFamily(c.encoder);
    const pair = `it has encoder ${sub(c, 'encoder')} and decoder ${sub(c, 'decoder')} sub-configs`;
    if (enc === 'vision')
      return {
        family: 'multimodal',
        confidence: 'medium',
        reason: `${pair}; a vision encoder with a text decoder`,
        tasks: ['image-to-text'],
      };
    if (enc === 'speech')
      return {
        family: 'speech',
        confidence: 'medium',
        reason: `${pair}; an audio encoder`,
        tasks: ['automatic-speech-recognition'],
      };
    return { family: 'encoder-decoder', confidence: 'medium', reason: pair, tasks: ['text2text-generation'] };
  }
  if (c.is_encoder_decoder === true) {
    if (has(c, ...AUDIO_KEYS))
      return {
        family: 'speech',
        confidence: 'medium',
        reason: `is_encoder_decoder with audio keys (${AUDIO_KEYS.filter((k) => has(c, k)).join(', ')})`,
        tasks: ['automatic-speech-recognition'],
      };
    if (has(c, ...IMAGE_KEYS))
      return {
        family: 'multimodal',
        confidence: 'low',
        reason: `is_encoder_decoder with image keys (${IMAGE_KEYS.filter((k) => has(c, k)).join(', ')})`,
        tasks: ['image-to-text'],
      };
    return {
      family: 'encoder-decoder',
      confidence: 'medium',
      reason: 'is_encoder_decoder is true',
      tasks: ['text2text-generation'],
    };
  }
  if (vision.length)
    return {
      family: 'vision',
      confidence: 'low',
      reason: `it has ${vision.map((k) => sub(c, k)).join(' + ')} and no text or audio sub-config`,
      tasks: ['image-feature-extraction'],
    };
  if (audio.length)
    return {
      family: 'speech',
      confidence: 'low',
      reason: `it has ${audio.map((k) => sub(c, k)).join(' + ')} and no text sub-config`,
      tasks: ['automatic-speech-recognition'],
    };

  if (head?.family) {
    return {
      family: head.family,
      confidence: 'low',
      reason: `architectures ends in ${head.suffix}, a ${head.family} head`,
      tasks: [head.task],
    };
  }
  const audioKeys = AUDIO_KEYS.filter((k) => has(c, k));
  if (audioKeys.length)
    return {
      family: 'speech',
      confidence: 'low',
      reason: `audio keys (${audioKeys.join(', ')})`,
      tasks: ['automatic-speech-recognition'],
    };
  if (has(c, 'prediction_length') && has(c, 'context_length', 'num_time_features', 'input_size')) {
    return {
      family: 'other',
      confidence: 'low',
      reason: 'time-series keys (prediction_length with context_length / input_size)',
      tasks: ['time-series-forecasting'],
    };
  }
  const imageKeys = IMAGE_KEYS.filter((k) => has(c, k));
  if (imageKeys.length && !has(c, 'vocab_size'))
    return {
      family: 'vision',
      confidence: 'low',
      reason: `image keys (${imageKeys.join(', ')}) and no vocab_size`,
      tasks: ['image-feature-extraction'],
    };
  if (imageKeys.length)
    return {
      family: 'multimodal',
      confidence: 'low',
      reason: `image keys (${imageKeys.join(', ')}) with a vocab_size`,
      tasks: ['image-text-to-text'],
    };
  const backboneKeys = BACKBONE_KEYS.filter((k) => has(c, k));
  if (backboneKeys.length && !has(c, 'vocab_size'))
    return {
      family: 'vision',
      confidence: 'low',
      reason: `vision backbone keys (${backboneKeys.join(', ')}) and no vocab_size`,
      tasks: ['image-feature-extraction'],
    };
  if (has(c, 'vocab_size')) {
    if (
      has(c, 'decoder_layers', 'num_decoder_layers', 'decoder_start_token_id') &&
      has(c, 'encoder_layers', 'num_layers')
    ) {
      return {
        family: 'encoder-decoder',
        confidence: 'low',
        reason: 'vocab_size with encoder and decoder layer counts',
        tasks: ['text2text-generation'],
      };
    }
    if (has(c, 'type_vocab_size'))
      return {
        family: 'encoder-only',
        confidence: 'low',
        reason: 'vocab_size with type_vocab_size (BERT-style segment embeddings)',
        tasks: ['feature-extraction'],
      };
    const dec = DECODER_KEYS.filter((k) => has(c, k));
    if (dec.length || c.is_decoder === true)
      return {
        family: 'decoder-only',
        confidence: 'low',
        reason: `vocab_size with decoder keys (${c.is_decoder === true ? 'is_decoder' : dec.join(', ')})`,
        tasks: ['text-generation'],
      };
  }
  return undefined;
}
