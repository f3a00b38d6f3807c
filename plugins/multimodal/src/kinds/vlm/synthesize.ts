import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { cachedDecoder, GraphBuilder, saveGraph, writeJson } from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import type { VlmFacts } from './checks.ts';
import { processorFiles, VLM_SPECS } from './specs.ts';
import { buildEmbedTokens, buildVisionEncoder, imageTokenCount, lmDims, sid } from '../../shared/towers.ts';
import { SIZES } from '../../shared/sizes.ts';

/**
 * LLaVA-style image-text-to-text: `onnx/embed_tokens.onnx` (input_ids -> inputs_embeds),
 * `onnx/vision_encoder.onnx` (pixel_values -> image_features, projected to the text width) and
 * `onnx/decoder_model_merged.onnx` (inputs_embeds + KV cache -> logits), the three sessions
 * transformers.js's ImageTextToText models load; image tokens in the prompt are replaced by
 * the image features.
 */

export async function synthesizeVlm(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions & { dropPast?: boolean },
): Promise<SynthesizedModel<VlmFacts>> {
  const spec = VLM_SPECS[modelType];
  if (!spec) throw new Error(`multimodal plugin: no image-text-to-text spec for "${modelType}"`);
  const s = SIZES[opts.size];
  const tok = spec.tokenizer();
  const d = lmDims(s, tok.vocabSize);
  const perTile = imageTokenCount(s, spec.merge);
  // The 64x48 test image becomes 2x2 tiles of imageSize plus a global tile.
  const tiles = spec.tiles ? 5 : 1;
  const n = perTile * tiles;
  const config = {
    model_type: modelType,
    architectures: [spec.architecture],
    ...spec.config(s, d, tok),
    transformers_version: '4.57.0',
    hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
  };
  const onnx = (f: string) => join(dir, 'onnx', f);
  const files = [
    ...(await saveGraph(buildEmbedTokens(d, opts.seed), onnx('embed_tokens.onnx'))),
    ...(await saveGraph(
      buildVisionEncoder(s, d.hidden, { classToken: spec.classToken, merge: spec.merge, tiles: spec.tiles }, opts.seed),
      onnx('vision_encoder.onnx'),
    )),
  ];
  const dec = new GraphBuilder({ seed: opts.seed, name: 'decoder_model_merged' });
  cachedDecoder(dec, d, { input: 'inputs_embeds', dropPast: opts.dropPast });
  files.push(...(await saveGraph(dec, onnx('decoder_model_merged.onnx'))));
  const eos = sid(tok, 'eos_token');
  files.push(await writeJson(join(dir, 'config.json'), config));
  files.push(
    await writeJson(join(dir, 'generation_config.json'), {
      bos_token_id: sid(tok, 'bos_token'),
      eos_token_id: eos,
      pad_token_id: sid(tok, 'pad_token'),
      transformers_version: '4.57.0',
    }),
  );
  files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
  files.push(await writeJson(join(dir, 'tokenizer_config.json'), { ...tok.tokenizerConfig, padding_side: 'left' }));
  const proc = processorFiles(spec, s, perTile);
  files.push(await writeJson(join(dir, 'preprocessor_config.json'), proc.preprocessor));
  if (proc.processor) files.push(await writeJson(join(dir, 'processor_config.json'), proc.processor));
  if (proc.chatTemplate) {
    await writeFile(join(dir, 'chat_template.jinja'), proc.chatTemplate);
    files.push(join(dir, 'chat_template.jinja'));
  }
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random ${modelType} image-text-to-text model synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  const facts: VlmFacts = {
    kind: 'vlm',
    imageSize: s.imageSize,
    channels: 3,
    vocabSize: d.vocab,
    hidden: d.hidden,
    layers: d.layers,
    kvHeads: d.kvHeads,
    headDim: d.headDim,
    imageTokens: n,
    imageTokenId: sid(tok, 'image_token')!,
    prompt: spec.prompt,
    positionStart: spec.positionStart ?? 0,
    textFirst: spec.processor === 'gemma3' || spec.processor === 'idefics3',
    ...(spec.tiles ? { tiles } : {}),
  };
  return { dir, files: files.map((f) => f.slice(dir.length + 1)), synthesized: true, facts };
}
