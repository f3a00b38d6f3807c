import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import {
  firstTokenPool,
  GraphBuilder,
  imageTower,
  l2Normalize,
  linear,
  saveGraph,
  textTower,
  wordPieceTokenizer,
  writeJson,
} from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import type { JinaFacts } from './checks.ts';
import { OPENAI_CLIP_MEAN, OPENAI_CLIP_STD } from '../../shared/processors.ts';
import { SIZES, type Size } from '../../shared/sizes.ts';

/**
 * JinaCLIP: `onnx/model.onnx` (input_ids + pixel_values -> text_embeddings, image_embeddings and
 * their l2norm_* forms, as JinaCLIPModel reads them), plus `onnx/text_model.onnx` and
 * `onnx/vision_model.onnx` with the same weights for JinaCLIPTextModel / JinaCLIPVisionModel
 * (the image-feature-extraction pipeline). transformers.js feeds zero-size pixel_values for
 * text-only calls and a dummy input_ids for image-only calls.
 */
type Part = 'both' | 'text' | 'vision';

export function buildJinaGraph(s: Size, vocab: number, seed: number, part: Part): GraphBuilder {
  const g = new GraphBuilder({ seed, name: `jina_clip_${part}` });
  const names =
    part === 'both'
      ? { t: 'text_embeddings', i: 'image_embeddings', tn: 'l2norm_text_embeddings', in: 'l2norm_image_embeddings' }
      : { t: 'text_embeds', i: 'image_embeds', tn: 'l2norm_text_embeds', in: 'l2norm_image_embeds' };
  if (part !== 'vision') {
    const ids = g.input('input_ids', 'int64', ['text_batch_size', 'sequence_length']);
    // JinaBERT: bidirectional, mean pooling over tokens (the export takes no attention_mask).
    const text = textTower(g, ids, undefined, { ...s.text, vocab, maxPos: s.maxText }, 'text');
    const emb = linear(
      g,
      g.op('ReduceMean', [text], { axes: [1], keepdims: 0 }, { name: 'text_pool' }),
      s.text.hidden,
      s.projection,
      'text_projection',
      { bias: false },
    );
    g.output(emb, names.t, 'float32', ['text_batch_size', s.projection]);
    g.output(l2Normalize(g, emb, 'text_l2'), names.tn, 'float32', ['text_batch_size', s.projection]);
  }
  if (part !== 'text') {
    const pixels = g.input('pixel_values', 'float32', ['image_batch_size', 3, s.imageSize, s.imageSize]);
    const image = imageTower(
      g,
      pixels,
      { ...s.vision, channels: 3, imageSize: s.imageSize, patchSize: s.patchSize },
      'vision',
      { classToken: true },
    );
    const emb = linear(g, firstTokenPool(g, image, 'image_pool'), s.vision.hidden, s.projection, 'visual_projection', {
      bias: false,
    });
    g.output(emb, names.i, 'float32', ['image_batch_size', s.projection]);
    g.output(l2Normalize(g, emb, 'image_l2'), names.in, 'float32', ['image_batch_size', s.projection]);
  }
  return g;
}

export async function synthesizeJina(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions & { visionSeed?: number },
): Promise<SynthesizedModel<JinaFacts>> {
  if (modelType !== 'jina_clip') throw new Error(`multimodal plugin: no JinaCLIP spec for "${modelType}"`);
  const s = SIZES[opts.size];
  const tok = wordPieceTokenizer({ tokenizerClass: 'BertTokenizer' });
  const onnx = (f: string) => join(dir, 'onnx', f);
  const files = [
    ...(await saveGraph(buildJinaGraph(s, tok.vocabSize, opts.seed, 'both'), onnx('model.onnx'))),
    ...(await saveGraph(buildJinaGraph(s, tok.vocabSize, opts.seed, 'text'), onnx('text_model.onnx'))),
    // visionSeed lets tests build a vision_model.onnx that disagrees with model.onnx.
    ...(await saveGraph(
      buildJinaGraph(s, tok.vocabSize, opts.visionSeed ?? opts.seed, 'vision'),
      onnx('vision_model.onnx'),
    )),
  ];
  const config = {
    model_type: modelType,
    architectures: ['JinaCLIPModel'],
    projection_dim: s.projection,
    logit_scale_init_value: 2.6592,
    text_config: {
      hf_model_name_or_path: 'jinaai/jina-bert-v2-base-en',
      embed_dim: s.projection,
      pooler_type: 'mean_pooler',
      proj_type: null,
      vocab_size: tok.vocabSize,
      hidden_size: s.text.hidden,
      num_hidden_layers: s.text.layers,
      num_attention_heads: s.text.heads,
    },
    vision_config: {
      embed_dim: s.projection,
      width: s.vision.hidden,
      layers: s.vision.layers,
      head_width: s.vision.hidden / s.vision.heads,
      mlp_ratio: s.vision.inner / s.vision.hidden,
      image_size: s.imageSize,
      patch_size: s.patchSize,
      x_attention: false,
    },
    transformers_version: '4.57.0',
    hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
  };
  files.push(await writeJson(join(dir, 'config.json'), config));
  files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
  files.push(await writeJson(join(dir, 'tokenizer_config.json'), tok.tokenizerConfig));
  files.push(
    await writeJson(join(dir, 'preprocessor_config.json'), {
      image_processor_type: 'JinaCLIPImageProcessor',
      processor_class: 'JinaCLIPProcessor',
      size: s.imageSize,
      resize_mode: 'shortest',
      interpolation: 'bicubic',
      fill_color: 0,
      mean: OPENAI_CLIP_MEAN,
      std: OPENAI_CLIP_STD,
    }),
  );
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random JinaCLIP synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  const facts: JinaFacts = {
    kind: 'jina',
    imageSize: s.imageSize,
    channels: 3,
    projection: s.projection,
    vocabSize: tok.vocabSize,
  };
  return { dir, files: files.map((f) => f.slice(dir.length + 1)), synthesized: true, facts };
}
