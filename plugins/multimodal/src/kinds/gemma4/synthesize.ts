import { join } from 'node:path';
import { gelu, GraphBuilder, linear, saveGraph, writeJson } from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import {
  buildGemmaDecoder,
  buildGemmaEmbeds,
  GEMMA_PER_LAYER,
  gemmaFacts,
  gemmaTextConfig,
  gemmaTokenIdKeys,
  gemmaTokenizer,
  writeGemmaChatTemplate,
  writeGemmaTextFiles,
} from '../../shared/gemma.ts';
import { SIZES, type Size } from '../../shared/sizes.ts';
import { lmDims } from '../../shared/towers.ts';
import type { Gemma4Facts } from './checks.ts';

/**
 * Gemma 4 (ImageAudioTextToText), as transformers.js's Gemma4ForConditionalGeneration loads it: the
 * Gemma sessions of shared/gemma.ts (embed_tokens with per_layer_inputs, decoder_model_merged) with Gemma 4's encoders:
 * `vision_encoder` takes Gemma4ImageProcessor's patches pixel_values [n, max_patches, patch*patch*3] and
 * pixel_position_ids [n, max_patches, 2] (-1 = padding) and gives one feature per pooling_kernel^2 real
 * patches, [soft tokens of all images, hidden]; `audio_encoder` takes input_features [b, frames, mels] +
 * input_features_mask and runs two stride-2 convolutions (kernel 3, pad 1), keeping as many features as
 * the valid frames give, capped at audio_seq_length (Gemma4Processor's _compute_audio_num_tokens). The
 * decoder's last num_kv_shared_layers layers attend over the last cached layer's keys/values and have no cache.
 * processor_config.json nests the image processor and feature extractor configs.
 */

export const GEMMA4_PATCH = 8;
export const GEMMA4_POOL = 2;
export const GEMMA4_MAX_SOFT = 16;
export const GEMMA4_MELS = 16;
export const GEMMA4_AUDIO_CAP = 32;

export function buildGemma4Vision(
  s: Size,
  hidden: number,
  seed: number,
  opts: { ignorePositions?: boolean } = {},
): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'vision_encoder' });
  const dim = GEMMA4_PATCH * GEMMA4_PATCH * 3;
  const maxPatches = GEMMA4_MAX_SOFT * GEMMA4_POOL ** 2;
  const group = GEMMA4_POOL ** 2;
  const pixels = g.input('pixel_values', 'float32', ['num_images', maxPatches, dim]);
  const pos = g.input('pixel_position_ids', 'int64', ['num_images', maxPatches, 2]);
  const c = s.vision.hidden;
  let x = linear(g, pixels, dim, c, 'patch_embedder.input_proj');
  // 2-D position embedding of (col, row); padding patches (-1) are masked out below.
  const posf = g.op('Cast', [pos], { to: 1 }, { name: 'pos/float' });
  if (!opts.ignorePositions)
    x = g.op('Add', [x, linear(g, posf, 2, c, 'patch_embedder.position_embedding')], {}, { name: 'pos/added' });
  const valid = g.op(
    'GreaterOrEqual',
    [g.op('Gather', [pos, g.scalarInt64(0, 'pos.i0')], { axis: 2 }, { name: 'pos/col' }), g.scalarInt64(0, 'pos.zero')],
    {},
    { name: 'pos/valid' },
  );
  x = g.op(
    'Mul',
    [
      gelu(g, x, 'encoder.act'),
      g.op(
        'Unsqueeze',
        [g.op('Cast', [valid], { to: 1 }, { name: 'pos/valid_f' }), g.constInt64([-1], 'pos.last')],
        {},
        { name: 'pos/valid3' },
      ),
    ],
    {},
    { name: 'encoder/masked' },
  );
  // Pool each run of pooling_kernel^2 patches (real patches come first, in raster order) into one soft token.
  const pooled = g.op(
    'ReduceMean',
    [g.op('Reshape', [x, g.constInt64([0, GEMMA4_MAX_SOFT, group, c], 'pool.shape')], {}, { name: 'pool/groups' })],
    { axes: [2], keepdims: 0 },
    { name: 'pool/mean' },
  );
  const feats = linear(g, linear(g, pooled, c, hidden, 'embed_vision.0'), hidden, hidden, 'embed_vision.2', {
    std: 0.5,
  });
  const flat = g.op('Reshape', [feats, g.constInt64([-1, hidden], 'out.flat')], {}, { name: 'out/flat' });
  // Soft tokens per image: floor(real patches / pooling_kernel^2); keep those, image after image.
  const counts = g.op(
    'Div',
    [
      g.op(
        'ReduceSum',
        [g.op('Cast', [valid], { to: 7 }, { name: 'cnt/valid_i' }), g.constInt64([1], 'cnt.axes')],
        { keepdims: 0 },
        { name: 'cnt/patches' },
      ),
      g.scalarInt64(group, 'cnt.group'),
    ],
    {},
    { name: 'cnt/tokens' },
  );
  const one = g.scalarInt64(1, 'cnt.one');
  const incl = g.op('CumSum', [counts, g.scalarInt64(0, 'cnt.axis0')], {}, { name: 'cnt/incl' });
  const excl = g.op('Sub', [incl, counts], {}, { name: 'cnt/excl' });
  const total = g.op('ReduceSum', [counts, g.constInt64([0], 'cnt.rs0')], { keepdims: 0 }, { name: 'cnt/total' });
  const j = g.op('Range', [g.scalarInt64(0, 'cnt.zero'), total, one], {}, { name: 'cnt/j' });
  const ge = g.op(
    'GreaterOrEqual',
    [
      g.op('Unsqueeze', [j, g.constInt64([1], 'cnt.ax1')], {}, { name: 'cnt/j2' }),
      g.op('Unsqueeze', [incl, g.constInt64([0], 'cnt.ax0')], {}, { name: 'cnt/incl2' }),
    ],
    {},
    { name: 'cnt/ge' },
  );
  const img = g.op(
    'ReduceSum',
    [g.op('Cast', [ge], { to: 7 }, { name: 'cnt/ge_i' }), g.constInt64([1], 'cnt.rs1')],
    { keepdims: 0 },
    { name: 'cnt/img' },
  );
  const local = g.op(
    'Sub',
    [j, g.op('Gather', [excl, img], { axis: 0 }, { name: 'cnt/start' })],
    {},
    { name: 'cnt/local' },
  );
  const idx = g.op(
    'Add',
    [g.op('Mul', [img, g.scalarInt64(GEMMA4_MAX_SOFT, 'cnt.max')], {}, { name: 'cnt/base' }), local],
    {},
    { name: 'cnt/idx' },
  );
  g.output(g.op('Gather', [flat, idx], { axis: 0 }, { name: 'out/features' }), 'image_features', 'float32', [
    'num_image_tokens',
    hidden,
  ]);
  return g;
}

export function buildGemma4Audio(hidden: number, mels: number, cap: number, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'audio_encoder' });
  const feats = g.input('input_features', 'float32', ['batch_size', 'num_frames', mels]);
  const mask = g.input('input_features_mask', 'bool', ['batch_size', 'num_frames']);
  const maskf = g.op('Cast', [mask], { to: 1 }, { name: 'sscp/mask_f' });
  const x = g.op(
    'Transpose',
    [
      g.op(
        'Mul',
        [feats, g.op('Unsqueeze', [maskf, g.constInt64([-1], 'sscp.last')], {}, { name: 'sscp/mask3' })],
        {},
        { name: 'sscp/masked' },
      ),
    ],
    { perm: [0, 2, 1] },
    { name: 'sscp/bct' },
  );
  const conv = (inp: string, cin: number, cout: number, name: string) =>
    g.op(
      'Conv',
      [inp, g.param(`${name}.weight`, [cout, cin, 3], { std: 0.3 }), g.param(`${name}.bias`, [cout], { std: 0.02 })],
      { kernel_shape: [3], strides: [2], pads: [1, 1] },
      { name },
    );
  const h1 = gelu(g, conv(x, mels, hidden, 'subsample_conv_projection.conv_0'), 'sscp.act0');
  const h2 = gelu(g, conv(h1, hidden, hidden, 'subsample_conv_projection.conv_1'), 'sscp.act1');
  const t = linear(
    g,
    g.op('Transpose', [h2], { perm: [0, 2, 1] }, { name: 'sscp/btc' }),
    hidden,
    hidden,
    'embed_audio',
    { std: 0.5 },
  );
  // Features the valid frames give: f -> floor((f - 1) / 2) + 1, twice; capped at audio_seq_length.
  const f = g.op(
    'ReduceMax',
    [
      g.op(
        'ReduceSum',
        [g.op('Cast', [mask], { to: 7 }, { name: 'len/mask_i' }), g.constInt64([1], 'len.ax1')],
        { keepdims: 0 },
        { name: 'len/frames' },
      ),
    ],
    { axes: [0], keepdims: 1 },
    { name: 'len/max' },
  );
  const one = g.scalarInt64(1, 'len.one');
  const two = g.scalarInt64(2, 'len.two');
  const half = (v: string, n: string) =>
    g.op(
      'Add',
      [g.op('Div', [g.op('Sub', [v, one], {}, { name: `${n}/m1` }), two], {}, { name: `${n}/d2` }), one],
      {},
      { name: n },
    );
  const n = g.op(
    'Min',
    [half(half(f, 'len/c0'), 'len/c1'), g.constInt64([cap], 'len.cap')],
    {},
    { name: 'len/tokens' },
  );
  g.output(
    g.op('Slice', [t, g.constInt64([0], 'len.start'), n, g.constInt64([1], 'len.axis')], {}, { name: 'out/audio' }),
    'audio_features',
    'float32',
    ['batch_size', 'num_audio_tokens', hidden],
  );
  return g;
}

export async function synthesizeGemma4(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions & {
    dropPast?: boolean;
    maxSoftTokens?: number;
    ignorePositions?: boolean;
    graphAudioCap?: number;
  },
): Promise<SynthesizedModel<Gemma4Facts>> {
  if (modelType !== 'gemma4') throw new Error(`multimodal plugin: synthesizeGemma4 cannot synthesize "${modelType}"`);
  const s = SIZES[opts.size];
  const tok = gemmaTokenizer();
  const d = lmDims(s, tok.vocabSize);
  // The last layer (of the tiny two) shares the previous layer's keys/values: transformers.js feeds caches for num_hidden_layers - num_kv_shared_layers layers only.
  const kvShared = Math.min(1, d.layers - 1);
  const onnx = (f: string) => join(dir, 'onnx', f);
  const files = [
    ...(await saveGraph(buildGemmaEmbeds(d, GEMMA_PER_LAYER, opts.seed), onnx('embed_tokens.onnx'))),
    ...(await saveGraph(
      buildGemma4Vision(s, d.hidden, opts.seed, { ignorePositions: opts.ignorePositions }),
      onnx('vision_encoder.onnx'),
    )),
    ...(await saveGraph(
      buildGemma4Audio(d.hidden, GEMMA4_MELS, opts.graphAudioCap ?? GEMMA4_AUDIO_CAP, opts.seed),
      onnx('audio_encoder.onnx'),
    )),
    ...(await saveGraph(
      buildGemmaDecoder(d, opts.seed, { dropPast: opts.dropPast, kvSharedLayers: kvShared }),
      onnx('decoder_model_merged.onnx'),
    )),
  ];
  const config = {
    model_type: modelType,
    architectures: ['Gemma4ForConditionalGeneration'],
    ...gemmaTokenIdKeys(tok),
    text_config: gemmaTextConfig('gemma4_text', d, tok, { num_kv_shared_layers: kvShared }),
    vision_config: {
      model_type: 'gemma4_vision',
      hidden_size: s.vision.hidden,
      patch_size: GEMMA4_PATCH,
      pooling_kernel_size: GEMMA4_POOL,
      num_channels: 3,
    },
    audio_config: { model_type: 'gemma4_audio', hidden_size: d.hidden, input_feat_size: GEMMA4_MELS },
    transformers_version: '4.57.0',
    hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
  };
  files.push(...(await writeGemmaTextFiles(dir, tok, config)));
  const imageProcessor = {
    image_processor_type: 'Gemma4ImageProcessor',
    patch_size: GEMMA4_PATCH,
    max_soft_tokens: opts.maxSoftTokens ?? GEMMA4_MAX_SOFT,
    pooling_kernel_size: GEMMA4_POOL,
    resample: 3,
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_resize: true,
    do_convert_rgb: true,
  };
  const featureExtractor = {
    feature_extractor_type: 'Gemma4AudioFeatureExtractor',
    feature_size: GEMMA4_MELS,
    sampling_rate: 16000,
    frame_length: 320,
    hop_length: 160,
    fft_length: 512,
    min_frequency: 0.0,
    max_frequency: 8000.0,
    preemphasis: 0.0,
    preemphasis_htk_flavor: true,
    mel_floor: 1e-3,
    padding_value: 0.0,
    return_attention_mask: true,
  };
  files.push(
    await writeJson(join(dir, 'preprocessor_config.json'), { processor_class: 'Gemma4Processor', ...imageProcessor }),
  );
  files.push(
    await writeJson(join(dir, 'processor_config.json'), {
      processor_class: 'Gemma4Processor',
      image_seq_length: GEMMA4_MAX_SOFT,
      audio_seq_length: GEMMA4_AUDIO_CAP,
      audio_ms_per_token: 40,
      image_processor: imageProcessor,
      feature_extractor: featureExtractor,
    }),
  );
  files.push(await writeGemmaChatTemplate(dir, modelType, opts.seed));
  const facts: Gemma4Facts = {
    kind: 'gemma4',
    ...gemmaFacts(d, tok, { imageSize: GEMMA4_PATCH, mels: GEMMA4_MELS }),
    kvSharedLayers: kvShared,
    patch: GEMMA4_PATCH,
    pool: GEMMA4_POOL,
    maxSoftTokens: GEMMA4_MAX_SOFT,
    audioCap: GEMMA4_AUDIO_CAP,
  };
  return { dir, files: files.map((f) => f.slice(dir.length + 1)), synthesized: true, facts };
}
