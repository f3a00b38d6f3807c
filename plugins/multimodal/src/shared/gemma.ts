import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  byteLevelBpeTokenizer,
  cachedDecoder,
  embedding,
  GraphBuilder,
  llamaSizeKeys,
  writeJson,
  type TokenizerFiles,
} from '@hf-core/onnx-builder';
import type { GemmaFacts } from './gemma-checks.ts';
import { sid, type LmDims } from './towers.ts';

/**
 * What Gemma 3n and Gemma 4 models share on disk: the Gemma tokenizer with image and audio soft
 * tokens, `onnx/embed_tokens.onnx` (input_ids -> inputs_embeds + per_layer_inputs [b, s, layers,
 * per-layer width]), `onnx/decoder_model_merged.onnx` (inputs_embeds + per_layer_inputs + KV cache ->
 * logits; each layer adds a gated projection of its per-layer input), the text_config keys, the
 * tokenizer and generation files and the chat template. Each kind adds its own encoders and processors.
 */

/** per_layer_inputs width (text_config.hidden_size_per_layer_input). */
export const GEMMA_PER_LAYER = 8;

export function gemmaTokenizer(): TokenizerFiles {
  const specials = [
    '<pad>',
    '<eos>',
    '<bos>',
    '<unk>',
    '<start_of_turn>',
    '<end_of_turn>',
    '<start_of_image>',
    '<end_of_image>',
    '<image_soft_token>',
    '<start_of_audio>',
    '<end_of_audio>',
    '<audio_soft_token>',
  ];
  const roles = {
    pad_token: '<pad>',
    eos_token: '<eos>',
    bos_token: '<bos>',
    unk_token: '<unk>',
    boi_token: '<start_of_image>',
    eoi_token: '<end_of_image>',
    image_token: '<image_soft_token>',
    boa_token: '<start_of_audio>',
    eoa_token: '<end_of_audio>',
    audio_token: '<audio_soft_token>',
  };
  return byteLevelBpeTokenizer({
    tokenizerClass: 'GemmaTokenizer',
    specials,
    roles,
    postProcessor: { single: ['$A'], pair: ['$A', '$B'] },
  });
}

/** input_ids -> inputs_embeds and per_layer_inputs (a second table, one slice per decoder layer). */
export function buildGemmaEmbeds(d: LmDims, perLayer: number, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'embed_tokens' });
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  g.output(embedding(g, ids, d.vocab, d.hidden, 'embed_tokens'), 'inputs_embeds', 'float32', [
    'batch_size',
    'sequence_length',
    d.hidden,
  ]);
  const pl = embedding(g, ids, d.vocab, d.layers * perLayer, 'embed_tokens_per_layer');
  const shape = g.op(
    'Concat',
    [g.op('Shape', [ids], {}, { name: 'per_layer/ids_shape' }), g.constInt64([d.layers, perLayer], 'per_layer.tail')],
    { axis: 0 },
    { name: 'per_layer/shape' },
  );
  g.output(g.op('Reshape', [pl, shape], {}, { name: 'per_layer/inputs' }), 'per_layer_inputs', 'float32', [
    'batch_size',
    'sequence_length',
    d.layers,
    perLayer,
  ]);
  return g;
}

/**
 * The merged decoder over inputs_embeds and per_layer_inputs. Broken variants for the checks' twins:
 * `dropPast` (present holds the new keys only), `ignorePerLayer` (takes per_layer_inputs and never reads them).
 */
export function buildGemmaDecoder(
  d: LmDims,
  seed: number,
  opts: { dropPast?: boolean; ignorePerLayer?: boolean; kvSharedLayers?: number } = {},
): GraphBuilder {
  const dec = new GraphBuilder({ seed, name: 'decoder_model_merged' });
  cachedDecoder(dec, d, {
    input: 'inputs_embeds',
    dropPast: opts.dropPast,
    perLayerInput: opts.ignorePerLayer ? undefined : GEMMA_PER_LAYER,
    kvSharedLayers: opts.kvSharedLayers,
  });
  if (opts.ignorePerLayer)
    dec.input('per_layer_inputs', 'float32', ['batch_size', 'sequence_length', d.layers, GEMMA_PER_LAYER]);
  return dec;
}

/** config.json's special-token ids: image and audio soft tokens and their start/end markers. */
export const gemmaTokenIdKeys = (tok: TokenizerFiles) => ({
  image_token_id: sid(tok, 'image_token'),
  audio_token_id: sid(tok, 'audio_token'),
  boi_token_id: sid(tok, 'boi_token'),
  eoi_token_id: sid(tok, 'eoi_token'),
  boa_token_id: sid(tok, 'boa_token'),
  eoa_token_id: sid(tok, 'eoa_token'),
});

/** text_config in Gemma's names; `own` holds the keys only this kind's text model has. */
export function gemmaTextConfig(modelType: string, d: LmDims, tok: TokenizerFiles, own: Record<string, unknown>) {
  return {
    model_type: modelType,
    ...llamaSizeKeys(d),
    vocab_size_per_layer_input: d.vocab,
    hidden_size_per_layer_input: GEMMA_PER_LAYER,
    hidden_activation: 'gelu_pytorch_tanh',
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    sliding_window: 512,
    layer_types: Array.from({ length: d.layers }, () => 'full_attention'),
    ...own,
    bos_token_id: sid(tok, 'bos_token'),
    eos_token_id: sid(tok, 'eos_token'),
    pad_token_id: sid(tok, 'pad_token'),
  };
}

/** Writes config.json, generation_config.json, tokenizer.json and tokenizer_config.json (with `tokenizerExtra`). */
export async function writeGemmaTextFiles(
  dir: string,
  tok: TokenizerFiles,
  config: Record<string, unknown>,
  tokenizerExtra: Record<string, unknown> = {},
): Promise<string[]> {
  return [
    await writeJson(join(dir, 'config.json'), config),
    await writeJson(join(dir, 'generation_config.json'), {
      bos_token_id: sid(tok, 'bos_token'),
      eos_token_id: sid(tok, 'eos_token'),
      pad_token_id: sid(tok, 'pad_token'),
      transformers_version: '4.57.0',
    }),
    await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson),
    await writeJson(join(dir, 'tokenizer_config.json'), {
      ...tok.tokenizerConfig,
      padding_side: 'left',
      ...tokenizerExtra,
      boi_token: '<start_of_image>',
      image_token: '<image_soft_token>',
      eoi_token: '<end_of_image>',
      boa_token: '<start_of_audio>',
      audio_token: '<audio_soft_token>',
      eoa_token: '<end_of_audio>',
    }),
  ];
}

const CHAT_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}<start_of_turn>{{ 'model' if message['role'] == 'assistant' else message['role'] }}\n{{ message['content'] }}<end_of_turn>\n{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}";

/** Writes chat_template.jinja (returned) and a README saying what the folder is. */
export async function writeGemmaChatTemplate(dir: string, modelType: string, seed: number): Promise<string> {
  const file = join(dir, 'chat_template.jinja');
  await writeFile(file, CHAT_TEMPLATE);
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random ${modelType} image-audio-text-to-text model synthesized by hf-core (seed ${seed}). Not a trained model.\n`,
  );
  return file;
}

/** The facts both Gemma kinds share, from the language model's dims and the tokenizer. */
export function gemmaFacts(d: LmDims, tok: TokenizerFiles, media: { imageSize: number; mels: number }): GemmaFacts {
  return {
    imageSize: media.imageSize,
    channels: 3,
    vocabSize: d.vocab,
    hidden: d.hidden,
    layers: d.layers,
    kvHeads: d.kvHeads,
    headDim: d.headDim,
    perLayer: GEMMA_PER_LAYER,
    mels: media.mels,
    imageTokenId: sid(tok, 'image_token')!,
    audioTokenId: sid(tok, 'audio_token')!,
    imagePrompt: '<bos><start_of_turn>user\n<image_soft_token>what is this?<end_of_turn>\n<start_of_turn>model\n',
    audioPrompt: '<bos><start_of_turn>user\n<audio_soft_token>what is said?<end_of_turn>\n<start_of_turn>model\n',
  };
}
