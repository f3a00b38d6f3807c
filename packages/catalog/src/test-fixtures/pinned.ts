/** What the real transformers releases say, pinned by the sync tests (committed facts and real wheels alike). */

/** The seven types transformers 5.18.0 added over 5.17.0. */
export const NEW_IN_5_18 = [
  'gte',
  'hyperclovax_vision_v2',
  'minicpmv4_7',
  'minicpmv4_7_vision',
  'nemotron3_diarization',
  'nemotron3_diarization_audio',
  'nemotron_h_omni',
];
/** The 24 types of 4.57.6 that 5.18.0 no longer lists. */
export const GONE_SINCE_4_57 = [
  'code_llama',
  'deta',
  'efficientformer',
  'ernie_m',
  'gptsan-japanese',
  'granitevision',
  'graphormer',
  'jukebox',
  'mctct',
  'mega',
  'nat',
  'nezha',
  'open-llama',
  'perception_encoder',
  'qdqbert',
  'realm',
  'retribert',
  'speech_to_text_2',
  'trajectory_transformer',
  'transfo-xl',
  'tvlt',
  'van',
  'vit_hybrid',
  'xlm-prophetnet',
];
