import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import {
  GraphBuilder,
  imageTower,
  linear,
  mlp,
  patchCount,
  saveGraph,
  textTower,
  wordPieceTokenizer,
  writeJson,
} from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import type { GdinoFacts } from './checks.ts';
import { squareImageProcessor } from '../../shared/processors.ts';
import { SIZES, type Size } from '../../shared/sizes.ts';

/**
 * Grounding DINO: `onnx/model.onnx` takes the text prompt (input_ids, attention_mask), pixels and
 * pixel_mask, and gives `logits` [images, queries, 256] (each query against each text token
 * position, padded to max_text_len) and `pred_boxes` [images, queries, 4], which
 * GroundingDinoProcessor.post_process_grounded_object_detection turns into phrases and boxes.
 * Queries here are the image patches; the text is the first prompt row (the pipeline's layout).
 */
export const MAX_TEXT_LEN = 256;

export function buildGdinoGraph(
  s: Size,
  vocab: number,
  seed: number,
  specialIds: number[],
  opts: { rawBoxes?: boolean } = {},
): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'tiny-grounding-dino' });
  const ids = g.input('input_ids', 'int64', ['text_batch_size', 'sequence_length']);
  const mask = g.input('attention_mask', 'int64', ['text_batch_size', 'sequence_length']);
  const pixels = g.input('pixel_values', 'float32', ['batch_size', 3, s.imageSize, s.imageSize]);
  const pixelMask = g.input('pixel_mask', 'int64', ['batch_size', s.imageSize, s.imageSize]);
  const maskF = g.op(
    'Unsqueeze',
    [g.op('Cast', [pixelMask], { to: 1 }, { name: 'pixel_mask/float' }), g.constInt64([1], 'pixel_mask.ax')],
    {},
    { name: 'pixel_mask/4d' },
  );
  const dims = { ...s.vision, channels: 3, imageSize: s.imageSize, patchSize: s.patchSize };
  const queries = linear(
    g,
    imageTower(g, g.op('Mul', [pixels, maskF], {}, { name: 'pixels/masked' }), dims, 'backbone', { classToken: false }),
    s.vision.hidden,
    s.projection,
    'query_proj',
  );
  const text = linear(
    g,
    textTower(g, ids, mask, { ...s.text, vocab, maxPos: s.maxText }, 'text_backbone'),
    s.text.hidden,
    s.projection,
    'text_proj',
  );
  const first = g.op('Gather', [text, g.scalarInt64(0, 'text.row0')], { axis: 0 }, { name: 'text/first_prompt' });
  const sim = g.op(
    'MatMul',
    [queries, g.op('Transpose', [first], { perm: [1, 0] }, { name: 'text/t' })],
    {},
    { name: 'similarity' },
  );
  const row0Mask = g.op(
    'Cast',
    [g.op('Gather', [mask, g.scalarInt64(0, 'mask.row0')], { axis: 0 }, { name: 'mask/first' })],
    { to: 1 },
    { name: 'mask/first_f' },
  );
  // Special tokens ([CLS], [SEP]) never match a query, as in the trained model; padding neither.
  const row0 = g.op('Gather', [ids, g.scalarInt64(0, 'ids.row0')], { axis: 0 }, { name: 'ids/first' });
  const special = specialIds.map((id, i) =>
    g.op(
      'Cast',
      [g.op('Equal', [row0, g.scalarInt64(id, `special.${i}`)], {}, { name: `special/${i}` })],
      { to: 1 },
      { name: `special/${i}f` },
    ),
  );
  const keep = g.op(
    'Mul',
    [
      row0Mask,
      g.op(
        'Sub',
        [g.scalarFloat(1, 'special.one'), g.op('Sum', special, {}, { name: 'special/any' })],
        {},
        { name: 'special/not' },
      ),
    ],
    {},
    { name: 'keep' },
  );
  const masked = g.op(
    'Add',
    [
      g.op('Mul', [sim, g.scalarFloat(3, 'logit_scale')], {}, { name: 'scaled' }),
      g.op(
        'Mul',
        [g.op('Sub', [g.scalarFloat(1, 'mask.one'), keep], {}, { name: 'mask/inv' }), g.scalarFloat(-1e4, 'mask.neg')],
        {},
        { name: 'mask/bias' },
      ),
    ],
    {},
    { name: 'masked' },
  );
  // Pad the token axis to max_text_len with a very negative logit (no text there).
  const s1 = g.op(
    'Gather',
    [g.op('Shape', [masked], {}, { name: 'pad/shape' }), g.scalarInt64(2, 'pad.axis')],
    { axis: 0 },
    { name: 'pad/len' },
  );
  const missing = g.op(
    'Unsqueeze',
    [
      g.op('Sub', [g.scalarInt64(MAX_TEXT_LEN, 'pad.max'), s1], {}, { name: 'pad/missing' }),
      g.constInt64([0], 'pad.ax'),
    ],
    {},
    { name: 'pad/missing1' },
  );
  const pads = g.op('Concat', [g.constInt64([0, 0, 0, 0, 0], 'pad.head'), missing], { axis: 0 }, { name: 'pad/pads' });
  g.output(
    g.op('Pad', [masked, pads, g.scalarFloat(-1e4, 'pad.value')], {}, { name: 'pad/logits' }),
    'logits',
    'float32',
    ['batch_size', patchCount(dims), MAX_TEXT_LEN],
  );
  const raw = linear(
    g,
    mlp(g, queries, s.projection, s.projection, 'bbox_embed.mlp'),
    s.projection,
    4,
    'bbox_embed.out',
    { std: 0.5 },
  );
  const boxes = opts.rawBoxes
    ? g.op('Mul', [raw, g.scalarFloat(50, 'bbox.broken')], {}, { name: 'boxes' })
    : g.op('Sigmoid', [raw], {}, { name: 'boxes' });
  g.output(boxes, 'pred_boxes', 'float32', ['batch_size', patchCount(dims), 4]);
  return g;
}

export async function synthesizeGdino(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions & { rawBoxes?: boolean },
): Promise<SynthesizedModel<GdinoFacts>> {
  if (modelType !== 'grounding-dino') throw new Error(`multimodal plugin: no Grounding DINO spec for "${modelType}"`);
  const s = SIZES[opts.size];
  const tok = wordPieceTokenizer({ tokenizerClass: 'BertTokenizer' });
  const files = await saveGraph(
    buildGdinoGraph(s, tok.vocabSize, opts.seed, [tok.special.cls_token!.id, tok.special.sep_token!.id], opts),
    join(dir, 'onnx', 'model.onnx'),
  );
  const n = patchCount({ ...s.vision, channels: 3, imageSize: s.imageSize, patchSize: s.patchSize });
  const config = {
    model_type: modelType,
    architectures: ['GroundingDinoForObjectDetection'],
    d_model: s.projection,
    num_queries: n,
    max_text_len: MAX_TEXT_LEN,
    encoder_layers: s.vision.layers,
    decoder_layers: 1,
    text_config: {
      model_type: 'bert',
      vocab_size: tok.vocabSize,
      hidden_size: s.text.hidden,
      num_hidden_layers: s.text.layers,
      num_attention_heads: s.text.heads,
      intermediate_size: s.text.inner,
      max_position_embeddings: s.maxText,
    },
    backbone_config: {
      model_type: 'swin',
      image_size: s.imageSize,
      patch_size: s.patchSize,
      embed_dim: s.vision.hidden,
      depths: [s.vision.layers],
      num_heads: [s.vision.heads],
    },
    transformers_version: '4.57.0',
    hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
  };
  files.push(await writeJson(join(dir, 'config.json'), config));
  files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
  files.push(await writeJson(join(dir, 'tokenizer_config.json'), tok.tokenizerConfig));
  files.push(
    await writeJson(
      join(dir, 'preprocessor_config.json'),
      squareImageProcessor('GroundingDinoImageProcessor', s.imageSize, {
        processor_class: 'GroundingDinoProcessor',
        image_mean: [0.485, 0.456, 0.406],
        image_std: [0.229, 0.224, 0.225],
      }),
    ),
  );
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random Grounding DINO synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  const facts: GdinoFacts = {
    kind: 'gdino',
    imageSize: s.imageSize,
    channels: 3,
    vocabSize: tok.vocabSize,
    queries: n,
    visionConfigPath: ['backbone_config'],
  };
  return { dir, files: files.map((f) => f.slice(dir.length + 1)), synthesized: true, facts };
}
