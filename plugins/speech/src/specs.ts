/**
 * The speech types this plugin synthesizes, each with the inputs transformers.js feeds it, its
 * head, its feature extractor (preprocessor_config.json as the type's checkpoints write it) and
 * its config.json keys. Facts were read from transformers.js 4.3.2 (feature extractors,
 * pipelines/automatic-speech-recognition.js, audio-classification.js, models/<type>/).
 */

import { CODEC_SPECS } from './codec.ts';
import { TTS_TYPES } from './tts.ts';

export interface Dims {
  hidden: number;
  heads: number;
  inner: number;
  layers: number;
}

/** How audio reaches the encoder graph. */
export type FrontEnd =
  /** Raw samples `input_values` [b, samples] (or [b, 1, samples]) through strided convolutions. */
  | {
      kind: 'raw';
      channelAxis?: boolean;
      convDim: number[];
      convKernel: number[];
      convStride: number[];
      posConv?: { kernel: number; groups: number };
    }
  /** Spectrogram frames [b, frames, featDim] under `input` (a feature extractor made them). */
  | { kind: 'frames'; input: 'input_features' | 'input_values'; featDim: number }
  /** Whisper log-mel `input_features` [b, mels, 3000]. */
  | { kind: 'mel'; mels: number; frames: number; maxSource: number };

/** Seq2seq speech models: the decoder's token layout and what generate() is told. */
export interface Seq2SeqSpec {
  tokenizer: 'whisper' | 'bpe' | 'cohere';
  generateOptions: Record<string, unknown>;
}

/** ctc: logits [b, t, vocab]; classification: logits [b, labels]; frames: logits [b, t, labels]; embedding: embeddings [b, dim]. */
export type Head = 'ctc' | 'classification' | 'frame-classification' | 'embedding' | 'seq2seq';

export interface SpeechSpec {
  architecture: string;
  frontEnd: FrontEnd;
  head: Head;
  /** The pipeline that drives it, when transformers.js has one for this type and head. */
  task?: 'automatic-speech-recognition' | 'audio-classification';
  tokenizer?: 'ctc-chars' | 'whisper' | 'bpe' | 'cohere';
  tokenizerClass?: string;
  preprocessor: { feature_extractor_type: string; sampling_rate: number } & Record<string, unknown>;
  config(d: Dims, vocab: number): Record<string, unknown>;
  seq2seq?: Seq2SeqSpec;
  /** Why only session-level checks can run (transformers.js does not register the type). */
  sessionOnly?: string;
}

export const LABELS = ['speech', 'music', 'noise', 'silence'];
export const FRAME_LABELS = ['no-speaker', 'speaker-1', 'speaker-2'];

/** SincNet-like front end: frames = (samples - offset) / step, as PyAnnoteFeatureExtractor assumes. */
const PYANNOTE_CONV = { convDim: [16, 32, 32], convKernel: [251, 5, 5], convStride: [10, 3, 3] };
function framesToSamples(c: { convKernel: number[]; convStride: number[] }) {
  let field = 1;
  let step = 1;
  c.convKernel.forEach((k, i) => {
    field += (k - 1) * step;
    step *= c.convStride[i]!;
  });
  return { offset: field - step, step };
}

const RAW_CONV = { convDim: [32, 32, 32], convKernel: [10, 3, 3], convStride: [5, 4, 4] };
const W2V_EXTRACTOR = {
  feature_extractor_type: 'Wav2Vec2FeatureExtractor',
  feature_size: 1,
  sampling_rate: 16000,
  padding_value: 0.0,
  padding_side: 'right',
  do_normalize: true,
  return_attention_mask: false,
  processor_class: 'Wav2Vec2Processor',
};

/** Wav2Vec2-family config keys (Wav2Vec2, HuBERT, UniSpeech, UniSpeech-SAT, WavLM share them). */
const w2vKeys = (d: Dims, vocab: number) => ({
  vocab_size: vocab,
  hidden_size: d.hidden,
  num_hidden_layers: d.layers,
  num_attention_heads: d.heads,
  intermediate_size: d.inner,
  hidden_act: 'gelu',
  feat_extract_norm: 'group',
  feat_extract_activation: 'gelu',
  conv_dim: RAW_CONV.convDim,
  conv_kernel: RAW_CONV.convKernel,
  conv_stride: RAW_CONV.convStride,
  conv_bias: false,
  num_feat_extract_layers: RAW_CONV.convDim.length,
  num_conv_pos_embeddings: 16,
  num_conv_pos_embedding_groups: 4,
  do_stable_layer_norm: false,
  layer_norm_eps: 1e-5,
  pad_token_id: 0,
  bos_token_id: 1,
  eos_token_id: 2,
  ctc_loss_reduction: 'sum',
  ctc_zero_infinity: false,
  use_weighted_layer_sum: false,
  classifier_proj_size: d.hidden,
});

const rawCtc = (architecture: string, extra: Record<string, unknown> = {}): SpeechSpec => ({
  architecture,
  frontEnd: { kind: 'raw', ...RAW_CONV, posConv: { kernel: 16, groups: 4 } },
  head: 'ctc',
  task: 'automatic-speech-recognition',
  tokenizer: 'ctc-chars',
  tokenizerClass: 'Wav2Vec2CTCTokenizer',
  preprocessor: W2V_EXTRACTOR,
  config: (d, v) => ({ ...w2vKeys(d, v), ...extra }),
});

export const SPEECH_SPECS: Record<string, SpeechSpec> = {
  wav2vec2: rawCtc('Wav2Vec2ForCTC'),
  hubert: rawCtc('HubertForCTC', { feat_proj_layer_norm: true }),
  unispeech: rawCtc('UniSpeechForCTC', { num_codevectors_per_group: 320, num_codevector_groups: 2, replace_prob: 0.5 }),
  'unispeech-sat': rawCtc('UniSpeechSatForCTC', {
    num_codevectors_per_group: 320,
    num_codevector_groups: 2,
    num_clusters: 504,
  }),
  // transformers.js's ASR pipeline does not dispatch wavlm, so its audio-classification head is tested.
  wavlm: {
    ...rawCtc('WavLMForSequenceClassification', { num_buckets: 320, max_bucket_distance: 800 }),
    head: 'classification',
    task: 'audio-classification',
  },
  'wav2vec2-bert': {
    architecture: 'Wav2Vec2BertForCTC',
    frontEnd: { kind: 'frames', input: 'input_features', featDim: 160 },
    head: 'ctc',
    task: 'automatic-speech-recognition',
    tokenizer: 'ctc-chars',
    tokenizerClass: 'Wav2Vec2CTCTokenizer',
    preprocessor: {
      feature_extractor_type: 'SeamlessM4TFeatureExtractor',
      feature_size: 80,
      num_mel_bins: 80,
      stride: 2,
      padding_side: 'right',
      padding_value: 1,
      return_attention_mask: true,
      sampling_rate: 16000,
      processor_class: 'Wav2Vec2BertProcessor',
    },
    config: (d, v) => ({
      vocab_size: v,
      hidden_size: d.hidden,
      num_hidden_layers: d.layers,
      num_attention_heads: d.heads,
      intermediate_size: d.inner,
      hidden_act: 'swish',
      feature_projection_input_dim: 160,
      conv_depthwise_kernel_size: 31,
      position_embeddings_type: 'relative_key',
      left_max_position_embeddings: 64,
      right_max_position_embeddings: 8,
      layer_norm_eps: 1e-5,
      pad_token_id: 0,
      bos_token_id: 1,
      eos_token_id: 2,
      add_adapter: false,
      classifier_proj_size: d.hidden,
    }),
  },
  parakeet_ctc: {
    architecture: 'ParakeetForCTC',
    frontEnd: { kind: 'frames', input: 'input_features', featDim: 80 },
    head: 'ctc',
    task: 'automatic-speech-recognition',
    tokenizer: 'ctc-chars',
    tokenizerClass: 'ParakeetTokenizerFast',
    preprocessor: {
      feature_extractor_type: 'ParakeetFeatureExtractor',
      feature_size: 80,
      sampling_rate: 16000,
      hop_length: 160,
      n_fft: 512,
      win_length: 400,
      preemphasis: 0.97,
      padding_value: 0.0,
      return_attention_mask: true,
    },
    config: (d, v) => ({
      vocab_size: v,
      pad_token_id: 0,
      ctc_loss_reduction: 'mean',
      ctc_zero_infinity: true,
      encoder_config: {
        model_type: 'parakeet_encoder',
        hidden_size: d.hidden,
        num_hidden_layers: d.layers,
        num_attention_heads: d.heads,
        intermediate_size: d.inner,
        hidden_act: 'silu',
        num_mel_bins: 80,
        subsampling_factor: 1,
        conv_kernel_size: 9,
        scale_input: false,
      },
    }),
  },
  'audio-spectrogram-transformer': {
    architecture: 'ASTForAudioClassification',
    frontEnd: { kind: 'frames', input: 'input_values', featDim: 128 },
    head: 'classification',
    task: 'audio-classification',
    preprocessor: {
      feature_extractor_type: 'ASTFeatureExtractor',
      feature_size: 1,
      num_mel_bins: 128,
      max_length: 100,
      sampling_rate: 16000,
      do_normalize: true,
      mean: -4.2677393,
      std: 4.5689974,
      padding_value: 0.0,
      return_attention_mask: false,
    },
    config: (d) => ({
      hidden_size: d.hidden,
      num_hidden_layers: d.layers,
      num_attention_heads: d.heads,
      intermediate_size: d.inner,
      hidden_act: 'gelu',
      patch_size: 16,
      frequency_stride: 10,
      time_stride: 10,
      max_length: 100,
      num_mel_bins: 128,
      layer_norm_eps: 1e-12,
      qkv_bias: true,
    }),
  },
  pyannote: {
    architecture: 'PyAnnoteForAudioFrameClassification',
    frontEnd: { kind: 'raw', channelAxis: true, ...PYANNOTE_CONV },
    head: 'frame-classification',
    preprocessor: {
      feature_extractor_type: 'PyAnnoteFeatureExtractor',
      processor_class: 'PyAnnoteProcessor',
      feature_size: 1,
      sampling_rate: 16000,
      padding_value: 0.0,
      padding_side: 'right',
      return_attention_mask: false,
      ...framesToSamples(PYANNOTE_CONV),
    },
    config: (d) => ({
      sincnet: {
        stride: PYANNOTE_CONV.convStride[0],
        conv_dim: PYANNOTE_CONV.convDim,
        conv_kernel: PYANNOTE_CONV.convKernel,
        conv_stride: PYANNOTE_CONV.convStride,
      },
      lstm: { hidden_size: d.hidden, num_layers: d.layers, bidirectional: false, monolithic: true, dropout: 0.0 },
      linear: { hidden_size: d.hidden, num_layers: 1 },
      sample_rate: 16000,
      num_channels: 1,
    }),
  },
  'wespeaker-resnet': {
    architecture: 'WeSpeakerResNetModel',
    frontEnd: { kind: 'frames', input: 'input_features', featDim: 80 },
    head: 'embedding',
    preprocessor: {
      feature_extractor_type: 'WeSpeakerFeatureExtractor',
      feature_size: 1,
      num_mel_bins: 80,
      sampling_rate: 16000,
      padding_value: 0.0,
      min_num_frames: 0,
      fbank_centering_span: null,
      return_attention_mask: false,
    },
    config: (d) => ({
      num_mel_bins: 80,
      embed_dim: d.hidden,
      num_blocks: [1, 1, 1, 1],
      m_channels: 8,
      pooling_func: 'TSTP',
    }),
  },
  moonshine: {
    architecture: 'MoonshineForConditionalGeneration',
    frontEnd: { kind: 'raw', convDim: [32, 32, 32], convKernel: [127, 7, 3], convStride: [64, 3, 2] },
    head: 'seq2seq',
    task: 'automatic-speech-recognition',
    tokenizer: 'bpe',
    tokenizerClass: 'PreTrainedTokenizerFast',
    preprocessor: {
      feature_extractor_type: 'MoonshineFeatureExtractor',
      processor_class: 'MoonshineProcessor',
      feature_size: 1,
      sampling_rate: 16000,
      padding_value: 0.0,
      do_normalize: false,
      return_attention_mask: true,
    },
    seq2seq: { tokenizer: 'bpe', generateOptions: {} },
    config: (d, v) => ({
      vocab_size: v,
      hidden_size: d.hidden,
      intermediate_size: d.inner,
      encoder_num_hidden_layers: d.layers,
      decoder_num_hidden_layers: d.layers,
      encoder_num_attention_heads: d.heads,
      decoder_num_attention_heads: d.heads,
      encoder_num_key_value_heads: d.heads,
      decoder_num_key_value_heads: d.heads,
      encoder_hidden_act: 'gelu',
      decoder_hidden_act: 'silu',
      max_position_embeddings: 448,
      rope_theta: 10000,
      partial_rotary_factor: 0.9,
      is_encoder_decoder: true,
      use_cache: true,
      bos_token_id: 1,
      eos_token_id: 2,
      decoder_start_token_id: 1,
      pad_token_id: 2,
    }),
  },
  cohere_asr: {
    architecture: 'CohereAsrForConditionalGeneration',
    frontEnd: { kind: 'frames', input: 'input_features', featDim: 80 },
    head: 'seq2seq',
    task: 'automatic-speech-recognition',
    tokenizer: 'cohere',
    tokenizerClass: 'CohereAsrTokenizer',
    preprocessor: {
      feature_extractor_type: 'CohereAsrFeatureExtractor',
      processor_class: 'CohereAsrProcessor',
      feature_size: 80,
      sampling_rate: 16000,
      hop_length: 160,
      n_fft: 512,
      win_length: 400,
      preemphasis: 0.97,
      dither: 0,
      padding_value: 0.0,
      max_audio_clip_s: 35,
      overlap_chunk_second: 5,
      min_energy_window_samples: 1600,
      return_attention_mask: true,
    },
    seq2seq: { tokenizer: 'cohere', generateOptions: {} },
    config: (d, v) => ({
      vocab_size: v,
      hidden_size: d.hidden,
      num_hidden_layers: d.layers,
      num_attention_heads: d.heads,
      num_key_value_heads: d.heads,
      head_dim: d.hidden / d.heads,
      intermediate_size: d.inner,
      is_encoder_decoder: true,
      use_cache: true,
      max_position_embeddings: 448,
      encoder_config: {
        model_type: 'parakeet_encoder',
        hidden_size: d.hidden,
        num_hidden_layers: d.layers,
        num_attention_heads: d.heads,
        intermediate_size: d.inner,
        num_mel_bins: 80,
        subsampling_factor: 1,
      },
    }),
  },
  whisper: whisperSpec('WhisperForConditionalGeneration'),
  // Wav2Vec2-like CTC types Transformers has and transformers.js 4.3.2 does not register.
  sew: { ...rawCtc('SEWForCTC', { squeeze_factor: 2 }), sessionOnly: notRegistered('sew') },
  'sew-d': {
    ...rawCtc('SEWDForCTC', {
      squeeze_factor: 2,
      max_position_embeddings: 512,
      position_buckets: 256,
      share_att_key: true,
      relative_attention: true,
      pos_att_type: ['p2c', 'c2p'],
      norm_rel_ebd: 'layer_norm',
    }),
    sessionOnly: notRegistered('sew-d'),
  },
  'data2vec-audio': {
    ...rawCtc('Data2VecAudioForCTC', {
      feat_extract_norm: 'layer',
      conv_pos_kernel_size: 19,
      num_conv_pos_embeddings: 5,
    }),
    sessionOnly: notRegistered('data2vec-audio'),
  },
  'wav2vec2-conformer': {
    ...rawCtc('Wav2Vec2ConformerForCTC', {
      position_embeddings_type: 'relative',
      conv_depthwise_kernel_size: 31,
      rotary_embedding_base: 10000,
      max_source_positions: 5000,
    }),
    sessionOnly: notRegistered('wav2vec2-conformer'),
  },
  'lite-whisper': whisperSpec('LiteWhisperForConditionalGeneration'),
};

function whisperSpec(architecture: string): SpeechSpec {
  return {
    architecture,
    frontEnd: { kind: 'mel', mels: 80, frames: 3000, maxSource: 1500 },
    head: 'seq2seq',
    task: 'automatic-speech-recognition',
    tokenizer: 'whisper',
    tokenizerClass: 'WhisperTokenizer',
    seq2seq: { tokenizer: 'whisper', generateOptions: { language: 'en', task: 'transcribe' } },
    preprocessor: {
      feature_extractor_type: 'WhisperFeatureExtractor',
      processor_class: 'WhisperProcessor',
      feature_size: 80,
      sampling_rate: 16000,
      hop_length: 160,
      chunk_length: 30,
      n_fft: 400,
      n_samples: 480000,
      nb_max_frames: 3000,
      padding_side: 'right',
      padding_value: 0.0,
      return_attention_mask: false,
    },
    config: () => ({}), // written by synthesizeSeq2Seq, which knows the token ids
  };
}

export const SPEECH_TYPES = [
  ...Object.keys(SPEECH_SPECS),
  ...Object.keys(CODEC_SPECS),
  ...TTS_TYPES,
  'supertonic',
  'musicgen',
  'speecht5',
];

function notRegistered(type: string): string {
  return `transformers.js 4.3.2 does not register ${type} (models/registry.js), so no AutoModel class or pipeline loads it: session level only`;
}

const TOWER =
  'an audio tower inside a multimodal model; transformers.js 4.3.2 registers no standalone class for it (the multimodal family tests it through its parent)';
const UNREGISTERED =
  'transformers.js 4.3.2 does not register it (models/registry.js), so there is no ONNX layout or pipeline to test it against; its graph family (TTS/codec/speech-LM) differs from the ones this plugin synthesizes';

/** Speech-family types this plugin does not synthesize, and why (reported, never dropped). */
export const UNCOVERED: Record<string, string> = {
  ...Object.fromEntries(
    ['audioflamingo3_encoder', 'gemma3n_audio', 'qwen2_audio_encoder', 'voxtral_encoder', 'parakeet_encoder'].map(
      (t) => [t, TOWER],
    ),
  ),
  ...Object.fromEntries(
    [
      'bark',
      'clvp',
      'csm',
      'dia',
      'encodec',
      'fastspeech2_conformer',
      'fastspeech2_conformer_with_hifigan',
      'kyutai_speech_to_text',
      'moshi',
      'musicgen_melody',
      'pop2piano',
      'seamless_m4t',
      'seamless_m4t_v2',
      'speech-encoder-decoder',
      'speech_to_text',
      'univnet',
      'xcodec',
    ].map((t) => [t, UNREGISTERED]),
  ),
};
