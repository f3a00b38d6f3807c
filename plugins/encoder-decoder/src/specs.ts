import type { Seq2SeqArch } from '@hf-core/onnx-builder';

/**
 * The encoder-decoder types this plugin synthesizes: architecture knobs of the tiny graph, the
 * tokenizer each really uses, config.json / generation_config.json in the type's own key names,
 * and the pipeline tasks transformers.js maps it to.
 */

export interface Dims {
  vocab: number;
  dModel: number;
  heads: number;
  headDim: number;
  ffn: number;
  layers: number;
  maxPos: number;
}

export interface TokenizerSpec {
  kind: 'unigram' | 'bpe';
  tokenizerClass: string;
  /** Special tokens in id order. */
  specials: string[];
  /** Special tokens appended after the pieces (language codes, <mask>, <extra_id_0>). */
  trailing?: string[];
  roles: Record<string, string>;
  /** Post-processing template of one sequence, e.g. ['$A', '</s>']. */
  single: string[];
  /** tokenizer_config.json extras (src_lang, tgt_lang, ...). */
  extra?: Record<string, unknown>;
}

export interface Seq2SeqSpec {
  /** config.json model_type when the ref names a variant of a type (flan-t5 is model_type t5). */
  modelType?: string;
  architecture: string;
  tokenizer: TokenizerSpec;
  arch(
    d: Dims,
  ): Omit<Seq2SeqArch, 'vocab' | 'dModel' | 'heads' | 'headDim' | 'ffn' | 'encoderLayers' | 'decoderLayers'>;
  /** config.json beyond model_type / architectures, with token ids resolved from the tokenizer. */
  config(d: Dims, ids: Record<string, number>): Record<string, unknown>;
  /** generation_config.json (token ids resolved from the tokenizer). */
  generation(ids: Record<string, number>): Record<string, unknown>;
  tasks: string[];
  /** Languages for the translation pipeline (src_lang / tgt_lang), for tokenizers that need them. */
  translation?: { src_lang: string; tgt_lang: string };
  /** Why transformers.js cannot load it at pipeline level (session level still runs). */
  noPipeline?: string;
}

const T5_SPECIALS = ['<pad>', '</s>', '<unk>'];
const t5Tokenizer: TokenizerSpec = {
  kind: 'unigram',
  tokenizerClass: 'T5Tokenizer',
  specials: T5_SPECIALS,
  trailing: ['<extra_id_1>', '<extra_id_0>'],
  roles: { pad_token: '<pad>', eos_token: '</s>', unk_token: '<unk>' },
  single: ['$A', '</s>'],
};

const t5Config = (ffProj: string) => (d: Dims, ids: Record<string, number>) => ({
  vocab_size: d.vocab,
  d_model: d.dModel,
  d_kv: d.headDim,
  d_ff: d.ffn,
  num_layers: d.layers,
  num_decoder_layers: d.layers,
  num_heads: d.heads,
  relative_attention_num_buckets: 32,
  relative_attention_max_distance: 128,
  dropout_rate: 0.1,
  layer_norm_epsilon: 1e-6,
  initializer_factor: 1.0,
  feed_forward_proj: ffProj,
  is_encoder_decoder: true,
  use_cache: true,
  pad_token_id: ids.pad_token,
  eos_token_id: ids.eos_token,
  decoder_start_token_id: ids.pad_token,
  n_positions: d.maxPos,
  tie_word_embeddings: ffProj === 'relu',
  task_specific_params: {
    summarization: {
      early_stopping: true,
      length_penalty: 2.0,
      max_length: 200,
      min_length: 30,
      no_repeat_ngram_size: 3,
      num_beams: 4,
      prefix: 'summarize: ',
    },
    translation_en_to_fr: {
      early_stopping: true,
      max_length: 300,
      num_beams: 4,
      prefix: 'translate English to French: ',
    },
  },
});
const t5Arch = (act: Seq2SeqArch['act']) => () => ({
  norm: 'rms' as const,
  preNorm: true,
  act,
  positions: { kind: 'relative' as const, buckets: 32, maxDistance: 128 },
  embeddingNorm: false,
  finalNorm: true,
  embedScale: 1,
  bias: false,
});
const t5Generation = (ids: Record<string, number>) => ({
  decoder_start_token_id: ids.pad_token,
  eos_token_id: ids.eos_token,
  pad_token_id: ids.pad_token,
});
const T5_TASKS = ['text2text-generation', 'translation', 'summarization'];

/** Keys every BART-like config shares (BartConfig, MBartConfig, MarianConfig, M2M100Config, ...). */
const bartKeys = (d: Dims, ids: Record<string, number>, act: string) => ({
  vocab_size: d.vocab,
  d_model: d.dModel,
  encoder_layers: d.layers,
  decoder_layers: d.layers,
  encoder_attention_heads: d.heads,
  decoder_attention_heads: d.heads,
  encoder_ffn_dim: d.ffn,
  decoder_ffn_dim: d.ffn,
  activation_function: act,
  max_position_embeddings: d.maxPos,
  dropout: 0.1,
  attention_dropout: 0.0,
  activation_dropout: 0.0,
  init_std: 0.02,
  encoder_layerdrop: 0.0,
  decoder_layerdrop: 0.0,
  is_encoder_decoder: true,
  use_cache: true,
  num_hidden_layers: d.layers,
  pad_token_id: ids.pad_token,
  bos_token_id: ids.bos_token,
  eos_token_id: ids.eos_token,
});
const absolute = (kind: 'learned' | 'sinusoidal', offset: number, d: Dims) => ({ kind, max: d.maxPos, offset });
const ENC_DEC_SPECIALS = ['<s>', '<pad>', '</s>', '<unk>'];
const encDecRoles = { bos_token: '<s>', pad_token: '<pad>', eos_token: '</s>', unk_token: '<unk>' };

export const SEQ2SEQ_SPECS: Record<string, Seq2SeqSpec> = {
  t5: {
    architecture: 'T5ForConditionalGeneration',
    tokenizer: t5Tokenizer,
    arch: t5Arch('relu'),
    config: t5Config('relu'),
    generation: t5Generation,
    tasks: T5_TASKS,
  },
  // FLAN-T5 checkpoints are model_type t5 with a gated-GELU feed-forward and untied embeddings.
  'flan-t5': {
    modelType: 't5',
    architecture: 'T5ForConditionalGeneration',
    tokenizer: t5Tokenizer,
    arch: t5Arch('gated-gelu'),
    config: t5Config('gated-gelu'),
    generation: t5Generation,
    tasks: T5_TASKS,
  },
  mt5: {
    architecture: 'MT5ForConditionalGeneration',
    tokenizer: t5Tokenizer,
    arch: t5Arch('gated-gelu'),
    config: (d, ids) => ({ ...t5Config('gated-gelu')(d, ids), tokenizer_class: 'T5Tokenizer' }),
    generation: t5Generation,
    tasks: T5_TASKS,
  },
  longt5: {
    architecture: 'LongT5ForConditionalGeneration',
    tokenizer: t5Tokenizer,
    arch: t5Arch('gated-gelu'),
    generation: t5Generation,
    tasks: T5_TASKS,
    // Local attention with a radius longer than any test input attends to every position, like the full attention the graph computes.
    config: (d, ids) => ({
      ...t5Config('gated-gelu')(d, ids),
      encoder_attention_type: 'local',
      local_radius: d.maxPos - 1,
      global_block_size: 16,
    }),
  },
  bart: {
    architecture: 'BartForConditionalGeneration',
    tasks: ['text2text-generation', 'summarization'],
    tokenizer: {
      kind: 'bpe',
      tokenizerClass: 'BartTokenizer',
      specials: ENC_DEC_SPECIALS,
      trailing: ['<mask>'],
      roles: { ...encDecRoles, cls_token: '<s>', sep_token: '</s>', mask_token: '<mask>' },
      single: ['<s>', '$A', '</s>'],
    },
    arch: (d) => ({
      norm: 'layer',
      preNorm: false,
      act: 'gelu',
      positions: absolute('learned', 2, d),
      embeddingNorm: true,
      finalNorm: false,
      embedScale: 1,
      bias: true,
    }),
    config: (d, ids) => ({
      ...bartKeys(d, ids, 'gelu'),
      normalize_before: false,
      add_final_layer_norm: false,
      scale_embedding: false,
      decoder_start_token_id: ids.eos_token,
      forced_bos_token_id: ids.bos_token,
      forced_eos_token_id: ids.eos_token,
    }),
    generation: (ids) => ({
      bos_token_id: ids.bos_token,
      decoder_start_token_id: ids.eos_token,
      eos_token_id: ids.eos_token,
      forced_bos_token_id: ids.bos_token,
      forced_eos_token_id: ids.eos_token,
      pad_token_id: ids.pad_token,
    }),
  },
  mbart: {
    architecture: 'MBartForConditionalGeneration',
    tasks: ['text2text-generation', 'translation'],
    translation: { src_lang: 'en_XX', tgt_lang: 'fr_XX' },
    tokenizer: {
      kind: 'unigram',
      tokenizerClass: 'MBartTokenizer',
      specials: ENC_DEC_SPECIALS,
      trailing: ['en_XX', 'fr_XX', 'de_DE', '<mask>'],
      roles: { ...encDecRoles, mask_token: '<mask>', src_lang: 'en_XX', tgt_lang: 'fr_XX' },
      single: ['$A', '</s>', 'en_XX'],
    },
    arch: (d) => ({
      norm: 'layer',
      preNorm: true,
      act: 'gelu',
      positions: absolute('learned', 2, d),
      embeddingNorm: true,
      finalNorm: true,
      embedScale: Math.sqrt(d.dModel),
      bias: true,
    }),
    config: (d, ids) => ({
      ...bartKeys(d, ids, 'gelu'),
      normalize_before: true,
      add_final_layer_norm: true,
      scale_embedding: true,
      decoder_start_token_id: ids.eos_token,
      forced_eos_token_id: ids.eos_token,
    }),
    generation: (ids) => ({
      bos_token_id: ids.bos_token,
      decoder_start_token_id: ids.eos_token,
      eos_token_id: ids.eos_token,
      forced_eos_token_id: ids.eos_token,
      pad_token_id: ids.pad_token,
    }),
  },
  marian: {
    architecture: 'MarianMTModel',
    tasks: ['text2text-generation', 'translation'],
    tokenizer: {
      kind: 'unigram',
      tokenizerClass: 'MarianTokenizer',
      specials: ['</s>', '<unk>', '<pad>'],
      roles: { eos_token: '</s>', unk_token: '<unk>', pad_token: '<pad>' },
      single: ['$A', '</s>'],
      extra: { source_lang: 'en', target_lang: 'fr' },
    },
    arch: (d) => ({
      norm: 'layer',
      preNorm: false,
      act: 'silu',
      positions: absolute('sinusoidal', 0, d),
      embeddingNorm: false,
      finalNorm: false,
      embedScale: Math.sqrt(d.dModel),
      bias: true,
    }),
    config: (d, ids) => ({
      ...bartKeys(d, ids, 'swish'),
      bos_token_id: 0,
      normalize_before: false,
      scale_embedding: true,
      static_position_embeddings: true,
      share_encoder_decoder_embeddings: true,
      decoder_vocab_size: d.vocab,
      decoder_start_token_id: ids.pad_token,
      bad_words_ids: [[ids.pad_token]],
      forced_eos_token_id: ids.eos_token,
    }),
    generation: (ids) => ({
      bad_words_ids: [[ids.pad_token]],
      bos_token_id: 0,
      decoder_start_token_id: ids.pad_token,
      eos_token_id: ids.eos_token,
      forced_eos_token_id: ids.eos_token,
      pad_token_id: ids.pad_token,
    }),
  },
  m2m_100: {
    architecture: 'M2M100ForConditionalGeneration',
    tasks: ['text2text-generation', 'translation'],
    translation: { src_lang: 'en', tgt_lang: 'fr' },
    tokenizer: {
      kind: 'unigram',
      tokenizerClass: 'M2M100Tokenizer',
      specials: ENC_DEC_SPECIALS,
      trailing: ['__en__', '__fr__', '__de__'],
      roles: { ...encDecRoles, src_lang: '__en__', tgt_lang: '__fr__' },
      single: ['__en__', '$A', '</s>'],
    },
    arch: (d) => ({
      norm: 'layer',
      preNorm: true,
      act: 'relu',
      positions: absolute('sinusoidal', 2, d),
      embeddingNorm: false,
      finalNorm: true,
      embedScale: Math.sqrt(d.dModel),
      bias: true,
    }),
    config: (d, ids) => ({ ...bartKeys(d, ids, 'relu'), scale_embedding: true, decoder_start_token_id: ids.eos_token }),
    generation: (ids) => ({
      bos_token_id: ids.bos_token,
      decoder_start_token_id: ids.eos_token,
      eos_token_id: ids.eos_token,
      pad_token_id: ids.pad_token,
    }),
  },
  blenderbot: {
    architecture: 'BlenderbotForConditionalGeneration',
    tasks: ['text2text-generation'],
    tokenizer: {
      kind: 'bpe',
      tokenizerClass: 'BlenderbotTokenizer',
      specials: ['<pad>', '<s>', '</s>', '<unk>'],
      trailing: ['<mask>'],
      roles: { ...encDecRoles, mask_token: '<mask>' },
      single: ['$A', '</s>'],
    },
    arch: (d) => ({
      norm: 'layer',
      preNorm: true,
      act: 'gelu',
      positions: absolute('learned', 0, d),
      embeddingNorm: false,
      finalNorm: true,
      embedScale: Math.sqrt(d.dModel),
      bias: true,
    }),
    config: (d, ids) => ({
      ...bartKeys(d, ids, 'gelu'),
      normalize_before: true,
      add_final_layer_norm: true,
      layernorm_embedding: false,
      scale_embedding: true,
      unk_token_id: ids.unk_token,
      decoder_start_token_id: ids.bos_token,
      forced_eos_token_id: ids.eos_token,
      encoder_no_repeat_ngram_size: 3,
    }),
    generation: (ids) => ({
      bos_token_id: ids.bos_token,
      decoder_start_token_id: ids.bos_token,
      eos_token_id: ids.eos_token,
      forced_eos_token_id: ids.eos_token,
      pad_token_id: ids.pad_token,
    }),
  },
  'blenderbot-small': {
    architecture: 'BlenderbotSmallForConditionalGeneration',
    tasks: ['text2text-generation'],
    tokenizer: {
      kind: 'bpe',
      tokenizerClass: 'BlenderbotSmallTokenizer',
      specials: ['__null__', '__start__', '__end__', '__unk__'],
      roles: { pad_token: '__null__', bos_token: '__start__', eos_token: '__end__', unk_token: '__unk__' },
      single: ['$A', '__end__'],
    },
    arch: (d) => ({
      norm: 'layer',
      preNorm: false,
      act: 'gelu',
      positions: absolute('learned', 0, d),
      embeddingNorm: true,
      finalNorm: false,
      embedScale: Math.sqrt(d.dModel),
      bias: true,
    }),
    config: (d, ids) => ({
      ...bartKeys(d, ids, 'gelu'),
      normalize_before: false,
      add_final_layer_norm: false,
      layernorm_embedding: true,
      scale_embedding: true,
      unk_token_id: ids.unk_token,
      decoder_start_token_id: ids.bos_token,
      forced_eos_token_id: ids.eos_token,
    }),
    generation: (ids) => ({
      bos_token_id: ids.bos_token,
      decoder_start_token_id: ids.bos_token,
      eos_token_id: ids.eos_token,
      forced_eos_token_id: ids.eos_token,
      pad_token_id: ids.pad_token,
    }),
  },
  pegasus: {
    architecture: 'PegasusForConditionalGeneration',
    tasks: ['text2text-generation', 'summarization'],
    noPipeline:
      'transformers.js 4.3.2 does not register model type "pegasus" (models/registry.js has no Pegasus class), so only the ONNX sessions are tested',
    tokenizer: {
      kind: 'unigram',
      tokenizerClass: 'PegasusTokenizer',
      specials: ['<pad>', '</s>', '<mask_1>', '<mask_2>', '<unk>'],
      roles: { pad_token: '<pad>', eos_token: '</s>', unk_token: '<unk>', mask_token: '<mask_2>' },
      single: ['$A', '</s>'],
    },
    arch: (d) => ({
      norm: 'layer',
      preNorm: true,
      act: 'relu',
      positions: absolute('sinusoidal', 0, d),
      embeddingNorm: false,
      finalNorm: true,
      embedScale: Math.sqrt(d.dModel),
      bias: true,
    }),
    config: (d, ids) => ({
      ...bartKeys(d, ids, 'relu'),
      bos_token_id: undefined,
      normalize_before: true,
      scale_embedding: true,
      static_position_embeddings: true,
      decoder_start_token_id: ids.pad_token,
      forced_eos_token_id: ids.eos_token,
    }),
    generation: (ids) => ({
      decoder_start_token_id: ids.pad_token,
      eos_token_id: ids.eos_token,
      forced_eos_token_id: ids.eos_token,
      pad_token_id: ids.pad_token,
    }),
  },
};

export const SEQ2SEQ_TYPES = Object.keys(SEQ2SEQ_SPECS);

const notInTjs = (what: string) =>
  `transformers.js 4.3.2 does not register this model type (${what}), so no ONNX layout or pipeline exists to test it against; not synthesized`;

/** Encoder-decoder types of Hugging Face Transformers this plugin does not synthesize, with the reason. */
export const SEQ2SEQ_UNCOVERED: Record<string, string> = {
  'encoder-decoder':
    'a composite of two other configs (encoder and decoder sub-configs of any family); test the checkpoint folder instead of a synthesized type',
  bigbird_pegasus: notInTjs('BigBird block-sparse attention'),
  pegasus_x: notInTjs('staggered block-local attention with global tokens'),
  led: notInTjs('Longformer windowed + global attention'),
  fsmt: notInTjs('FSMT with separate source and target vocabularies'),
  mvp: notInTjs('BART-like with task prompts'),
  plbart: notInTjs('BART-like for code'),
  prophetnet: notInTjs('n-stream self-attention'),
  'nllb-moe': notInTjs('mixture-of-experts layers'),
  switch_transformers: notInTjs('T5 with switch mixture-of-experts layers'),
  t5gemma: notInTjs('Gemma-based encoder-decoder'),
  umt5: notInTjs('T5 with a relative attention bias in every layer'),
  audioflamingo3:
    'an audio-language model (audio encoder + LLM); belongs with the speech / multimodal families, not text seq2seq',
};
