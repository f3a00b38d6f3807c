/**
 * Hand-kept facts the reference tables do not carry: family corrections (each with its
 * reason), small real checkpoints, and the other names users type for a model type.
 * Read by build-catalog.ts; the catalog entries record them.
 */
import type { Family } from '../src/types.ts';

/** Where the reference table's proposed family is wrong for how the model is used and tested. */
export const FAMILY_OVERRIDES: Record<string, { family: Family; note: string }> = {
  layoutlm: {
    family: 'encoder-only',
    note: 'LayoutLM (v1) reads token ids plus word bounding boxes and no pixels: a BERT-style text encoder. Only its document-QA head put it under multimodal.',
  },
  layoutxlm: {
    family: 'multimodal',
    note: 'LayoutXLM is the LayoutLMv2 architecture (text + layout + image) with a multilingual tokenizer, so it belongs with layoutlmv2; the rule found no mapping table for it and said other.',
  },
  rag: {
    family: 'encoder-decoder',
    note: 'RAG pairs a DPR question encoder with a seq2seq generator (BART or T5) and generates text; the rule found no mapping table for it and said other.',
  },
  kyutai_speech_to_text: {
    family: 'speech',
    note: 'Kyutai STT takes audio and returns its transcript (speech recognition); it is listed only in MODEL_FOR_MULTIMODAL_LM besides SPEECH_SEQ_2_SEQ, which made the rule say multimodal.',
  },
  mistral4: {
    family: 'decoder-only',
    note: 'transformers 5.18 lists Mistral 4 for image-text-to-text as well, but transformers.js registers it as a text decoder (DecoderOnly) and that is the model that runs on ONNX Runtime; a checkpoint with a vision tower is classified by its vision_config.',
  },
  moshi: {
    family: 'speech',
    note: 'Moshi is a speech-text dialogue model: its causal LM reads and writes Mimi audio codes, so it needs audio inputs; only the causal-LM table put it under decoder-only.',
  },
};

/**
 * Small real checkpoints, only ids known to exist on the Hugging Face Hub (ONNX exports that
 * transformers.js loads). Types not listed have none recorded.
 */
export const CHECKPOINTS: Record<string, string> = {
  bert: 'Xenova/bert-base-uncased',
  distilbert: 'Xenova/distilbert-base-uncased-finetuned-sst-2-english',
  albert: 'Xenova/albert-base-v2',
  mobilebert: 'Xenova/mobilebert-uncased-mnli',
  'xlm-roberta': 'Xenova/xlm-roberta-base',
  'deberta-v2': 'Xenova/nli-deberta-v3-xsmall',
  mpnet: 'Xenova/all-mpnet-base-v2',
  gpt2: 'Xenova/gpt2',
  llama: 'Xenova/llama2.c-stories15M',
  codegen: 'Xenova/codegen-350M-mono',
  bloom: 'Xenova/bloomz-560m',
  qwen2: 'Xenova/Qwen1.5-0.5B-Chat',
  phi3: 'Xenova/Phi-3-mini-4k-instruct',
  t5: 'Xenova/t5-small',
  bart: 'Xenova/distilbart-cnn-6-6',
  marian: 'Xenova/opus-mt-en-de',
  m2m_100: 'Xenova/m2m100_418M',
  mbart: 'Xenova/mbart-large-50-many-to-many-mmt',
  blenderbot: 'Xenova/blenderbot-400M-distill',
  'blenderbot-small': 'Xenova/blenderbot_small-90M',
  whisper: 'Xenova/whisper-tiny.en',
  wav2vec2: 'Xenova/wav2vec2-base-960h',
  'audio-spectrogram-transformer': 'Xenova/ast-finetuned-audioset-10-10-0.4593',
  speecht5: 'Xenova/speecht5_tts',
  vits: 'Xenova/mms-tts-eng',
  musicgen: 'Xenova/musicgen-small',
  vit: 'Xenova/vit-base-patch16-224',
  deit: 'Xenova/deit-tiny-distilled-patch16-224',
  beit: 'Xenova/beit-base-patch16-224',
  resnet: 'Xenova/resnet-50',
  convnext: 'Xenova/convnext-tiny-224',
  mobilevit: 'Xenova/mobilevit-small',
  detr: 'Xenova/detr-resnet-50',
  yolos: 'Xenova/yolos-tiny',
  segformer: 'Xenova/segformer-b0-finetuned-ade-512-512',
  dpt: 'Xenova/dpt-large',
  glpn: 'Xenova/glpn-kitti',
  depth_anything: 'Xenova/depth-anything-small-hf',
  sam: 'Xenova/sam-vit-base',
  clip: 'Xenova/clip-vit-base-patch32',
  siglip: 'Xenova/siglip-base-patch16-224',
  owlvit: 'Xenova/owlvit-base-patch32',
  clap: 'Xenova/clap-htsat-unfused',
  'vision-encoder-decoder': 'Xenova/vit-gpt2-image-captioning',
  moondream1: 'Xenova/moondream2',
};

/**
 * Other names for a type that plain normalization (case, `-`, `_`, `.`) does not reach:
 * family nicknames and model_type values older custom-code checkpoints carry.
 */
export const ALIASES: Record<string, string[]> = {
  llama: ['llama2', 'llama3', 'tinyllama'],
  falcon: ['RefinedWeb', 'RefinedWebModel'],
  phi: ['phi-msft', 'mixformer-sequential', 'phi-2', 'phi-1_5'],
  qwen2: ['qwen1.5', 'qwen2.5'],
  gpt2: ['distilgpt2'],
  gpt_neox: ['pythia'],
  gpt_bigcode: ['starcoder', 'santacoder'],
  bloom: ['bloomz'],
  t5: ['flan-t5'],
  'xlm-roberta': ['xlmr'],
  roberta: ['distilroberta'],
  wav2vec2: ['wav2vec'],
};

/** Tasks for types that no mapping table with a pipeline lists (shared-config types copy theirs). */
export const TASKS: Record<string, string[]> = {
  colqwen2: ['visual-document-retrieval'],
  rag: ['text2text-generation'],
  layoutxlm: ['document-question-answering', 'token-classification', 'text-classification'],
};
