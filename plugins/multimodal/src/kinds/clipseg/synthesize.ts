import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import {
  GraphBuilder,
  imageTower,
  lastRealTokenPool,
  linear,
  patchCount,
  saveGraph,
  sliceTokens,
  textTower,
  writeJson,
} from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import type { ClipSegFacts } from './checks.ts';
import { clipLike, clipTokenizer } from '../dual/synthesize.ts';
import { OPENAI_CLIP_MEAN, OPENAI_CLIP_STD } from '../../shared/processors.ts';
import { SIZES, type Size } from '../../shared/sizes.ts';

/**
 * CLIPSeg: `onnx/model.onnx` takes text prompts (input_ids, attention_mask) and one image, and
 * gives `logits` [texts, H, W]: one mask per prompt at the image size (the image is shared by
 * every prompt). A FiLM-style decoder conditions the image's patch tokens on each prompt.
 */
export function buildClipSegGraph(
  s: Size,
  vocab: number,
  seed: number,
  opts: { ignoreText?: boolean } = {},
): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'tiny-clipseg' });
  const ids = g.input('input_ids', 'int64', ['text_batch_size', 'sequence_length']);
  const mask = g.input('attention_mask', 'int64', ['text_batch_size', 'sequence_length']);
  const pixels = g.input('pixel_values', 'float32', ['batch_size', 3, s.imageSize, s.imageSize]);
  const text = lastRealTokenPool(
    g,
    textTower(g, ids, mask, { ...s.text, vocab, maxPos: s.maxText }, 'text', { causal: true }),
    mask,
    'text_pool',
  );
  const dims = { ...s.vision, channels: 3, imageSize: s.imageSize, patchSize: s.patchSize };
  const n = patchCount(dims);
  const patches = sliceTokens(g, imageTower(g, pixels, dims, 'vision', { classToken: true }), 1, n + 1, 'patches');
  // ignoreText builds a deliberately broken decoder whose masks do not depend on the prompt (tests use it).
  const cond = opts.ignoreText
    ? g.op('Mul', [text, g.scalarFloat(0, 'film.ignore')], {}, { name: 'film/ignored' })
    : text;
  const scale = g.op(
    'Unsqueeze',
    [linear(g, cond, s.text.hidden, s.vision.hidden, 'film.mul'), g.constInt64([1], 'film.ax')],
    {},
    { name: 'film/scale' },
  );
  const shift = g.op(
    'Unsqueeze',
    [linear(g, cond, s.text.hidden, s.vision.hidden, 'film.add'), g.constInt64([1], 'film.ax2')],
    {},
    { name: 'film/shift' },
  );
  const filmed = g.op(
    'Add',
    [
      g.op(
        'Mul',
        [patches, g.op('Add', [scale, g.scalarFloat(1, 'film.one')], {}, { name: 'film/gain' })],
        {},
        { name: 'film/scaled' },
      ),
      shift,
    ],
    {},
    { name: 'film/out' },
  );
  const grid = s.imageSize / s.patchSize;
  const perPatch = linear(g, filmed, s.vision.hidden, 1, 'decoder.head', { std: 0.5 });
  const map = g.op(
    'Reshape',
    [perPatch, g.constInt64([-1, 1, grid, grid], 'decoder.grid')],
    {},
    { name: 'decoder/grid' },
  );
  const up = g.op(
    'Resize',
    [map, '', g.constFloat([1, 1, s.patchSize, s.patchSize], 'decoder.scales')],
    { mode: 'linear' },
    { name: 'decoder/upsample' },
  );
  g.output(
    g.op('Squeeze', [up, g.constInt64([1], 'decoder.sq')], {}, { name: 'decoder/logits' }),
    'logits',
    'float32',
    ['text_batch_size', s.imageSize, s.imageSize],
  );
  return g;
}

export async function synthesizeClipSeg(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions & { ignoreText?: boolean },
): Promise<SynthesizedModel<ClipSegFacts>> {
  if (modelType !== 'clipseg') throw new Error(`multimodal plugin: no CLIPSeg spec for "${modelType}"`);
  const s = SIZES[opts.size];
  const tok = clipTokenizer();
  const files = await saveGraph(buildClipSegGraph(s, tok.vocabSize, opts.seed, opts), join(dir, 'onnx', 'model.onnx'));
  const config = {
    model_type: modelType,
    architectures: ['CLIPSegForImageSegmentation'],
    ...clipLike('clipseg', s, tok.vocabSize, tok),
    extract_layers: [1],
    reduce_dim: s.vision.hidden,
    conditional_layer: 0,
    use_complex_transposed_convolution: false,
    transformers_version: '4.57.0',
    hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
  };
  files.push(await writeJson(join(dir, 'config.json'), config));
  files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
  files.push(await writeJson(join(dir, 'tokenizer_config.json'), tok.tokenizerConfig));
  files.push(
    await writeJson(join(dir, 'preprocessor_config.json'), {
      image_processor_type: 'ViTImageProcessor',
      processor_class: 'CLIPSegProcessor',
      do_resize: true,
      size: { height: s.imageSize, width: s.imageSize },
      resample: 2,
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      image_mean: OPENAI_CLIP_MEAN,
      image_std: OPENAI_CLIP_STD,
    }),
  );
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random CLIPSeg synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  const facts: ClipSegFacts = { kind: 'clipseg', imageSize: s.imageSize, channels: 3, vocabSize: tok.vocabSize };
  return { dir, files: files.map((f) => f.slice(dir.length + 1)), synthesized: true, facts };
}
