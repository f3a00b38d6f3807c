/**
 * The family of a config when no signal names a catalog type, from its shape: a GenAI model
 * block's sessions, nested towers, the words of its keys, the head of its class names, its
 * auto_map keys, then single structural keys. Each verdict says which signal decided and why.
 */
import { autoMapFamily, genaiBlock, type Config, type Head } from './signals.ts';
import {
  isTimeSeries,
  keyWords,
  partFamily,
  STRONG_VISION_KEY,
  structuralFamily,
  topLevelLm,
  towersOf,
} from './structure.ts';
import type { BuiltinFamily, ClassifySignal, Confidence } from './types.ts';

export const DEFAULT_TASK: Record<BuiltinFamily, string> = {
  'encoder-only': 'feature-extraction',
  'decoder-only': 'text-generation',
  'encoder-decoder': 'text2text-generation',
  vision: 'image-feature-extraction',
  speech: 'automatic-speech-recognition',
  multimodal: 'image-text-to-text',
  other: 'feature-extraction',
};

export interface Verdict {
  family: BuiltinFamily;
  decidedBy: ClassifySignal;
  confidence: Confidence;
  reason: string;
  task: string;
}

/** The family when no signal names a catalog type: towers, key words, heads, auto_map keys, structure. */
export function byShape(c: Config, head: Head | undefined): Verdict | undefined {
  const v = (
    family: BuiltinFamily,
    decidedBy: ClassifySignal,
    confidence: Confidence,
    reason: string,
    task = DEFAULT_TASK[family],
  ): Verdict => ({
    family,
    decidedBy,
    confidence,
    reason,
    task,
  });
  const genai = genaiBlock(c);
  if (genai && !genai.entry && genai.sessions.length) {
    const s = genai.sessions;
    const why = `its ONNX Runtime GenAI model block has ${s.join(' + ')} sessions`;
    if (s.includes('decoder') && (s.includes('vision') || s.includes('speech') || s.includes('audio')))
      return v('multimodal', 'genai-model', 'medium', why);
    if (s.includes('encoder') && s.includes('decoder'))
      return keyWords(Object.fromEntries(genai.inputs.map((k) => [k, 1]))).audio.length
        ? v('speech', 'genai-model', 'medium', `${why}; the encoder reads audio (${genai.inputs.join(', ')})`)
        : v('encoder-decoder', 'genai-model', 'low', why);
    if (s.includes('decoder')) return v('decoder-only', 'genai-model', 'medium', why);
  }
  if (isTimeSeries(c))
    return v(
      'other',
      'structure',
      'low',
      'time-series keys (prediction_length with a context or input size)',
      'time-series-forecasting',
    );
  const t = towersOf(c);
  const words = keyWords(c);
  const lm = topLevelLm(c);
  const towers = [...t.text, ...t.vision, ...t.audio].join(' + ');
  if (t.vision.length && t.audio.length)
    return v('multimodal', 'nested-configs', 'medium', `it has ${towers}`, 'any-to-any');
  if (t.encoder && t.decoder) {
    const enc = partFamily(t.encoder);
    const pair = 'it has encoder and decoder sub-configs';
    if (enc === 'vision')
      return v(
        'multimodal',
        'nested-configs',
        'medium',
        `${pair}; a vision encoder with a text decoder`,
        'image-to-text',
      );
    if (enc === 'speech') return v('speech', 'nested-configs', 'medium', `${pair}; an audio encoder`);
    return v('encoder-decoder', 'nested-configs', 'medium', pair);
  }
  if (t.vision.length && (t.text.length || lm || c.vocab_size !== undefined))
    return v(
      'multimodal',
      'nested-configs',
      'medium',
      `it has ${towers}${t.text.length ? '' : ' and a language model of its own (vocab_size)'}`,
    );
  // Text and audio towers: an audio LLM reads audio, a text-to-audio model (MusicGen) has its own decoder.
  if (t.audio.length && t.text.length)
    return t.decoder
      ? v(
          'speech',
          'nested-configs',
          'medium',
          `it has ${towers} and a decoder sub-config: text to audio`,
          'text-to-audio',
        )
      : v('multimodal', 'nested-configs', 'medium', `it has ${towers}`, 'audio-text-to-text');
  const imageWords = words.vision.filter((k) => STRONG_VISION_KEY.test(k.toLowerCase()));
  if (words.audio.length && (t.text.length || imageWords.length))
    return v(
      'multimodal',
      t.text.length ? 'nested-configs' : 'structure',
      'low',
      `audio keys (${words.audio.slice(0, 3).join(', ')}) with ${t.text.length ? towers : `image keys (${imageWords.slice(0, 3).join(', ')})`}`,
      'audio-text-to-text',
    );
  if (head?.family && !head.weak)
    return v(
      head.family,
      'architectures',
      head.learned ? 'low' : 'medium',
      `architectures ends in ${head.suffix}, a ${head.family} head${head.learned ? " (as the catalog's classes with that head are)" : ''}`,
      head.task || DEFAULT_TASK[head.family],
    );
  if (t.audio.length || words.audio.length)
    return v(
      'speech',
      t.audio.length ? 'nested-configs' : 'structure',
      'low',
      t.audio.length ? `it has ${towers}` : `audio keys (${words.audio.slice(0, 4).join(', ')})`,
    );
  if (t.vision.length) return v('vision', 'nested-configs', 'low', `it has ${towers} and no language model`);
  if (words.vision.length && (lm || c.vocab_size !== undefined))
    return v(
      'multimodal',
      'structure',
      'low',
      `image keys (${words.vision.slice(0, 4).join(', ')}) with a language model (vocab_size)`,
    );
  const auto = autoMapFamily(c.auto_map as Config | undefined);
  if (auto && auto.family !== 'decoder-only') return v(auto.family, 'auto_map', 'medium', `auto_map names ${auto.key}`);
  if (head?.family)
    return v(
      head.family,
      'architectures',
      'low',
      `architectures ends in ${head.suffix}, a ${head.family} head`,
      head.task,
    );
  if (auto) return v(auto.family, 'auto_map', 'medium', `auto_map names ${auto.key}`);
  if (words.vision.length && !c.vocab_size)
    return v('vision', 'structure', 'low', `image keys (${words.vision.slice(0, 4).join(', ')}) and no vocab_size`);
  const s = structuralFamily(c);
  return s && v(s.family, 'structure', 'low', s.reason, s.tasks[0]);
}
