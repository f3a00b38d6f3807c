/**
 * The encoder-only types this plugin synthesizes: each with its tokenizer kind, whether the
 * graph takes token_type_ids, and its config.json written with the type's own key names.
 */

export type TokenizerKind = 'wordpiece' | 'roberta-bpe' | 'unigram';

export interface Dims {
  vocab: number;
  hidden: number;
  layers: number;
  heads: number;
  inner: number;
  maxPos: number;
}

export interface EncoderSpec {
  tokenizer: TokenizerKind;
  tokenizerClass: string;
  tokenTypeIds: boolean;
  /** Position ids start here (RoBERTa-style models start after the padding index). */
  positionOffset?: number;
  /** Special tokens for Unigram / BPE tokenizers, in id order. */
  specials?: string[];
  /** config.json beyond `model_type` and `architectures`, in the type's own key names. */
  config(d: Dims, pad: number): Record<string, unknown>;
  architecture: string;
  /** Output head: masked-LM logits (default), token-classification logits, or none. */
  head?: 'mlm' | 'token-classification' | 'none';
}

const bertKeys = (d: Dims, pad: number) => ({
  vocab_size: d.vocab,
  hidden_size: d.hidden,
  num_hidden_layers: d.layers,
  num_attention_heads: d.heads,
  intermediate_size: d.inner,
  hidden_act: 'gelu',
  max_position_embeddings: d.maxPos,
  type_vocab_size: 2,
  layer_norm_eps: 1e-12,
  pad_token_id: pad,
});

const robertaKeys = (d: Dims, pad: number) => ({
  ...bertKeys(d, pad),
  type_vocab_size: 1,
  layer_norm_eps: 1e-5,
  bos_token_id: 0,
  eos_token_id: 2,
});
const ROBERTA_SPECIALS = ['<s>', '<pad>', '</s>', '<unk>', '<mask>'];

export const ENCODER_SPECS: Record<string, EncoderSpec> = {
  bert: {
    tokenizer: 'wordpiece',
    tokenizerClass: 'BertTokenizer',
    tokenTypeIds: true,
    architecture: 'BertForMaskedLM',
    config: bertKeys,
  },
  roberta: {
    tokenizer: 'roberta-bpe',
    tokenizerClass: 'RobertaTokenizer',
    tokenTypeIds: false,
    positionOffset: 2,
    specials: ROBERTA_SPECIALS,
    architecture: 'RobertaForMaskedLM',
    config: robertaKeys,
  },
  'xlm-roberta': {
    tokenizer: 'unigram',
    tokenizerClass: 'XLMRobertaTokenizer',
    tokenTypeIds: false,
    positionOffset: 2,
    specials: ROBERTA_SPECIALS,
    architecture: 'XLMRobertaForMaskedLM',
    config: robertaKeys,
  },
  camembert: {
    tokenizer: 'unigram',
    tokenizerClass: 'CamembertTokenizer',
    tokenTypeIds: false,
    positionOffset: 2,
    specials: ROBERTA_SPECIALS,
    architecture: 'CamembertForMaskedLM',
    config: robertaKeys,
  },
  albert: {
    tokenizer: 'unigram',
    tokenizerClass: 'AlbertTokenizer',
    tokenTypeIds: true,
    specials: ['<pad>', '<unk>', '[CLS]', '[SEP]', '[MASK]'],
    architecture: 'AlbertForMaskedLM',
    config: (d, pad) => ({
      ...bertKeys(d, pad),
      embedding_size: d.hidden,
      num_hidden_groups: 1,
      inner_group_num: 1,
      hidden_act: 'gelu_new',
      bos_token_id: 2,
      eos_token_id: 3,
    }),
  },
  distilbert: {
    tokenizer: 'wordpiece',
    tokenizerClass: 'DistilBertTokenizer',
    tokenTypeIds: false,
    architecture: 'DistilBertForMaskedLM',
    config: (d, pad) => ({
      vocab_size: d.vocab,
      dim: d.hidden,
      n_layers: d.layers,
      n_heads: d.heads,
      hidden_dim: d.inner,
      activation: 'gelu',
      max_position_embeddings: d.maxPos,
      sinusoidal_pos_embds: false,
      pad_token_id: pad,
    }),
  },
  electra: {
    tokenizer: 'wordpiece',
    tokenizerClass: 'ElectraTokenizer',
    tokenTypeIds: true,
    architecture: 'ElectraForMaskedLM',
    config: (d, pad) => ({ ...bertKeys(d, pad), embedding_size: d.hidden }),
  },
  convbert: {
    tokenizer: 'wordpiece',
    tokenizerClass: 'ConvBertTokenizer',
    tokenTypeIds: true,
    architecture: 'ConvBertForMaskedLM',
    config: (d, pad) => ({
      ...bertKeys(d, pad),
      embedding_size: d.hidden,
      head_ratio: 2,
      conv_kernel_size: 9,
      num_groups: 1,
    }),
  },
  mobilebert: {
    tokenizer: 'wordpiece',
    tokenizerClass: 'MobileBertTokenizer',
    tokenTypeIds: true,
    architecture: 'MobileBertForMaskedLM',
    config: (d, pad) => ({
      ...bertKeys(d, pad),
      embedding_size: d.hidden,
      intra_bottleneck_size: d.hidden,
      true_hidden_size: d.hidden,
      use_bottleneck: false,
      num_feedforward_networks: 1,
      normalization_type: 'no_norm',
    }),
  },
  squeezebert: {
    tokenizer: 'wordpiece',
    tokenizerClass: 'SqueezeBertTokenizer',
    tokenTypeIds: true,
    architecture: 'SqueezeBertForMaskedLM',
    config: (d, pad) => ({
      ...bertKeys(d, pad),
      embedding_size: d.hidden,
      q_groups: 4,
      k_groups: 4,
      v_groups: 4,
      post_attention_groups: 1,
      intermediate_groups: 4,
      output_groups: 4,
    }),
  },
  roformer: {
    tokenizer: 'wordpiece',
    tokenizerClass: 'RoFormerTokenizer',
    tokenTypeIds: true,
    architecture: 'RoFormerForMaskedLM',
    config: (d, pad) => ({ ...bertKeys(d, pad), embedding_size: d.hidden, rotary_value: false }),
  },
  deberta: {
    tokenizer: 'roberta-bpe',
    tokenizerClass: 'DebertaTokenizer',
    tokenTypeIds: true,
    specials: ['[PAD]', '[CLS]', '[SEP]', '[UNK]', '[MASK]'],
    architecture: 'DebertaForMaskedLM',
    config: (d, pad) => ({
      ...bertKeys(d, pad),
      type_vocab_size: 0,
      relative_attention: false,
      pos_att_type: null,
      position_biased_input: true,
      layer_norm_eps: 1e-7,
    }),
  },
  'deberta-v2': {
    tokenizer: 'unigram',
    tokenizerClass: 'DebertaV2Tokenizer',
    tokenTypeIds: true,
    specials: ['[PAD]', '[CLS]', '[SEP]', '[UNK]', '[MASK]'],
    architecture: 'DebertaV2ForMaskedLM',
    config: (d, pad) => ({
      ...bertKeys(d, pad),
      type_vocab_size: 0,
      relative_attention: false,
      pos_att_type: null,
      position_biased_input: true,
      layer_norm_eps: 1e-7,
    }),
  },
  mpnet: {
    tokenizer: 'wordpiece',
    tokenizerClass: 'MPNetTokenizer',
    tokenTypeIds: false,
    architecture: 'MPNetForMaskedLM',
    config: (d, pad) => ({ ...bertKeys(d, pad), relative_attention_num_buckets: 32, layer_norm_eps: 1e-5 }),
  },
  xlm: {
    tokenizer: 'wordpiece',
    tokenizerClass: 'BertTokenizer',
    tokenTypeIds: false,
    architecture: 'XLMWithLMHeadModel',
    config: (d, pad) => ({
      vocab_size: d.vocab,
      emb_dim: d.hidden,
      n_layers: d.layers,
      n_heads: d.heads,
      max_position_embeddings: d.maxPos,
      gelu_activation: true,
      causal: false,
      n_langs: 1,
      use_lang_emb: false,
      pad_token_id: pad,
      layer_norm_eps: 1e-12,
    }),
  },
  esm: {
    tokenizer: 'wordpiece',
    tokenizerClass: 'EsmTokenizer',
    tokenTypeIds: false,
    architecture: 'EsmForMaskedLM',
    config: (d, pad) => ({
      ...bertKeys(d, pad),
      type_vocab_size: undefined,
      position_embedding_type: 'absolute',
      token_dropout: false,
      emb_layer_norm_before: false,
      mask_token_id: 4,
    }),
  },
  modernbert: {
    tokenizer: 'roberta-bpe',
    tokenizerClass: 'PreTrainedTokenizerFast',
    tokenTypeIds: false,
    specials: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'],
    architecture: 'ModernBertForMaskedLM',
    config: (d, pad) => ({
      vocab_size: d.vocab,
      hidden_size: d.hidden,
      num_hidden_layers: d.layers,
      num_attention_heads: d.heads,
      intermediate_size: d.inner,
      hidden_activation: 'gelu',
      max_position_embeddings: d.maxPos,
      global_attn_every_n_layers: 3,
      local_attention: 128,
      norm_eps: 1e-5,
      pad_token_id: pad,
      cls_token_id: 2,
      sep_token_id: 3,
    }),
  },
  eurobert: {
    tokenizer: 'roberta-bpe',
    tokenizerClass: 'PreTrainedTokenizerFast',
    tokenTypeIds: false,
    specials: ['<|begin_of_text|>', '<|end_of_text|>', '<|mask|>', '<|pad|>', '<|unk|>'],
    architecture: 'EuroBertForMaskedLM',
    config: (d, pad) => ({
      vocab_size: d.vocab,
      hidden_size: d.hidden,
      num_hidden_layers: d.layers,
      num_attention_heads: d.heads,
      num_key_value_heads: d.heads,
      intermediate_size: d.inner,
      hidden_act: 'silu',
      max_position_embeddings: d.maxPos,
      rms_norm_eps: 1e-5,
      rope_theta: 250000,
      pad_token_id: pad,
      bos_token_id: 0,
      eos_token_id: 1,
      mask_token_id: 2,
    }),
  },
  neobert: {
    tokenizer: 'wordpiece',
    tokenizerClass: 'BertTokenizer',
    tokenTypeIds: false,
    architecture: 'NeoBERTLMHead',
    config: (d, pad) => ({
      vocab_size: d.vocab,
      hidden_size: d.hidden,
      num_hidden_layers: d.layers,
      num_attention_heads: d.heads,
      intermediate_size: d.inner,
      max_length: d.maxPos,
      norm_eps: 1e-5,
      pad_token_id: pad,
    }),
  },
  nomic_bert: {
    tokenizer: 'wordpiece',
    tokenizerClass: 'BertTokenizer',
    tokenTypeIds: true,
    architecture: 'NomicBertModel',
    head: 'none',
    config: (d, pad) => ({
      vocab_size: d.vocab,
      n_embd: d.hidden,
      n_layer: d.layers,
      n_head: d.heads,
      n_inner: d.inner,
      n_positions: d.maxPos,
      activation_function: 'swiglu',
      rotary_emb_fraction: 1.0,
      layer_norm_epsilon: 1e-12,
      type_vocab_size: 2,
      pad_token_id: pad,
    }),
  },
  openai_privacy_filter: {
    tokenizer: 'roberta-bpe',
    tokenizerClass: 'PreTrainedTokenizerFast',
    tokenTypeIds: false,
    specials: ['<|endoftext|>', '<|pad|>', '<|mask|>'],
    architecture: 'OpenAIPrivacyFilterForTokenClassification',
    head: 'token-classification',
    config: (d, pad) => ({
      vocab_size: d.vocab,
      hidden_size: d.hidden,
      num_hidden_layers: d.layers,
      num_attention_heads: d.heads,
      intermediate_size: d.inner,
      max_position_embeddings: d.maxPos,
      pad_token_id: pad,
    }),
  },
};

export const ENCODER_TYPES = Object.keys(ENCODER_SPECS);
