/**
 * config.json files of public checkpoints (the keys that matter, as published), including
 * fine-tunes, quantized and ONNX exports, custom-code and sub-model configs.
 */
import { describe, expect, it } from 'vitest';
import { classifyConfig } from './index.ts';

type Config = Record<string, unknown>;

const CONFIGS: [id: string, config: Config, family: string, modelType: string | null][] = [
  [
    'distilbert-base-uncased-finetuned-sst-2-english',
    {
      model_type: 'distilbert',
      architectures: ['DistilBertForSequenceClassification'],
      dim: 768,
      n_layers: 6,
      n_heads: 12,
      vocab_size: 30522,
      id2label: { 0: 'NEGATIVE', 1: 'POSITIVE' },
      finetuning_task: 'sst-2',
    },
    'encoder-only',
    'distilbert',
  ],
  [
    'Xenova/all-MiniLM-L6-v2 (ONNX export)',
    {
      _name_or_path: 'sentence-transformers/all-MiniLM-L6-v2',
      model_type: 'bert',
      architectures: ['BertModel'],
      hidden_size: 384,
      num_hidden_layers: 6,
      num_attention_heads: 12,
      type_vocab_size: 2,
      vocab_size: 30522,
      transformers_version: '4.33.0.dev0',
    },
    'encoder-only',
    'bert',
  ],
  [
    'openai-community/gpt2',
    {
      model_type: 'gpt2',
      architectures: ['GPT2LMHeadModel'],
      n_embd: 768,
      n_head: 12,
      n_layer: 12,
      n_ctx: 1024,
      n_positions: 1024,
      vocab_size: 50257,
      task_specific_params: { 'text-generation': { do_sample: true, max_length: 50 } },
    },
    'decoder-only',
    'gpt2',
  ],
  [
    'TheBloke/Llama-2-7B-GPTQ (quantized)',
    {
      model_type: 'llama',
      architectures: ['LlamaForCausalLM'],
      hidden_size: 4096,
      num_hidden_layers: 32,
      num_attention_heads: 32,
      num_key_value_heads: 32,
      vocab_size: 32000,
      rope_theta: 10000,
      torch_dtype: 'float16',
      quantization_config: { quant_method: 'gptq', bits: 4, group_size: 128, desc_act: false },
    },
    'decoder-only',
    'llama',
  ],
  [
    'Qwen/Qwen2.5-0.5B-Instruct',
    {
      model_type: 'qwen2',
      architectures: ['Qwen2ForCausalLM'],
      hidden_size: 896,
      num_hidden_layers: 24,
      num_attention_heads: 14,
      num_key_value_heads: 2,
      vocab_size: 151936,
      tie_word_embeddings: true,
      sliding_window: 32768,
      use_sliding_window: false,
    },
    'decoder-only',
    'qwen2',
  ],
  [
    'google-t5/t5-small',
    {
      model_type: 't5',
      architectures: ['T5ForConditionalGeneration'],
      d_model: 512,
      d_kv: 64,
      num_heads: 8,
      num_layers: 6,
      is_encoder_decoder: true,
      vocab_size: 32128,
      task_specific_params: { summarization: { prefix: 'summarize: ' } },
    },
    'encoder-decoder',
    't5',
  ],
  [
    'facebook/bart-large-cnn',
    {
      model_type: 'bart',
      architectures: ['BartForConditionalGeneration'],
      d_model: 1024,
      encoder_layers: 12,
      decoder_layers: 12,
      is_encoder_decoder: true,
      vocab_size: 50264,
      forced_bos_token_id: 0,
    },
    'encoder-decoder',
    'bart',
  ],
  [
    'openai/whisper-tiny.en',
    {
      model_type: 'whisper',
      architectures: ['WhisperForConditionalGeneration'],
      d_model: 384,
      encoder_layers: 4,
      decoder_layers: 4,
      num_mel_bins: 80,
      is_encoder_decoder: true,
      vocab_size: 51864,
      max_source_positions: 1500,
    },
    'speech',
    'whisper',
  ],
  [
    'facebook/wav2vec2-base-960h',
    {
      model_type: 'wav2vec2',
      architectures: ['Wav2Vec2ForCTC'],
      conv_dim: [512, 512, 512, 512, 512, 512, 512],
      feat_extract_norm: 'group',
      hidden_size: 768,
      vocab_size: 32,
    },
    'speech',
    'wav2vec2',
  ],
  [
    'google/vit-base-patch16-224',
    {
      model_type: 'vit',
      architectures: ['ViTForImageClassification'],
      image_size: 224,
      patch_size: 16,
      num_channels: 3,
      hidden_size: 768,
    },
    'vision',
    'vit',
  ],
  [
    'facebook/detr-resnet-50',
    {
      model_type: 'detr',
      architectures: ['DetrForObjectDetection'],
      backbone: 'resnet50',
      num_queries: 100,
      d_model: 256,
      use_timm_backbone: true,
    },
    'vision',
    'detr',
  ],
  [
    'openai/clip-vit-base-patch32',
    {
      model_type: 'clip',
      architectures: ['CLIPModel'],
      projection_dim: 512,
      text_config: { model_type: 'clip_text_model', hidden_size: 512, vocab_size: 49408 },
      vision_config: { model_type: 'clip_vision_model', hidden_size: 768, image_size: 224, patch_size: 32 },
    },
    'multimodal',
    'clip',
  ],
  [
    'llava-hf/llava-1.5-7b-hf',
    {
      model_type: 'llava',
      architectures: ['LlavaForConditionalGeneration'],
      image_token_index: 32000,
      projector_hidden_act: 'gelu',
      text_config: { model_type: 'llama', architectures: ['LlamaForCausalLM'], vocab_size: 32064 },
      vision_config: { model_type: 'clip_vision_model', image_size: 336, patch_size: 14, hidden_size: 1024 },
    },
    'multimodal',
    'llava',
  ],
  [
    'nlpconnect/vit-gpt2-image-captioning',
    {
      model_type: 'vision-encoder-decoder',
      architectures: ['VisionEncoderDecoderModel'],
      is_encoder_decoder: true,
      encoder: { model_type: 'vit', image_size: 224 },
      decoder: { model_type: 'gpt2', add_cross_attention: true, vocab_size: 50257 },
    },
    'multimodal',
    'vision-encoder-decoder',
  ],
  [
    'microsoft/layoutlm-base-uncased',
    {
      model_type: 'layoutlm',
      architectures: ['LayoutLMForMaskedLM'],
      max_2d_position_embeddings: 1024,
      vocab_size: 30522,
      type_vocab_size: 2,
    },
    'encoder-only',
    'layoutlm',
  ],
  [
    'huggyllama/llama-7b (LLaMA 1)',
    {
      model_type: 'llama',
      architectures: ['LlamaForCausalLM'],
      hidden_size: 4096,
      intermediate_size: 11008,
      num_hidden_layers: 32,
      num_attention_heads: 32,
      max_sequence_length: 2048,
      rms_norm_eps: 1e-6,
      vocab_size: 32000,
    },
    'decoder-only',
    'llama',
  ],
  [
    'microsoft/resnet-50',
    {
      model_type: 'resnet',
      architectures: ['ResNetForImageClassification'],
      depths: [3, 4, 6, 3],
      hidden_sizes: [256, 512, 1024, 2048],
      embedding_size: 64,
      layer_type: 'bottleneck',
      hidden_act: 'relu',
    },
    'vision',
    'resnet',
  ],
  [
    'sub-model config: the vision tower of openai/clip-vit-base-patch32',
    {
      model_type: 'clip_vision_model',
      architectures: ['CLIPVisionModelWithProjection'],
      image_size: 224,
      patch_size: 32,
      hidden_size: 768,
    },
    'vision',
    'clip_vision_model',
  ],
  [
    'sub-model config: the text model of Qwen/Qwen2-VL-2B-Instruct',
    {
      model_type: 'qwen2_vl_text',
      hidden_size: 1536,
      num_hidden_layers: 28,
      num_key_value_heads: 2,
      vocab_size: 151936,
    },
    'decoder-only',
    'qwen2_vl_text',
  ],
  [
    'microsoft/phi-2 (custom code, before native support)',
    {
      model_type: 'phi-msft',
      architectures: ['PhiForCausalLM'],
      auto_map: { AutoConfig: 'configuration_phi.PhiConfig' },
      n_embd: 2560,
      n_layer: 32,
      vocab_size: 51200,
    },
    'decoder-only',
    'phi',
  ],
  [
    'tiiuae/falcon-7b (custom code, before native support)',
    {
      model_type: 'RefinedWebModel',
      architectures: ['RWForCausalLM'],
      hidden_size: 4544,
      n_head: 71,
      n_layer: 32,
      multi_query: true,
      vocab_size: 65024,
    },
    'decoder-only',
    'falcon',
  ],
];

describe('classifyConfig on real checkpoint configs', () => {
  it.each(CONFIGS)('%s -> %s', (id, config, family, modelType) => {
    const c = classifyConfig(config, id);
    expect(c.family).toBe(family);
    expect(c.modelType).toBe(modelType);
    expect(c.ref).toBe(id);
    expect(c.reason.length).toBeGreaterThan(10);
  });

  it('puts the task of the checkpoint head first', () => {
    expect(classifyConfig(CONFIGS[0][1], 'sst2').tasks[0]).toBe('text-classification');
    expect(classifyConfig(CONFIGS[2][1], 'gpt2').tasks[0]).toBe('text-generation');
  });
});

const without = (c: Config, ...keys: string[]) =>
  Object.fromEntries(Object.entries(c).filter(([k]) => !keys.includes(k)));
const find = (id: string) => CONFIGS.find((c) => c[0].startsWith(id))![1];

describe('classifyConfig without model_type', () => {
  it('uses architectures: the class without its head, matched to config and model classes', () => {
    const c = classifyConfig(without(find('Qwen/Qwen2.5'), 'model_type'), 'qwen');
    expect(c).toMatchObject({ modelType: 'qwen2', family: 'decoder-only', confidence: 'medium' });
    expect(c.reason).toContain('Qwen2ForCausalLM');
    expect(classifyConfig(without(find('google-t5'), 'model_type'), 't5').modelType).toBe('t5');
  });

  it('falls back to structure when architectures are gone too', () => {
    const cases: [string, string][] = [
      ['openai/whisper', 'speech'],
      ['google/vit', 'vision'],
      ['openai/clip', 'multimodal'],
      ['llava-hf', 'multimodal'],
      ['google-t5', 'encoder-decoder'],
      ['nlpconnect', 'multimodal'],
      ['TheBloke', 'decoder-only'],
      ['Xenova/all-MiniLM', 'encoder-only'],
      ['facebook/wav2vec2', 'speech'],
      ['facebook/detr', 'vision'],
      ['openai-community/gpt2', 'decoder-only'],
      ['facebook/bart', 'encoder-decoder'],
      ['huggyllama', 'decoder-only'],
      ['microsoft/resnet', 'vision'],
    ];
    for (const [id, family] of cases) {
      const c = classifyConfig(without(find(id), 'model_type', 'architectures'), id);
      expect(c.family, id).toBe(family);
      expect(c.modelType).toBeNull();
      expect(['medium', 'low']).toContain(c.confidence);
    }
  });

  it('uses the head when the class is unknown', () => {
    const c = classifyConfig({ model_type: 'acme_lm', architectures: ['AcmeForCausalLM'], vocab_size: 1000 }, 'acme');
    expect(c).toMatchObject({
      family: 'decoder-only',
      modelType: 'acme_lm',
      confidence: 'low',
      tasks: ['text-generation'],
    });
  });

  it('answers family null with the reason when nothing fits', () => {
    const c = classifyConfig({ model_type: 'mistrall', hidden_size: 8 }, 'cfg.json');
    expect(c.family).toBeNull();
    expect(c.reason).toContain('"mistrall" is not in the catalog');
    expect(c.reason).toContain('nearest known types: mistral');
  });
});
