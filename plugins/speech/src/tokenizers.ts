import {
  byteLevelBpeTokenizer,
  charVocabTokenizer,
  unigramTokenizer,
  type TokenizerFiles,
} from '@hf-core/onnx-builder';

/** A character CTC vocabulary (<pad> <s> </s> <unk> | A-Z '), as Wav2Vec2CTCTokenizer checkpoints ship it. */
export function ctcTokenizer(tokenizerClass: string): TokenizerFiles {
  return charVocabTokenizer({ tokenizerClass });
}

export const WHISPER_LANGUAGES = ['en', 'zh', 'de', 'es', 'ru', 'ko', 'fr', 'ja'];
export const WHISPER_TASKS = ['translate', 'transcribe'];

export interface WhisperTokenizerFiles extends TokenizerFiles {
  ids: {
    endoftext: number;
    startoftranscript: number;
    notimestamps: number;
    langToId: Record<string, number>;
    taskToId: Record<string, number>;
    timestampBegin: number;
  };
}

const added = (id: number, content: string, special: boolean) => ({
  id,
  content,
  single_word: false,
  lstrip: false,
  rstrip: false,
  normalized: false,
  special,
});

/**
 * A Whisper tokenizer: byte-level BPE text tokens, then the special tokens in Whisper's order
 * (<|startoftranscript|>, language tokens, <|translate|>, <|transcribe|>, <|startoflm|>,
 * <|startofprev|>, <|nocaptions|>, <|notimestamps|>) and the 1501 timestamp tokens <|0.00|>..<|30.00|>.
 */
export function whisperTokenizer(): WhisperTokenizerFiles {
  const base = byteLevelBpeTokenizer({
    tokenizerClass: 'WhisperTokenizer',
    specials: ['<|endoftext|>'],
    roles: {
      bos_token: '<|endoftext|>',
      eos_token: '<|endoftext|>',
      unk_token: '<|endoftext|>',
      pad_token: '<|endoftext|>',
    },
    postProcessor: 'none',
  });
  const json = base.tokenizerJson as {
    added_tokens: ReturnType<typeof added>[];
    model: { vocab: Record<string, number> };
  };
  let next = base.vocabSize;
  const add = (content: string, special: boolean) => {
    json.added_tokens.push(added(next, content, special));
    return next++;
  };
  const startoftranscript = add('<|startoftranscript|>', true);
  const langToId = Object.fromEntries(WHISPER_LANGUAGES.map((l) => [`<|${l}|>`, add(`<|${l}|>`, true)]));
  const taskToId = Object.fromEntries(WHISPER_TASKS.map((t) => [t, add(`<|${t}|>`, true)]));
  for (const t of ['<|startoflm|>', '<|startofprev|>', '<|nocaptions|>']) add(t, true);
  const notimestamps = add('<|notimestamps|>', true);
  const timestampBegin = next;
  for (let i = 0; i <= 1500; i++) add(`<|${(i * 0.02).toFixed(2)}|>`, false);
  const specials = json.added_tokens.filter((t) => t.special && t.content !== '<|endoftext|>').map((t) => t.content);
  return {
    ...base,
    vocabSize: next,
    tokenizerConfig: {
      ...base.tokenizerConfig,
      additional_special_tokens: specials,
      model_max_length: 1024,
      errors: 'replace',
    },
    ids: { endoftext: 0, startoftranscript, notimestamps, langToId, taskToId, timestampBegin },
  };
}

/** Cohere ASR's prompt tokens, in the order CohereAsrProcessor.get_decoder_prompt_ids asks for them (after '▁'). */
export const COHERE_PROMPT = [
  '<|startofcontext|>',
  '<|startoftranscript|>',
  '<|emo:undefined|>',
  '<|en|>',
  '<|en|>',
  '<|pnc|>',
  '<|noitn|>',
  '<|notimestamp|>',
  '<|nodiarize|>',
];

/** A SentencePiece (Unigram) tokenizer with Cohere ASR's control tokens as specials. */
export function cohereAsrTokenizer(): TokenizerFiles & {
  ids: { prompt: number[]; eos: number; pad: number; start: number; controls: number[] };
} {
  const controls = [
    '<unk>',
    '<|nospeech|>',
    '<pad>',
    '<|endoftext|>',
    '<|startoftranscript|>',
    '<|pnc|>',
    '<|nopnc|>',
    '<|startofcontext|>',
    '<|itn|>',
    '<|noitn|>',
    '<|timestamp|>',
    '<|notimestamp|>',
    '<|diarize|>',
    '<|nodiarize|>',
    '<|emo:undefined|>',
    '<|en|>',
    '<|de|>',
    '<|fr|>',
  ];
  const tok = unigramTokenizer({
    tokenizerClass: 'CohereAsrTokenizer',
    specials: controls,
    roles: { unk_token: '<unk>', pad_token: '<pad>', eos_token: '<|endoftext|>', bos_token: '<|startoftranscript|>' },
    unkToken: '<unk>',
    single: ['$A'],
    pair: ['$A', '$B'],
  });
  const model = (tok.tokenizerJson as { model: { vocab: [string, number][] } }).model.vocab.map(([p]) => p);
  const id = (t: string) => model.indexOf(t);
  return {
    ...tok,
    ids: {
      prompt: ['▁', ...COHERE_PROMPT].map(id),
      eos: id('<|endoftext|>'),
      pad: id('<pad>'),
      start: id('<|startoftranscript|>'),
      controls: controls.map(id),
    },
  };
}
