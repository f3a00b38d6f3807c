import { byteLevelBpeTokenizer, type TokenizerFiles, llamaTextKeys } from '@hf-core/onnx-builder';
import { clipImageProcessor, squareImageProcessor } from '../../shared/processors.ts';
import type { Size } from '../../shared/sizes.ts';
import { sid, type LmDims } from '../../shared/towers.ts';

/**
 * The image-text-to-text types transformers.js runs through LlavaForConditionalGeneration (or a
 * subclass): each with its processor, vision tower shape, tokenizer and config.json keys.
 */
export interface VlmSpec {
  architecture: string;
  /** Which transformers.js processor expands the image token in the prompt. */
  processor: 'llava' | 'paligemma' | 'pixtral' | 'gemma3' | 'idefics3';
  imageProcessorType: string;
  classToken: boolean;
  /** Pixtral-style spatial merge of merge x merge patches into one feature. */
  merge?: number;
  /** Idefics3-style tiling: the processor cuts the image into tiles (+ a global one), each its own vision pass. */
  tiles?: boolean;
  tokenizer: () => TokenizerFiles;
  /** config.json beyond model_type/architectures, in the type's own keys. */
  config: (s: Size, d: LmDims, tok: TokenizerFiles) => Record<string, unknown>;
  prompt: string;
  /** Position ids start at 1 (PaliGemma, Gemma 3) instead of 0. */
  positionStart?: number;
}

function bpe(
  tokenizerClass: string,
  specials: string[],
  roles: Record<string, string>,
  single: string[],
): TokenizerFiles {
  return byteLevelBpeTokenizer({ tokenizerClass, specials, roles, postProcessor: { single, pair: [...single, '$B'] } });
}

const LLAMA_ROLES = {
  unk_token: '<unk>',
  bos_token: '<s>',
  eos_token: '</s>',
  pad_token: '<pad>',
  image_token: '<image>',
};
const llamaTokenizer = () =>
  bpe('LlamaTokenizer', ['<unk>', '<s>', '</s>', '<image>', '<pad>'], LLAMA_ROLES, ['<s>', '$A']);
const qwenTokenizer = () =>
  bpe(
    'Qwen2Tokenizer',
    ['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<image>'],
    {
      eos_token: '<|im_end|>',
      pad_token: '<|endoftext|>',
      bos_token: '<|im_start|>',
      unk_token: '<|endoftext|>',
      image_token: '<image>',
    },
    ['$A'],
  );
const pixtralTokenizer = () =>
  bpe(
    'LlamaTokenizerFast',
    ['<unk>', '<s>', '</s>', '[IMG]', '[IMG_BREAK]', '[IMG_END]', '<pad>'],
    { unk_token: '<unk>', bos_token: '<s>', eos_token: '</s>', pad_token: '<pad>', image_token: '[IMG]' },
    ['<s>', '$A'],
  );

const textKeys = (d: LmDims, tok: TokenizerFiles, modelType: string) => ({
  model_type: modelType,
  ...llamaTextKeys(d),
  bos_token_id: sid(tok, 'bos_token'),
  eos_token_id: sid(tok, 'eos_token'),
  pad_token_id: sid(tok, 'pad_token'),
});

const visionKeys = (s: Size, modelType: string) => ({
  model_type: modelType,
  hidden_size: s.vision.hidden,
  intermediate_size: s.vision.inner,
  num_hidden_layers: s.vision.layers,
  num_attention_heads: s.vision.heads,
  num_channels: 3,
  image_size: s.imageSize,
  patch_size: s.patchSize,
  hidden_act: 'gelu',
  layer_norm_eps: 1e-5,
});

const llavaKeys = (
  s: Size,
  d: LmDims,
  tok: TokenizerFiles,
  textType: string,
  visionType: string,
  strategy = 'default',
) => ({
  image_token_index: sid(tok, 'image_token'),
  projector_hidden_act: 'gelu',
  vision_feature_layer: -1,
  vision_feature_select_strategy: strategy,
  text_config: textKeys(d, tok, textType),
  vision_config: visionKeys(s, visionType),
});

const pixtralKeys = (s: Size, d: LmDims, tok: TokenizerFiles, textType: string) => ({
  image_token_index: sid(tok, 'image_token'),
  spatial_merge_size: 2,
  projector_hidden_act: 'gelu',
  multimodal_projector_bias: true,
  vision_feature_layer: -1,
  text_config: textKeys(d, tok, textType),
  vision_config: { ...visionKeys(s, 'pixtral'), head_dim: s.vision.hidden / s.vision.heads, rope_theta: 10000 },
});

const idefics3Tokenizer = () =>
  bpe(
    'GPT2Tokenizer',
    [
      '<|endoftext|>',
      '<|im_start|>',
      '<|begin_of_text|>',
      '<end_of_utterance>',
      '<fake_token_around_image>',
      '<global-img>',
      '<image>',
    ],
    {
      bos_token: '<|im_start|>',
      eos_token: '<end_of_utterance>',
      pad_token: '<|endoftext|>',
      unk_token: '<|endoftext|>',
      image_token: '<image>',
    },
    ['$A'],
  );

const LLAVA_PROMPT = 'USER: <image>\nwhat is this? ASSISTANT:';

export const VLM_SPECS: Record<string, VlmSpec> = {
  llava: {
    architecture: 'LlavaForConditionalGeneration',
    processor: 'llava',
    imageProcessorType: 'CLIPImageProcessor',
    classToken: true,
    tokenizer: llamaTokenizer,
    config: (s, d, t) => llavaKeys(s, d, t, 'llama', 'clip_vision_model'),
    prompt: LLAVA_PROMPT,
  },
  // transformers.js has no LlavaOnevisionProcessor: its AutoProcessor falls back to LlavaProcessor (processor_class) around the onevision image processor.
  llava_onevision: {
    architecture: 'LlavaOnevisionForConditionalGeneration',
    processor: 'llava',
    imageProcessorType: 'LlavaOnevisionImageProcessor',
    classToken: false,
    tokenizer: qwenTokenizer,
    config: (s, d, t) => ({
      ...llavaKeys(s, d, t, 'qwen2', 'siglip_vision_model', 'full'),
      image_grid_pinpoints: [[s.imageSize, s.imageSize]],
      vision_aspect_ratio: 'anyres_max_9',
    }),
    prompt: '<|im_start|>user <image>\nwhat is this?<|im_end|><|im_start|>assistant',
  },
  moondream1: {
    architecture: 'Moondream1ForConditionalGeneration',
    processor: 'llava',
    imageProcessorType: 'SiglipImageProcessor',
    classToken: false,
    tokenizer: () =>
      bpe(
        'CodeGenTokenizer',
        ['<|endoftext|>', '<image>'],
        {
          bos_token: '<|endoftext|>',
          eos_token: '<|endoftext|>',
          unk_token: '<|endoftext|>',
          pad_token: '<|endoftext|>',
          image_token: '<image>',
        },
        ['$A'],
      ),
    config: (s, d, t) => ({
      image_token_index: sid(t, 'image_token'),
      phi_config: { ...textKeys(d, t, 'phi'), hidden_act: 'gelu_new', partial_rotary_factor: 1.0 },
      vision_config: visionKeys(s, 'siglip_vision_model'),
    }),
    prompt: '<image>\n\nQuestion: what is this?\n\nAnswer:',
  },
  llava_qwen2: {
    architecture: 'LlavaQwen2ForCausalLM',
    processor: 'llava',
    imageProcessorType: 'SiglipImageProcessor',
    classToken: false,
    tokenizer: qwenTokenizer,
    config: (s, d, t) => ({
      ...textKeys(d, t, 'llava_qwen2'),
      image_token_index: sid(t, 'image_token'),
      mm_projector_type: 'mlp2x_gelu',
      mm_hidden_size: s.vision.hidden,
      mm_vision_tower: 'google/siglip-so400m-patch14-384',
      vision_config: visionKeys(s, 'siglip_vision_model'),
    }),
    prompt: '<|im_start|>user\n<image>\nwhat is this?<|im_end|>\n<|im_start|>assistant\n',
  },
  paligemma: {
    architecture: 'PaliGemmaForConditionalGeneration',
    processor: 'paligemma',
    imageProcessorType: 'SiglipImageProcessor',
    classToken: false,
    positionStart: 1,
    prompt: '<image>caption en',
    tokenizer: () =>
      bpe(
        'GemmaTokenizer',
        ['<pad>', '<eos>', '<bos>', '<unk>', '<image>'],
        { pad_token: '<pad>', eos_token: '<eos>', bos_token: '<bos>', unk_token: '<unk>', image_token: '<image>' },
        ['$A'],
      ),
    config: (s, d, t) => ({
      image_token_index: sid(t, 'image_token'),
      hidden_size: d.hidden,
      projection_dim: d.hidden,
      text_config: {
        ...textKeys(d, t, 'gemma'),
        hidden_activation: 'gelu_pytorch_tanh',
        num_image_tokens: (s.imageSize / s.patchSize) ** 2,
      },
      vision_config: { ...visionKeys(s, 'siglip_vision_model'), projection_dim: d.hidden },
    }),
  },
  mistral3: {
    architecture: 'Mistral3ForConditionalGeneration',
    processor: 'pixtral',
    imageProcessorType: 'PixtralImageProcessor',
    classToken: false,
    merge: 2,
    tokenizer: pixtralTokenizer,
    config: (s, d, t) => pixtralKeys(s, d, t, 'mistral'),
    prompt: '[INST][IMG]what is this?[/INST]',
  },
  gemma3: {
    architecture: 'Gemma3ForConditionalGeneration',
    processor: 'gemma3',
    imageProcessorType: 'Gemma3ImageProcessor',
    classToken: false,
    positionStart: 1,
    prompt: '<bos><start_of_turn>user\n<start_of_image>what is this?<end_of_turn>\n<start_of_turn>model\n',
    tokenizer: () =>
      bpe(
        'GemmaTokenizer',
        [
          '<pad>',
          '<eos>',
          '<bos>',
          '<unk>',
          '<start_of_turn>',
          '<end_of_turn>',
          '<start_of_image>',
          '<end_of_image>',
          '<image_soft_token>',
        ],
        {
          pad_token: '<pad>',
          eos_token: '<eos>',
          bos_token: '<bos>',
          unk_token: '<unk>',
          boi_token: '<start_of_image>',
          eoi_token: '<end_of_image>',
          image_token: '<image_soft_token>',
        },
        ['$A'],
      ),
    config: (s, d, t) => ({
      image_token_index: sid(t, 'image_token'),
      boi_token_index: sid(t, 'boi_token'),
      eoi_token_index: sid(t, 'eoi_token'),
      mm_tokens_per_image: (s.imageSize / s.patchSize) ** 2,
      text_config: {
        ...textKeys(d, t, 'gemma3_text'),
        hidden_activation: 'gelu_pytorch_tanh',
        query_pre_attn_scalar: d.headDim,
        sliding_window: 512,
        rope_local_base_freq: 10000,
      },
      vision_config: visionKeys(s, 'siglip_vision_model'),
    }),
  },
  idefics3: {
    architecture: 'Idefics3ForConditionalGeneration',
    processor: 'idefics3',
    imageProcessorType: 'Idefics3ImageProcessor',
    classToken: false,
    merge: 2,
    tiles: true,
    tokenizer: () => idefics3Tokenizer(),
    config: (s, d, t) => ({
      image_token_id: sid(t, 'image_token'),
      scale_factor: 2,
      text_config: textKeys(d, t, 'llama'),
      vision_config: visionKeys(s, 'idefics3_vision'),
    }),
    prompt: '<|begin_of_text|>User:<image>what is this?<end_of_utterance>\nAssistant:',
  },
  smolvlm: {
    architecture: 'SmolVLMForConditionalGeneration',
    processor: 'idefics3',
    imageProcessorType: 'SmolVLMImageProcessor',
    classToken: false,
    merge: 2,
    tiles: true,
    tokenizer: () => idefics3Tokenizer(),
    config: (s, d, t) => ({
      image_token_id: sid(t, 'image_token'),
      scale_factor: 2,
      text_config: textKeys(d, t, 'llama'),
      vision_config: visionKeys(s, 'smolvlm_vision'),
    }),
    prompt: '<|im_start|>User:<image>what is this?<end_of_utterance>\nAssistant:',
  },
  lighton_ocr: {
    architecture: 'LightOnOcrForConditionalGeneration',
    processor: 'pixtral',
    imageProcessorType: 'PixtralImageProcessor',
    classToken: false,
    merge: 2,
    tokenizer: pixtralTokenizer,
    config: (s, d, t) => ({ ...pixtralKeys(s, d, t, 'qwen3'), image_token_id: sid(t, 'image_token') }),
    prompt: '<s>[IMG]',
  },
};

/** preprocessor_config.json and, where the processor reads one, processor_config.json. */
const GEMMA_CHAT_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}<start_of_turn>{{ 'model' if message['role'] == 'assistant' else message['role'] }}\n{{ message['content'] }}<end_of_turn>\n{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}";

export function processorFiles(
  spec: VlmSpec,
  s: Size,
  imageTokens: number,
): { preprocessor: Record<string, unknown>; processor?: Record<string, unknown>; chatTemplate?: string } {
  if (spec.processor === 'idefics3') {
    const processorClass = spec.imageProcessorType.startsWith('SmolVLM') ? 'SmolVLMProcessor' : 'Idefics3Processor';
    return {
      preprocessor: {
        ...squareImageProcessor(spec.imageProcessorType, s.imageSize, { processor_class: processorClass }),
        size: { longest_edge: 2 * s.imageSize },
        max_image_size: { longest_edge: s.imageSize },
        do_image_splitting: true,
        do_pad: false,
      },
      processor: { processor_class: processorClass, image_seq_len: imageTokens },
    };
  }
  if (spec.processor === 'gemma3') {
    return {
      preprocessor: squareImageProcessor(spec.imageProcessorType, s.imageSize, {
        processor_class: 'Gemma3Processor',
        resample: 2,
      }),
      processor: { processor_class: 'Gemma3Processor', image_seq_length: imageTokens },
      chatTemplate: GEMMA_CHAT_TEMPLATE,
    };
  }
  if (spec.processor === 'paligemma')
    return {
      preprocessor: squareImageProcessor(spec.imageProcessorType, s.imageSize, {
        processor_class: 'PaliGemmaProcessor',
        image_seq_length: imageTokens,
      }),
    };
  if (spec.processor === 'pixtral') {
    const merge = spec.merge ?? 2;
    return {
      preprocessor: {
        ...squareImageProcessor(spec.imageProcessorType, s.imageSize, { processor_class: 'PixtralProcessor' }),
        size: { longest_edge: s.imageSize },
        patch_size: s.patchSize,
        spatial_merge_size: merge,
      },
      processor: {
        processor_class: 'PixtralProcessor',
        image_token: '[IMG]',
        image_break_token: '[IMG_BREAK]',
        image_end_token: '[IMG_END]',
        patch_size: s.patchSize,
        spatial_merge_size: merge,
      },
    };
  }
  const pre =
    spec.imageProcessorType === 'CLIPImageProcessor'
      ? clipImageProcessor(spec.imageProcessorType, s.imageSize)
      : squareImageProcessor(spec.imageProcessorType, s.imageSize);
  return {
    preprocessor: { ...pre, processor_class: 'LlavaProcessor' },
    processor: {
      processor_class: 'LlavaProcessor',
      image_token: '<image>',
      patch_size: s.patchSize,
      num_additional_image_tokens: 0,
      vision_feature_select_strategy: 'default',
    },
  };
}
