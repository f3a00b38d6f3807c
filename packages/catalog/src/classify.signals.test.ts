/**
 * Configs people really have (#14): custom-code repos (auto_map), configs without model_type,
 * configs of sub-models, hybrid configs with an ONNX Runtime GenAI `model` block, and type and
 * class names the catalog has never seen. Hand-written from the keys those checkpoints publish;
 * each case says which signal must decide, and each rule has a twin it must not fire on.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { classifyConfig, classStem } from './index.ts';

type Config = Record<string, unknown>;

const chatglm3: Config = {
  model_type: 'chatglm',
  architectures: ['ChatGLMModel'],
  auto_map: {
    AutoConfig: 'configuration_chatglm.ChatGLMConfig',
    AutoModel: 'modeling_chatglm.ChatGLMForConditionalGeneration',
    AutoModelForCausalLM: 'modeling_chatglm.ChatGLMForConditionalGeneration',
    AutoModelForSeq2SeqLM: 'modeling_chatglm.ChatGLMForConditionalGeneration',
  },
  num_layers: 28,
  padded_vocab_size: 65024,
  hidden_size: 4096,
  multi_query_attention: true,
  seq_length: 8192,
};
const miniCpmV: Config = {
  model_type: 'minicpmv',
  architectures: ['MiniCPMV'],
  auto_map: { AutoConfig: 'configuration_minicpm.MiniCPMVConfig', AutoModelForCausalLM: 'modeling_minicpmv.MiniCPMV' },
  hidden_size: 4096,
  num_hidden_layers: 32,
  vocab_size: 128256,
  rope_theta: 500000,
  query_num: 96,
  slice_config: { max_slice_nums: 9, patch_size: 14, model_type: 'minicpmv' },
  vision_config: { model_type: 'idefics2', hidden_size: 1152, image_size: 980, patch_size: 14 },
};
const llavaOriginal: Config = {
  model_type: 'llava_llama',
  architectures: ['LlavaLlamaForCausalLM'],
  hidden_size: 4096,
  num_hidden_layers: 32,
  vocab_size: 32000,
  mm_vision_tower: 'openai/clip-vit-large-patch14-336',
  mm_projector_type: 'mlp2x_gelu',
  mm_hidden_size: 1024,
};
const birefnet: Config = {
  architectures: ['BiRefNet'],
  auto_map: { AutoConfig: 'BiRefNet_config.BiRefNetConfig', AutoModelForImageSegmentation: 'birefnet.BiRefNet' },
  bb_pretrained: false,
};
const phi3vGenai: Config = {
  model: {
    type: 'phi3v',
    vocab_size: 32064,
    decoder: {
      filename: 'phi-3-v-128k-instruct-text.onnx',
      num_hidden_layers: 32,
      inputs: { inputs_embeds: 'inputs_embeds' },
    },
    vision: { filename: 'phi-3-v-128k-instruct-vision.onnx', inputs: { pixel_values: 'pixel_values' } },
  },
  search: { max_length: 131072 },
};
const whisperGenai: Config = {
  model: {
    type: 'whisper',
    encoder: { filename: 'encoder.onnx', inputs: { audio_features: 'audio_features' } },
    decoder: {
      filename: 'decoder.onnx',
      inputs: { input_ids: 'input_ids', encoder_hidden_states: 'encoder_hidden_states' },
    },
  },
};
const clipVision: Config = {
  model_type: 'clip_vision_model',
  architectures: ['CLIPVisionModelWithProjection'],
  hidden_size: 768,
  image_size: 224,
  patch_size: 32,
};
const gemma3Text: Config = {
  architectures: ['Gemma3ForCausalLM'],
  hidden_size: 1152,
  num_hidden_layers: 26,
  vocab_size: 262144,
  sliding_window: 512,
};
const ministralOnVlm: Config = {
  model_type: 'ministral3',
  architectures: ['Mistral3ForConditionalGeneration'],
  text_config: { model_type: 'ministral3', hidden_size: 3072, num_hidden_layers: 26, vocab_size: 131072 },
  vision_config: { model_type: 'pixtral', hidden_size: 1024, image_size: 1540, patch_size: 14 },
};

const musicgen: Config = {
  architectures: ['MusicgenForConditionalGeneration'],
  is_encoder_decoder: true,
  text_encoder: { model_type: 't5', d_model: 768, num_layers: 12, vocab_size: 32128 },
  audio_encoder: { model_type: 'encodec', audio_channels: 1, sampling_rate: 32000, codebook_size: 2048 },
  decoder: { model_type: 'musicgen_decoder', vocab_size: 2048, num_codebooks: 4, hidden_size: 1024 },
};
const trocr: Config = {
  architectures: ['VisionEncoderDecoderModel'],
  is_encoder_decoder: true,
  encoder: { model_type: 'vit', image_size: 384, patch_size: 16, hidden_size: 768 },
  decoder: { model_type: 'trocr', vocab_size: 50265, d_model: 1024, is_decoder: true },
};
const qwen2Audio: Config = {
  architectures: ['Qwen2AudioForConditionalGeneration'],
  audio_token_index: 151646,
  audio_config: { model_type: 'qwen2_audio_encoder', num_mel_bins: 128, d_model: 1280 },
  text_config: { model_type: 'qwen2', vocab_size: 156032, num_hidden_layers: 32 },
};

const CASES: [name: string, config: Config, family: string, decidedBy: string][] = [
  ['chatglm3 (custom code, AutoModelForCausalLM beside Seq2SeqLM)', chatglm3, 'decoder-only', 'auto_map'],
  ['MiniCPM-V (custom code: a vision_config on a language model)', miniCpmV, 'multimodal', 'nested-configs'],
  ['original LLaVA (ForCausalLM, but mm_vision_tower)', llavaOriginal, 'multimodal', 'nested-configs'],
  ['BiRefNet (custom segmentation, no model_type)', birefnet, 'vision', 'auto_map'],
  ['Phi-3-vision GenAI config (a model block only)', phi3vGenai, 'multimodal', 'genai-model'],
  ['Whisper GenAI config', whisperGenai, 'speech', 'genai-model'],
  ['a CLIP vision tower saved on its own', clipVision, 'vision', 'model_type'],
  ['Gemma 3 1B without model_type (its class is gemma3_text, not gemma3)', gemma3Text, 'decoder-only', 'architectures'],
  ['a Mistral 3 VLM whose exporter wrote the text model_type', ministralOnVlm, 'multimodal', 'architectures'],
  [
    'MusicGen without model_type (text and audio towers and a decoder: text to audio)',
    musicgen,
    'speech',
    'architectures',
  ],
  ['TrOCR without model_type (a vision encoder with a text decoder)', trocr, 'multimodal', 'architectures'],
  ['Qwen2-Audio without model_type (an audio tower on a language model)', qwen2Audio, 'multimodal', 'architectures'],
];

const h = (s: string) => createHash('sha1').update(s).digest('hex').slice(0, 6);
/** The same config with every type and class name replaced by one the catalog has never seen (heads kept). */
function renamed(v: unknown, key = ''): unknown {
  if (Array.isArray(v))
    return v.map((x) =>
      key === 'architectures' && typeof x === 'string' ? `Zq${h(x)}${x.slice(classStem(x).length)}` : renamed(x),
    );
  if (!v || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v as Config).map(([k, x]) => {
      if ((k === 'model_type' || (k === 'type' && key === 'model')) && typeof x === 'string') return [k, `zq_${h(x)}`];
      if (k === 'auto_map' && x && typeof x === 'object')
        return [
          k,
          Object.fromEntries(
            Object.entries(x as Config).map(([a, b]) => [
              a,
              `modeling_zq.Zq${h(String(b))}${String(b).slice(String(b).lastIndexOf('.') + 1 + classStem(String(b).slice(String(b).lastIndexOf('.') + 1)).length)}`,
            ]),
          ),
        ];
      return [k, renamed(x, k)];
    }),
  );
}

describe('classifying the configs people have, by every signal', () => {
  it.each(CASES)('%s', (name, config, family, decidedBy) => {
    const c = classifyConfig(config, name);
    expect([c.family, c.decidedBy], c.reason).toEqual([family, decidedBy]);
  });

  it.each(CASES)('%s, with type and class names renamed to unseen ones', (name, config, family) => {
    const c = classifyConfig(renamed(config) as Config, name);
    expect(c.family, c.reason).toBe(family);
    expect(c.modelType === null || c.modelType.startsWith('zq_')).toBe(true);
  });

  it('says a sub-config is one, and of what', () => {
    expect(classifyConfig(clipVision, 'clip-vision').subConfigOf).toEqual({ modelType: 'clip', role: 'vision' });
    expect(classifyConfig(clipVision, 'clip-vision').reason).toContain('a sub-config: the vision tower of clip');
  });
});

describe('each signal has a twin it must not fire on', () => {
  it('a decoder head stays a decoder without a tower, and a tower needs a language model to be multimodal', () => {
    const { mm_vision_tower, mm_projector_type, mm_hidden_size, ...plain } = llavaOriginal;
    expect(classifyConfig(plain, 'vicuna')).toMatchObject({ family: 'decoder-only', decidedBy: 'architectures' });
    const { vocab_size, hidden_size, num_hidden_layers, rope_theta, query_num, auto_map, ...towerOnly } = miniCpmV;
    expect(classifyConfig({ ...towerOnly, architectures: ['AcmeVisionModel'] }, 'tower').family).toBe('vision');
  });

  it('an auto_map of options only, a GenAI block without sessions, and a null tower say nothing', () => {
    expect(classifyConfig({ auto_map: { AutoConfig: 'c.C', AutoTokenizer: 't.T' } }, 'x').family).toBeNull();
    expect(classifyConfig({ model: { foo: 1 } }, 'x').family).toBeNull();
    expect(
      classifyConfig({ img_processor: null, vocab_size: 51200, n_layer: 32, rotary_dim: 32, n_ctx: 2048 }, 'phi-2')
        .family,
    ).toBe('decoder-only');
  });

  it('an exporter-written model_type stands when the config has no tower to back the class', () => {
    const { vision_config, ...textOnly } = ministralOnVlm;
    expect(classifyConfig(textOnly, 'ministral')).toMatchObject({ modelType: 'ministral3', decidedBy: 'model_type' });
  });

  it('spectrogram patches are not images: an audio transformer with patch_size stays speech', () => {
    const ast = { architectures: ['AcmeForAudioClassification'], num_mel_bins: 128, patch_size: 16, max_length: 1024 };
    expect(classifyConfig(ast, 'ast').family).toBe('speech');
    expect(classifyConfig({ num_mel_bins: 128, patch_size: 16, image_token_id: 9, vocab_size: 10 }, 'x').family).toBe(
      'multimodal',
    );
  });
});
