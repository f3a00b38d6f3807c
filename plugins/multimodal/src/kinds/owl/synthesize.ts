import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import {
  firstTokenPool,
  GraphBuilder,
  imageTower,
  l2Normalize,
  lastRealTokenPool,
  layerNorm,
  linear,
  mlp,
  patchCount,
  saveGraph,
  sliceTokens,
  textTower,
  writeJson,
} from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import type { OwlFacts } from './checks.ts';
import { clipLike, clipTokenizer } from '../dual/synthesize.ts';
import { clipImageProcessor } from '../../shared/processors.ts';
import { SIZES, type Size } from '../../shared/sizes.ts';

/**
 * OWL-ViT / OWLv2 zero-shot object detection: one `onnx/model.onnx` taking text queries and
 * pixels, giving `logits` [images, patches, queries] and `pred_boxes` [images, patches, 4]
 * (cx, cy, w, h in [0, 1]), as transformers.js's zero-shot-object-detection pipeline reads them.
 */
export const OWL_SPECS: Record<
  string,
  { architecture: string; imageProcessorType: string; extra: Record<string, unknown> }
> = {
  owlvit: { architecture: 'OwlViTForObjectDetection', imageProcessorType: 'OwlViTImageProcessor', extra: {} },
  owlv2: {
    architecture: 'Owlv2ForObjectDetection',
    imageProcessorType: 'Owlv2ImageProcessor',
    extra: { do_center_crop: false, do_pad: true },
  },
};

/** The detection graph; `rawBoxes` builds a broken box head without its sigmoid (boxes leave [0, 1]), for tests. */
export function buildOwlGraph(s: Size, vocab: number, seed: number, opts: { rawBoxes?: boolean } = {}): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'tiny-owl-detector' });
  const ids = g.input('input_ids', 'int64', ['num_queries', 'sequence_length']);
  const mask = g.input('attention_mask', 'int64', ['num_queries', 'sequence_length']);
  const pixels = g.input('pixel_values', 'float32', ['batch_size', 3, s.imageSize, s.imageSize]);
  const text = textTower(g, ids, mask, { ...s.text, vocab, maxPos: s.maxText }, 'text', { causal: true });
  const queries = l2Normalize(
    g,
    linear(g, lastRealTokenPool(g, text, mask, 'text_pool'), s.text.hidden, s.projection, 'text_projection', {
      bias: false,
    }),
    'query_norm',
  );
  const dims = { ...s.vision, channels: 3, imageSize: s.imageSize, patchSize: s.patchSize };
  const n = patchCount(dims);
  const hidden = imageTower(g, pixels, dims, 'vision', { classToken: true });
  // OWL-ViT: patch tokens scaled by the class token, then a layer norm.
  const cls = g.op(
    'Unsqueeze',
    [firstTokenPool(g, hidden, 'cls'), g.constInt64([1], 'cls.ax')],
    {},
    { name: 'cls/3d' },
  );
  const patches = layerNorm(
    g,
    g.op('Mul', [sliceTokens(g, hidden, 1, n + 1, 'patches'), cls], {}, { name: 'patches/merged' }),
    s.vision.hidden,
    'patch_norm',
    1e-5,
  );
  const classEmbeds = l2Normalize(
    g,
    linear(g, patches, s.vision.hidden, s.projection, 'class_head.dense0'),
    'class_norm',
  );
  const sim = g.op(
    'MatMul',
    [classEmbeds, g.op('Transpose', [queries], { perm: [1, 0] }, { name: 'queries_t' })],
    {},
    { name: 'similarity' },
  );
  const logits = g.op(
    'Add',
    [g.op('Mul', [sim, g.scalarFloat(10, 'logit_scale')], {}, { name: 'scaled' }), g.scalarFloat(-2.2, 'logit_shift')],
    {},
    { name: 'shifted' },
  );
  g.output(logits, 'logits', 'float32', ['batch_size', n, 'num_queries']);
  const rawBox = linear(
    g,
    mlp(g, patches, s.vision.hidden, s.vision.hidden, 'box_head.mlp'),
    s.vision.hidden,
    4,
    'box_head.out',
    { std: 0.5 },
  );
  const box = opts.rawBoxes
    ? g.op('Mul', [rawBox, g.scalarFloat(50, 'box.broken_scale')], {}, { name: 'boxes' })
    : g.op('Sigmoid', [rawBox], {}, { name: 'boxes' });
  g.output(box, 'pred_boxes', 'float32', ['batch_size', n, 4]);
  return g;
}

export async function synthesizeOwl(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions & { rawBoxes?: boolean },
): Promise<SynthesizedModel<OwlFacts>> {
  const spec = OWL_SPECS[modelType];
  if (!spec) throw new Error(`multimodal plugin: no zero-shot object detection spec for "${modelType}"`);
  const s = SIZES[opts.size];
  const tok = clipTokenizer();
  const config = {
    model_type: modelType,
    architectures: [spec.architecture],
    ...clipLike(modelType, s, tok.vocabSize, tok),
    transformers_version: '4.57.0',
    hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
  };
  const files = await saveGraph(buildOwlGraph(s, tok.vocabSize, opts.seed, opts), join(dir, 'onnx', 'model.onnx'));
  files.push(await writeJson(join(dir, 'config.json'), config));
  files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
  files.push(await writeJson(join(dir, 'tokenizer_config.json'), tok.tokenizerConfig));
  const pre = clipImageProcessor(spec.imageProcessorType, s.imageSize, {
    processor_class: 'OwlViTProcessor',
    ...spec.extra,
  });
  if (modelType === 'owlv2') pre.size = { height: s.imageSize, width: s.imageSize };
  files.push(await writeJson(join(dir, 'preprocessor_config.json'), pre));
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random ${modelType} zero-shot detector synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  const facts: OwlFacts = {
    kind: 'owl',
    imageSize: s.imageSize,
    channels: 3,
    vocabSize: tok.vocabSize,
    padId: tok.special.pad_token?.id ?? 0,
    patches: patchCount({ ...s.vision, channels: 3, imageSize: s.imageSize, patchSize: s.patchSize }),
  };
  return { dir, files: files.map((f) => f.slice(dir.length + 1)), synthesized: true, facts };
}
