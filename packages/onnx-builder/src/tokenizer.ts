/**
 * Real tokenizer.json + tokenizer_config.json files (the Hugging Face `tokenizers` format) for
 * tiny models: WordPiece (BERT-like), byte-level BPE (GPT-2 / RoBERTa-like), Unigram
 * (SentencePiece: T5 / ALBERT / XLM-R-like) and character vocabularies (CTC). Vocabularies are
 * small but complete for ASCII text, so any English prompt tokenizes without unknowns.
 */

export interface TokenizerFiles {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  vocabSize: number;
  /** Special tokens by role, with their ids. */
  special: Record<string, { token: string; id: number }>;
}

const WORDS = [
  'the',
  'a',
  'of',
  'and',
  'to',
  'is',
  'in',
  'hello',
  'world',
  'model',
  'test',
  'paris',
  'capital',
  'france',
  'cat',
  'dog',
  'on',
  'mat',
  'sat',
  'this',
  'that',
  'it',
  'was',
  'good',
  'bad',
  'day',
  'night',
  'what',
  'where',
  'who',
];
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const PUNCT = '.,!?;:\'"()-';
const DIGITS = '0123456789';

function addedToken(id: number, content: string, special = true) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: !special, special };
}

function specialsOf(tokens: string[], roles: Record<string, string>) {
  const special: TokenizerFiles['special'] = {};
  for (const [role, token] of Object.entries(roles)) special[role] = { token, id: tokens.indexOf(token) };
  return special;
}

function configFor(tokenizerClass: string, special: TokenizerFiles['special'], extra: Record<string, unknown>) {
  const cfg: Record<string, unknown> = {
    tokenizer_class: tokenizerClass,
    model_max_length: 512,
    clean_up_tokenization_spaces: false,
    ...extra,
  };
  for (const [role, { token }] of Object.entries(special)) cfg[role] = token;
  return cfg;
}

function template(single: string[], pair: string[], special: TokenizerFiles['special']) {
  const piece = (p: string, typeId: number) =>
    p === '$A' || p === '$B'
      ? { Sequence: { id: p.slice(1), type_id: typeId } }
      : { SpecialToken: { id: p, type_id: typeId } };
  const specialTokens: Record<string, unknown> = {};
  for (const { token, id } of Object.values(special)) specialTokens[token] = { id: token, ids: [id], tokens: [token] };
  let typeId = 0;
  return {
    type: 'TemplateProcessing',
    single: single.map((p) => piece(p, 0)),
    pair: pair.map((p) => {
      if (p === '$B') typeId = 1;
      return piece(p, typeId);
    }),
    special_tokens: specialTokens,
  };
}

export interface WordPieceOptions {
  tokenizerClass?: string;
  lowercase?: boolean;
  /** Special tokens in id order; defaults to BERT's. */
  specials?: { pad: string; unk: string; cls: string; sep: string; mask: string };
}

/** A BERT-style WordPiece tokenizer: [CLS] text [SEP], lowercase, `##` continuations. */
export function wordPieceTokenizer(opts: WordPieceOptions = {}): TokenizerFiles {
  const s = opts.specials ?? { pad: '[PAD]', unk: '[UNK]', cls: '[CLS]', sep: '[SEP]', mask: '[MASK]' };
  const tokens = [s.pad, s.unk, s.cls, s.sep, s.mask];
  const pieces = [
    ...LETTERS,
    ...DIGITS,
    ...PUNCT,
    ...LETTERS.split('').map((c) => `##${c}`),
    ...DIGITS.split('').map((c) => `##${c}`),
    ...WORDS,
    '##s',
    '##ing',
    '##ed',
  ];
  for (const p of pieces) if (!tokens.includes(p)) tokens.push(p);
  const vocab = Object.fromEntries(tokens.map((t, i) => [t, i]));
  const special = specialsOf(tokens, {
    pad_token: s.pad,
    unk_token: s.unk,
    cls_token: s.cls,
    sep_token: s.sep,
    mask_token: s.mask,
  });
  const lowercase = opts.lowercase ?? true;
  return {
    vocabSize: tokens.length,
    special,
    tokenizerJson: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [s.pad, s.unk, s.cls, s.sep, s.mask].map((t) => addedToken(vocab[t]!, t)),
      normalizer: {
        type: 'BertNormalizer',
        clean_text: true,
        handle_chinese_chars: true,
        strip_accents: null,
        lowercase,
      },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: template([s.cls, '$A', s.sep], [s.cls, '$A', s.sep, '$B', s.sep], {
        cls: special.cls_token!,
        sep: special.sep_token!,
      }),
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: {
        type: 'WordPiece',
        unk_token: s.unk,
        continuing_subword_prefix: '##',
        max_input_chars_per_word: 100,
        vocab,
      },
    },
    tokenizerConfig: configFor(opts.tokenizerClass ?? 'BertTokenizer', special, { do_lower_case: lowercase }),
  };
}

/** GPT-2's byte -> printable unicode map used by byte-level BPE. */
export function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const map: string[] = new Array(256);
  bs.forEach((b, i) => (map[b] = String.fromCodePoint(cs[i]!)));
  return map;
}

export interface BpeOptions {
  tokenizerClass?: string;
  /** Special tokens placed first, in id order, e.g. ['<s>', '<pad>', '</s>', '<unk>', '<mask>']. */
  specials?: string[];
  roles?: Record<string, string>;
  /** `roberta`: <s> A </s>; `none`: no added tokens (GPT-2); or an explicit template. */
  postProcessor?: 'roberta' | 'none' | { single: string[]; pair: string[] };
  /** Whether a space is added before the first word (RoBERTa/GPT-2 style ByteLevel option). */
  addPrefixSpace?: boolean;
  extraConfig?: Record<string, unknown>;
}

/** A byte-level BPE tokenizer (GPT-2, RoBERTa, BART, CLIP-like families use this form). */
export function byteLevelBpeTokenizer(opts: BpeOptions = {}): TokenizerFiles {
  const specials = opts.specials ?? ['<|endoftext|>'];
  const roles = opts.roles ?? { bos_token: '<|endoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>' };
  const byteMap = bytesToUnicode();
  const tokens = [...specials];
  for (const ch of byteMap) if (!tokens.includes(ch)) tokens.push(ch);
  const merges: string[] = [];
  const G = byteMap[32]!; // 'Ġ', the byte-level form of a space
  // Merge every word (with and without a leading space) letter by letter, left to right.
  for (const w of WORDS) {
    for (const form of [w, G + w]) {
      const chars = [...form];
      let acc = chars[0]!;
      for (let i = 1; i < chars.length; i++) {
        const merged = acc + chars[i]!;
        const rule = `${acc} ${chars[i]}`;
        if (!merges.includes(rule)) merges.push(rule);
        if (!tokens.includes(merged)) tokens.push(merged);
        acc = merged;
      }
    }
  }
  const vocab = Object.fromEntries(tokens.map((t, i) => [t, i]));
  const special = specialsOf(tokens, roles);
  const bySpecial = Object.fromEntries(Object.values(special).map((v) => [v.token, v]));
  let post: unknown = null;
  if (opts.postProcessor === 'roberta') {
    post = {
      type: 'RobertaProcessing',
      sep: [roles.sep_token ?? roles.eos_token, vocab[roles.sep_token ?? roles.eos_token!]],
      cls: [roles.cls_token ?? roles.bos_token, vocab[roles.cls_token ?? roles.bos_token!]],
      trim_offsets: true,
      add_prefix_space: opts.addPrefixSpace ?? true,
    };
  } else if (opts.postProcessor && opts.postProcessor !== 'none') {
    post = template(opts.postProcessor.single, opts.postProcessor.pair, bySpecial);
  } else {
    post = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true };
  }
  return {
    vocabSize: tokens.length,
    special,
    tokenizerJson: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: specials.map((t) => addedToken(vocab[t]!, t)),
      normalizer: null,
      pre_tokenizer: {
        type: 'ByteLevel',
        add_prefix_space: opts.addPrefixSpace ?? false,
        trim_offsets: true,
        use_regex: true,
      },
      post_processor: post,
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: '',
        end_of_word_suffix: '',
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: false,
        vocab,
        merges,
      },
    },
    tokenizerConfig: configFor(opts.tokenizerClass ?? 'GPT2Tokenizer', special, {
      add_prefix_space: opts.addPrefixSpace ?? false,
      ...opts.extraConfig,
    }),
  };
}

export interface UnigramOptions {
  tokenizerClass?: string;
  /** Special tokens placed first, in id order, e.g. T5's ['<pad>', '</s>', '<unk>']. */
  specials?: string[];
  roles?: Record<string, string>;
  unkToken?: string;
  /** Post-processing template, e.g. T5's ['$A', '</s>']; XLM-R's ['<s>', '$A', '</s>']. */
  single?: string[];
  pair?: string[];
  /** Extra special tokens appended after the pieces (e.g. T5's <extra_id_0>). */
  trailingSpecials?: string[];
  extraConfig?: Record<string, unknown>;
}

/** A SentencePiece-style Unigram tokenizer with the `▁` metaspace (T5, ALBERT, XLM-R, mBART...). */
export function unigramTokenizer(opts: UnigramOptions = {}): TokenizerFiles {
  const specials = opts.specials ?? ['<pad>', '</s>', '<unk>'];
  const unk = opts.unkToken ?? '<unk>';
  const roles = opts.roles ?? { pad_token: '<pad>', eos_token: '</s>', unk_token: '<unk>' };
  const pieces: [string, number][] = specials.map((t) => [t, 0]);
  const seen = new Set(specials);
  const push = (p: string, score: number) => {
    if (!seen.has(p)) {
      seen.add(p);
      pieces.push([p, score]);
    }
  };
  push('▁', -2);
  WORDS.forEach((w, i) => push(`▁${w}`, -3 - i * 0.01));
  for (const c of [...LETTERS, ...LETTERS.toUpperCase(), ...DIGITS, ...PUNCT]) {
    push(c, -8);
    push(`▁${c}`, -7);
  }
  for (const t of opts.trailingSpecials ?? []) push(t, 0);
  const ids = pieces.map(([p]) => p);
  const special = specialsOf(ids, roles);
  const bySpecial = Object.fromEntries(Object.values(special).map((v) => [v.token, v]));
  const single = opts.single ?? ['$A', roles.eos_token ?? '</s>'];
  const pair = opts.pair ?? [...single, '$B', roles.eos_token ?? '</s>'];
  const metaspace = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true };
  const addedSpecials = [...specials, ...(opts.trailingSpecials ?? [])];
  return {
    vocabSize: pieces.length,
    special,
    tokenizerJson: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: addedSpecials.map((t) => addedToken(ids.indexOf(t), t)),
      normalizer: {
        type: 'Sequence',
        normalizers: [{ type: 'NFKC' }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }],
      },
      pre_tokenizer: metaspace,
      post_processor: template(single, pair, bySpecial),
      decoder: metaspace,
      model: { type: 'Unigram', unk_id: ids.indexOf(unk), vocab: pieces, byte_fallback: false },
    },
    tokenizerConfig: configFor(opts.tokenizerClass ?? 'T5Tokenizer', special, { ...opts.extraConfig }),
  };
}

export interface CharVocabOptions {
  tokenizerClass?: string;
  /** Special tokens in id order, e.g. Wav2Vec2's ['<pad>', '<s>', '</s>', '<unk>']. */
  specials?: string[];
  roles?: Record<string, string>;
  /** Word delimiter token (Wav2Vec2 uses '|'). */
  wordDelimiter?: string;
}

/**
 * A character vocabulary (CTC heads such as Wav2Vec2): tokenizer.json as a WordLevel model over
 * single upper-case characters, plus the word delimiter.
 */
export function charVocabTokenizer(opts: CharVocabOptions = {}): TokenizerFiles {
  const specials = opts.specials ?? ['<pad>', '<s>', '</s>', '<unk>'];
  const delimiter = opts.wordDelimiter ?? '|';
  const tokens = [...specials, delimiter, ...LETTERS.toUpperCase(), "'"];
  const vocab = Object.fromEntries(tokens.map((t, i) => [t, i]));
  const roles = opts.roles ?? { pad_token: '<pad>', bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>' };
  const special = specialsOf(tokens, roles);
  return {
    vocabSize: tokens.length,
    special,
    tokenizerJson: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: specials.map((t) => addedToken(vocab[t]!, t)),
      normalizer: { type: 'Replace', pattern: { String: ' ' }, content: delimiter },
      pre_tokenizer: { type: 'Split', pattern: { Regex: '' }, behavior: 'Isolated', invert: false },
      post_processor: null,
      decoder: { type: 'CTC', pad_token: specials[0], word_delimiter_token: delimiter, cleanup: true },
      model: { type: 'WordLevel', vocab, unk_token: roles.unk_token ?? '<unk>' },
    },
    tokenizerConfig: configFor(opts.tokenizerClass ?? 'Wav2Vec2CTCTokenizer', special, {
      word_delimiter_token: delimiter,
      do_lower_case: false,
    }),
  };
}
