import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import {
  cachedDecoder,
  embedding,
  gelu,
  GraphBuilder,
  imageTower,
  linear,
  patchCount,
  saveGraph,
  sliceTokens,
  spatialMerge,
  writeJson,
} from '@hf-core/onnx-builder';
import type { PreparedModel, SynthesizeOptions } from '@hf-core/core';
import type { VlmFacts } from './checks-vlm.ts';
import { processorFiles, sid, VLM_SPECS, type LmDims } from './vlm-specs.ts';
import { SIZES, type Size } from './sizes.ts';

/**
 * LLaVA-style image-text-to-text: `onnx/embed_tokens.onnx` (input_ids -> inputs_embeds),
 * `onnx/vision_encoder.onnx` (pixel_values -> image_features, projected to the text width) and
 * `onnx/decoder_model_merged.onnx` (inputs_embeds + KV cache -> logits), the three sessions
 * transformers.js's ImageTextToText models load; image tokens in the prompt are replaced by
 * the image features.
 */
export function lmDims(s: Size, vocab: number): LmDims {
  const dec = s.decoder;
  return {
    vocab,
    hidden: dec.hidden,
    layers: dec.layers,
    heads: dec.heads,
    kvHeads: dec.kvHeads,
    headDim: dec.hidden / dec.heads,
    inner: dec.inner,
    maxPos: dec.maxPos,
  };
}

/** input_ids -> inputs_embeds. */
export function buildEmbedTokens(d: LmDims, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'embed_tokens' });
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  g.output(embedding(g, ids, d.vocab, d.hidden, 'embed_tokens'), 'inputs_embeds', 'float32', [
    'batch_size',
    'sequence_length',
    d.hidden,
  ]);
  return g;
}

/**
 * pixel_values -> image_features [b, tokens, text hidden]: ViT tower (class token dropped), an
 * optional Pixtral-style merge x merge patch merger, and a 2-layer GELU projector.
 */
export function buildVisionEncoder(
  s: Size,
  textHidden: number,
  opts: { classToken: boolean; merge?: number; tiles?: boolean },
  seed: number,
): GraphBuilder {
  if (opts.tiles) return buildTiledVisionEncoder(s, textHidden, opts.merge ?? 2, seed);
  const g = new GraphBuilder({ seed, name: 'vision_encoder' });
  const pixels = g.input('pixel_values', 'float32', ['batch_size', 3, s.imageSize, s.imageSize]);
  const dims = { ...s.vision, channels: 3, imageSize: s.imageSize, patchSize: s.patchSize };
  const n = patchCount(dims);
  let x = imageTower(g, pixels, dims, 'vision_tower', { classToken: opts.classToken });
  if (opts.classToken) x = sliceTokens(g, x, 1, n + 1, 'vision_tower/drop_cls');
  let width = s.vision.hidden;
  if (opts.merge && opts.merge > 1) {
    x = spatialMerge(g, x, s.imageSize / s.patchSize, opts.merge, width, 'patch_merger');
    width *= opts.merge * opts.merge;
  }
  const h = gelu(g, linear(g, x, width, textHidden, 'projector.linear_1'), 'projector.act');
  g.output(linear(g, h, textHidden, textHidden, 'projector.linear_2', { std: 0.5 }), 'image_features', 'float32', [
    'batch_size',
    imageTokenCount(s, opts.merge),
    textHidden,
  ]);
  return g;
}

/**
 * Idefics3 / SmolVLM: pixel_values [b, tiles, 3, S, S] + pixel_attention_mask [b, tiles, S, S];
 * each tile through the tower, a pixel-shuffle connector (merge x merge patches -> one token) and
 * a projection; tiles the mask marks empty contribute zeros. image_features [b, tiles * tokens, hidden].
 */
export function buildTiledVisionEncoder(s: Size, textHidden: number, merge: number, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'vision_encoder' });
  const pixels = g.input('pixel_values', 'float32', ['batch_size', 'num_tiles', 3, s.imageSize, s.imageSize]);
  const mask = g.input('pixel_attention_mask', 'bool', ['batch_size', 'num_tiles', s.imageSize, s.imageSize]);
  const dims = { ...s.vision, channels: 3, imageSize: s.imageSize, patchSize: s.patchSize };
  const flat = g.op(
    'Reshape',
    [pixels, g.constInt64([-1, 3, s.imageSize, s.imageSize], 'tiles.flat')],
    {},
    { name: 'tiles/flat' },
  );
  const x = spatialMerge(
    g,
    imageTower(g, flat, dims, 'vision_model', { classToken: false }),
    s.imageSize / s.patchSize,
    merge,
    s.vision.hidden,
    'connector.shuffle',
  );
  const valid = g.op(
    'ReduceMax',
    [g.op('Cast', [mask], { to: 1 }, { name: 'tiles/mask_f' })],
    { axes: [2, 3], keepdims: 0 },
    { name: 'tiles/valid' },
  );
  const kept = g.op(
    'Mul',
    [x, g.op('Reshape', [valid, g.constInt64([-1, 1, 1], 'tiles.valid_shape')], {}, { name: 'tiles/valid3' })],
    {},
    { name: 'tiles/kept' },
  );
  const proj = linear(g, kept, merge * merge * s.vision.hidden, textHidden, 'connector.modality_projection', {
    bias: false,
    std: 0.5,
  });
  const batch = g.op(
    'Slice',
    [
      g.op('Shape', [pixels], {}, { name: 'tiles/shape' }),
      g.constInt64([0], 'tiles.s0'),
      g.constInt64([1], 'tiles.s1'),
    ],
    {},
    { name: 'tiles/batch' },
  );
  const shape = g.op(
    'Concat',
    [batch, g.constInt64([-1, textHidden], 'tiles.tail')],
    { axis: 0 },
    { name: 'tiles/out_shape' },
  );
  g.output(g.op('Reshape', [proj, shape], {}, { name: 'tiles/features' }), 'image_features', 'float32', [
    'batch_size',
    'num_image_tokens',
    textHidden,
  ]);
  return g;
}

/** Image features (= image tokens in the prompt) per image. */
export const imageTokenCount = (s: Size, merge = 1) => (s.imageSize / s.patchSize / merge) ** 2;

export async function synthesizeVlm(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions & { dropPast?: boolean },
): Promise<PreparedModel> {
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
  return { dir, files: files.map((f) => f.slice(dir.length + 1)), synthesized: true, facts: { ...facts } };
}
