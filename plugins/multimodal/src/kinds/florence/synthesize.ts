import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import {
  byteLevelBpeTokenizer,
  embedsSeq2SeqDecoder,
  GraphBuilder,
  layerNorm,
  paddingBias,
  preNormLayer,
  saveGraph,
  writeJson,
} from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import type { FlorenceFacts } from './checks.ts';
import { OPENAI_CLIP_MEAN, OPENAI_CLIP_STD } from '../../shared/processors.ts';
import { SIZES } from '../../shared/sizes.ts';
import { buildEmbedTokens, buildVisionEncoder, imageTokenCount, lmDims } from '../../shared/towers.ts';

/**
 * Florence-2: an encoder-decoder image-text-to-text model. embed_tokens + vision_encoder make
 * [image features; task prompt embeddings], `onnx/encoder_model.onnx` encodes them
 * (inputs_embeds + attention_mask -> last_hidden_state), and a BART-style merged decoder with
 * decoder/encoder caches generates. The processor maps task tokens (<CAPTION>) to prompts.
 */
export async function synthesizeFlorence(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions,
): Promise<SynthesizedModel<FlorenceFacts>> {
  if (modelType !== 'florence2') throw new Error(`multimodal plugin: no Florence-2 spec for "${modelType}"`);
  const s = SIZES[opts.size];
  const tok = byteLevelBpeTokenizer({
    tokenizerClass: 'BartTokenizer',
    specials: ['<s>', '<pad>', '</s>', '<unk>'],
    roles: {
      bos_token: '<s>',
      pad_token: '<pad>',
      eos_token: '</s>',
      unk_token: '<unk>',
      cls_token: '<s>',
      sep_token: '</s>',
    },
    postProcessor: 'roberta',
    addPrefixSpace: false,
  });
  const d = { ...lmDims(s, tok.vocabSize), kvHeads: s.decoder.heads };
  const onnx = (f: string) => join(dir, 'onnx', f);
  const enc = new GraphBuilder({ seed: opts.seed, name: 'encoder_model' });
  const embeds = enc.input('inputs_embeds', 'float32', ['batch_size', 'encoder_sequence_length', d.hidden]);
  const mask = enc.input('attention_mask', 'int64', ['batch_size', 'encoder_sequence_length']);
  let x = embeds;
  const bias = paddingBias(enc, mask, 'encoder.mask_bias');
  for (let l = 0; l < d.layers; l++) x = preNormLayer(enc, x, d, `encoder.layers.${l}`, bias);
  enc.output(layerNorm(enc, x, d.hidden, 'encoder.layer_norm', 1e-5), 'last_hidden_state', 'float32', [
    'batch_size',
    'encoder_sequence_length',
    d.hidden,
  ]);
  const dec = new GraphBuilder({ seed: opts.seed, name: 'decoder_model_merged' });
  embedsSeq2SeqDecoder(dec, d);
  const files = [
    ...(await saveGraph(buildEmbedTokens(d, opts.seed), onnx('embed_tokens.onnx'))),
    ...(await saveGraph(
      buildVisionEncoder(s, d.hidden, { classToken: false }, opts.seed),
      onnx('vision_encoder.onnx'),
    )),
    ...(await saveGraph(enc, onnx('encoder_model.onnx'))),
    ...(await saveGraph(dec, onnx('decoder_model_merged.onnx'))),
  ];
  const ids = {
    bos_token_id: tok.special.bos_token!.id,
    pad_token_id: tok.special.pad_token!.id,
    eos_token_id: tok.special.eos_token!.id,
    decoder_start_token_id: tok.special.eos_token!.id,
  };
  const config = {
    model_type: modelType,
    architectures: ['Florence2ForConditionalGeneration'],
    is_encoder_decoder: true,
    projection_dim: d.hidden,
    ...ids,
    text_config: {
      model_type: 'florence2_language',
      vocab_size: d.vocab,
      d_model: d.hidden,
      encoder_layers: d.layers,
      decoder_layers: d.layers,
      encoder_attention_heads: d.heads,
      decoder_attention_heads: d.heads,
      encoder_ffn_dim: d.inner,
      decoder_ffn_dim: d.inner,
      max_position_embeddings: d.maxPos,
      is_encoder_decoder: true,
      ...ids,
    },
    vision_config: {
      model_type: 'davit',
      image_size: s.imageSize,
      patch_size: [s.patchSize],
      dim_embed: [s.vision.hidden],
      num_heads: [s.vision.heads],
      depths: [s.vision.layers],
      projection_dim: d.hidden,
    },
    transformers_version: '4.57.0',
    hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
  };
  files.push(await writeJson(join(dir, 'config.json'), config));
  files.push(await writeJson(join(dir, 'generation_config.json'), { ...ids, transformers_version: '4.57.0' }));
  files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
  files.push(await writeJson(join(dir, 'tokenizer_config.json'), tok.tokenizerConfig));
  files.push(
    await writeJson(join(dir, 'preprocessor_config.json'), {
      image_processor_type: 'CLIPImageProcessor',
      processor_class: 'Florence2Processor',
      do_resize: true,
      size: { height: s.imageSize, width: s.imageSize },
      resample: 3,
      do_center_crop: false,
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      image_mean: OPENAI_CLIP_MEAN,
      image_std: OPENAI_CLIP_STD,
      image_seq_length: imageTokenCount(s),
      tasks_answer_post_processing_type: { '<CAPTION>': 'pure_text', '<OCR>': 'pure_text' },
      task_prompts_without_inputs: {
        '<CAPTION>': 'What does the image describe?',
        '<OCR>': 'What is the text in the image?',
      },
      task_prompts_with_input: { '<CAPTION_TO_PHRASE_GROUNDING>': 'Locate the phrases in the caption: {input}' },
    }),
  );
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random Florence-2 synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  const facts: FlorenceFacts = {
    kind: 'florence',
    imageSize: s.imageSize,
    channels: 3,
    vocabSize: d.vocab,
    hidden: d.hidden,
    layers: d.layers,
    heads: d.heads,
    headDim: d.headDim,
    imageTokens: imageTokenCount(s),
    startId: ids.decoder_start_token_id,
  };
  return { dir, files: files.map((f) => f.slice(dir.length + 1)), synthesized: true, facts };
}
