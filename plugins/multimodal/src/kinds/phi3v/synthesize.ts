import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import {
  byteLevelBpeTokenizer,
  cachedDecoder,
  embedding,
  gelu,
  GraphBuilder,
  linear,
  saveGraph,
  writeJson,
  type TokenizerFiles,
  llamaTextKeys,
} from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import { OPENAI_CLIP_MEAN, OPENAI_CLIP_STD } from '../../shared/processors.ts';
import { SIZES, type Size } from '../../shared/sizes.ts';
import { lmDims } from '../../shared/towers.ts';
import { sid, type LmDims } from '../../shared/towers.ts';
import type { Phi3vFacts } from './checks.ts';

/**
 * Phi-3 Vision (phi3_v), as transformers.js's Phi3VForCausalLM loads it: three sessions,
 * `onnx/vision_encoder.onnx` (pixel_values [images, 1 + num_crops, 3, 336, 336] + image_sizes
 * [images, 2] -> image_features [num image tokens, hidden], the HD-transform token count
 * (h*w + 1) * T + 1 + (h + 1) * sqrt(T) per image of h x w 336-blocks), `onnx/prepare_inputs_embeds.onnx`
 * (input_ids, where image tokens are negative, + image_features -> inputs_embeds) and `onnx/model.onnx`
 * (inputs_embeds + KV cache -> logits). Phi3VImageProcessor always works on 336-pixel crops.
 */

export const PHI3V_CROP = 336;
/** Features per crop (config num_img_tokens): a 2 x 2 grid. */
export const PHI3V_TOKENS_PER_CROP = 4;
export const PHI3V_NUM_CROPS = 4;
export const PHI3V_PROMPT = '<|user|>\n<|image_1|>\nwhat is this?<|end|>\n<|assistant|>\n';

/** transformers.js's calc_num_image_tokens_from_image_size for a padded image of height x width. */
export const phi3vImageTokens = (height: number, width: number, t = PHI3V_TOKENS_PER_CROP) => {
  const [hb, wb] = [Math.floor(height / PHI3V_CROP), Math.floor(width / PHI3V_CROP)];
  return Math.floor((hb * wb + 1) * t + 1 + (hb + 1) * Math.sqrt(t));
};

export function phi3vTokenizer(): TokenizerFiles {
  const specials = ['<unk>', '<s>', '</s>', '<|endoftext|>', '<|user|>', '<|assistant|>', '<|end|>', '<|image|>'];
  const roles = {
    unk_token: '<unk>',
    bos_token: '<s>',
    eos_token: '<|endoftext|>',
    pad_token: '<|endoftext|>',
    image_token: '<|image|>',
  };
  return byteLevelBpeTokenizer({
    tokenizerClass: 'LlamaTokenizer',
    specials,
    roles,
    postProcessor: { single: ['<s>', '$A'], pair: ['<s>', '$A', '$B'] },
  });
}

/**
 * pixel_values + image_sizes -> image_features: each crop average-pooled to 8 x 8, a 4 x 4 patch
 * embedding (one feature per 2 x 2 cell), GELU projector; then per image the HD-transform count of
 * features, cycling over that image's own crop features (so each image's features depend on it alone).
 */
export function buildPhi3vVision(
  s: Size,
  textHidden: number,
  seed: number,
  opts: { tokensPerCrop?: number; mixImages?: boolean } = {},
): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'vision_encoder' });
  const pixels = g.input('pixel_values', 'float32', ['num_images', 'num_crops', 3, PHI3V_CROP, PHI3V_CROP]);
  const sizes = g.input('image_sizes', 'int64', ['num_images', 2]);
  const c = s.vision.hidden;
  const flat = g.op(
    'Reshape',
    [pixels, g.constInt64([-1, 3, PHI3V_CROP, PHI3V_CROP], 'crops.flat_shape')],
    {},
    { name: 'crops/flat' },
  );
  const pooled = g.op('AveragePool', [flat], { kernel_shape: [42, 42], strides: [42, 42] }, { name: 'crops/pool' });
  const w = g.param('img_processor.patch_embed.weight', [c, 3, 4, 4], { std: 0.2 });
  const conv = g.op(
    'Conv',
    [pooled, w],
    { kernel_shape: [4, 4], strides: [4, 4] },
    { name: 'img_processor/patch_embed' },
  );
  const tokens = g.op(
    'Reshape',
    [
      g.op('Transpose', [conv], { perm: [0, 2, 3, 1] }, { name: 'crops/nhwc' }),
      g.constInt64([-1, c], 'crops.tok_shape'),
    ],
    {},
    { name: 'crops/tokens' },
  );
  const h = gelu(g, linear(g, tokens, c, textHidden, 'img_projection.0'), 'img_projection.act');
  const feats = linear(g, h, textHidden, textHidden, 'img_projection.2', { std: 0.5 });
  // Per-image token counts from image_sizes.
  const crop = g.scalarInt64(PHI3V_CROP, 'hd.crop');
  const hb = g.op(
    'Div',
    [g.op('Gather', [sizes, g.scalarInt64(0, 'hd.i0')], { axis: 1 }, { name: 'hd/h' }), crop],
    {},
    { name: 'hd/hb' },
  );
  const wb = g.op(
    'Div',
    [g.op('Gather', [sizes, g.scalarInt64(1, 'hd.i1')], { axis: 1 }, { name: 'hd/w' }), crop],
    {},
    { name: 'hd/wb' },
  );
  const t = opts.tokensPerCrop ?? PHI3V_TOKENS_PER_CROP;
  const one = g.scalarInt64(1, 'hd.one');
  const sub = g.op(
    'Mul',
    [
      g.op('Add', [g.op('Mul', [hb, wb], {}, { name: 'hd/hw' }), one], {}, { name: 'hd/hw1' }),
      g.scalarInt64(t, 'hd.t'),
    ],
    {},
    { name: 'hd/sub' },
  );
  const sep = g.op(
    'Mul',
    [g.op('Add', [hb, one], {}, { name: 'hd/h1' }), g.scalarInt64(Math.sqrt(t), 'hd.sqrt_t')],
    {},
    { name: 'hd/sep' },
  );
  const counts = g.op('Add', [g.op('Add', [sub, one], {}, { name: 'hd/sub1' }), sep], {}, { name: 'hd/counts' }); // [images]
  const incl = g.op('CumSum', [counts, g.scalarInt64(0, 'hd.axis0')], {}, { name: 'hd/incl' });
  const excl = g.op('Sub', [incl, counts], {}, { name: 'hd/excl' });
  const total = g.op('ReduceSum', [counts, g.constInt64([0], 'hd.rs_axes')], { keepdims: 0 }, { name: 'hd/total' });
  const j = g.op('Range', [g.scalarInt64(0, 'hd.zero'), total, one], {}, { name: 'hd/j' }); // [n]
  const ge = g.op(
    'GreaterOrEqual',
    [
      g.op('Unsqueeze', [j, g.constInt64([1], 'hd.ax1')], {}, { name: 'hd/j2' }),
      g.op('Unsqueeze', [incl, g.constInt64([0], 'hd.ax0')], {}, { name: 'hd/incl2' }),
    ],
    {},
    { name: 'hd/ge' },
  );
  const img = g.op(
    'ReduceSum',
    [g.op('Cast', [ge], { to: 7 }, { name: 'hd/ge_i' }), g.constInt64([1], 'hd.rs1')],
    { keepdims: 0 },
    { name: 'hd/img' },
  ); // image of each output row
  const local = g.op(
    'Sub',
    [j, g.op('Gather', [excl, img], { axis: 0 }, { name: 'hd/start' })],
    {},
    { name: 'hd/local' },
  );
  const perImage = g.op(
    'Mul',
    [
      g.op(
        'Slice',
        [g.op('Shape', [pixels], {}, { name: 'hd/pshape' }), g.constInt64([1], 'hd.s1'), g.constInt64([2], 'hd.s2')],
        {},
        { name: 'hd/crops' },
      ),
      g.constInt64([PHI3V_TOKENS_PER_CROP], 'hd.t1'),
    ],
    {},
    { name: 'hd/per_image' },
  );
  // mixImages: a deliberately broken encoder whose features cycle over every image's crops (tests prove the batch check fails).
  const idx = opts.mixImages
    ? g.op(
        'Mod',
        [
          j,
          g.op(
            'Gather',
            [g.op('Shape', [feats], {}, { name: 'hd/fshape' }), g.constInt64([0], 'hd.f0')],
            { axis: 0 },
            { name: 'hd/nfeat' },
          ),
        ],
        {},
        { name: 'hd/idx' },
      )
    : g.op(
        'Add',
        [g.op('Mul', [img, perImage], {}, { name: 'hd/base' }), g.op('Mod', [local, perImage], {}, { name: 'hd/mod' })],
        {},
        { name: 'hd/idx' },
      );
  g.output(g.op('Gather', [feats, idx], { axis: 0 }, { name: 'hd/features' }), 'image_features', 'float32', [
    'num_image_tokens',
    textHidden,
  ]);
  return g;
}

/** input_ids (image tokens negative) + image_features -> inputs_embeds: the k-th negative id takes the k-th feature. */
export function buildPhi3vEmbeds(d: LmDims, seed: number, opts: { ignoreFeatures?: boolean } = {}): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'prepare_inputs_embeds' });
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const features = g.input('image_features', 'float32', ['num_image_tokens', d.hidden]);
  const isImg = g.op('Less', [ids, g.scalarInt64(0, 'emb.zero')], {}, { name: 'emb/is_image' });
  const text = embedding(
    g,
    g.op('Max', [ids, g.scalarInt64(0, 'emb.zero2')], {}, { name: 'emb/clamped' }),
    d.vocab,
    d.hidden,
    'embed_tokens',
  );
  if (opts.ignoreFeatures) {
    g.op('Identity', [features], {}, { name: 'emb/unused' });
    g.output(text, 'inputs_embeds', 'float32', ['batch_size', 'sequence_length', d.hidden]);
    return g;
  }
  const flatImg = g.op('Reshape', [isImg, g.constInt64([-1], 'emb.flat')], {}, { name: 'emb/flat_is_image' });
  const cum = g.op(
    'Sub',
    [
      g.op(
        'CumSum',
        [g.op('Cast', [flatImg], { to: 7 }, { name: 'emb/is_image_i' }), g.scalarInt64(0, 'emb.axis')],
        {},
        { name: 'emb/cum' },
      ),
      g.scalarInt64(1, 'emb.one'),
    ],
    {},
    { name: 'emb/k' },
  );
  const n = g.op(
    'Slice',
    [g.op('Shape', [features], {}, { name: 'emb/fshape' }), g.constInt64([0], 'emb.s0'), g.constInt64([1], 'emb.s1')],
    {},
    { name: 'emb/n' },
  );
  const idx = g.op('Where', [flatImg, cum, n], {}, { name: 'emb/idx' });
  const padded = g.op(
    'Concat',
    [features, g.constFloat(new Array(d.hidden).fill(0), 'emb.zero_row', [1, d.hidden])],
    { axis: 0 },
    { name: 'emb/padded' },
  );
  const picked = g.op(
    'Reshape',
    [
      g.op('Gather', [padded, idx], { axis: 0 }, { name: 'emb/picked_flat' }),
      g.op('Shape', [text], {}, { name: 'emb/tshape' }),
    ],
    {},
    { name: 'emb/picked' },
  );
  const mask3 = g.op('Unsqueeze', [isImg, g.constInt64([-1], 'emb.last')], {}, { name: 'emb/mask3' });
  g.output(g.op('Where', [mask3, picked, text], {}, { name: 'emb/merged' }), 'inputs_embeds', 'float32', [
    'batch_size',
    'sequence_length',
    d.hidden,
  ]);
  return g;
}

export async function synthesizePhi3v(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions & {
    dropPast?: boolean;
    ignoreFeatures?: boolean;
    numImgTokens?: number;
    graphTokensPerCrop?: number;
    mixImages?: boolean;
  },
): Promise<SynthesizedModel<Phi3vFacts>> {
  if (modelType !== 'phi3_v') throw new Error(`multimodal plugin: synthesizePhi3v cannot synthesize "${modelType}"`);
  const s = SIZES[opts.size];
  const tok = phi3vTokenizer();
  const d = lmDims(s, tok.vocabSize);
  const onnx = (f: string) => join(dir, 'onnx', f);
  const files = [
    ...(await saveGraph(
      buildPhi3vVision(s, d.hidden, opts.seed, { tokensPerCrop: opts.graphTokensPerCrop, mixImages: opts.mixImages }),
      onnx('vision_encoder.onnx'),
    )),
    ...(await saveGraph(
      buildPhi3vEmbeds(d, opts.seed, { ignoreFeatures: opts.ignoreFeatures }),
      onnx('prepare_inputs_embeds.onnx'),
    )),
  ];
  const dec = new GraphBuilder({ seed: opts.seed, name: 'model' });
  cachedDecoder(dec, d, { input: 'inputs_embeds', dropPast: opts.dropPast });
  files.push(...(await saveGraph(dec, onnx('model.onnx'))));
  const [bos, eos, pad] = [sid(tok, 'bos_token'), sid(tok, 'eos_token'), sid(tok, 'pad_token')];
  const config = {
    model_type: modelType,
    architectures: ['Phi3VForCausalLM'],
    ...llamaTextKeys(d),
    original_max_position_embeddings: d.maxPos,
    bos_token_id: bos,
    eos_token_id: eos,
    pad_token_id: pad,
    img_processor: {
      name: 'clip_vision_model',
      model_name: 'openai/clip-vit-large-patch14-336',
      image_dim_out: s.vision.hidden,
      num_img_tokens: PHI3V_TOKENS_PER_CROP,
    },
    embd_layer: {
      embedding_cls: 'image',
      hd_transform_order: 'sub_glb',
      projection_cls: 'mlp',
      use_hd_transform: true,
      with_learnable_separator: true,
    },
    transformers_version: '4.57.0',
    hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
  };
  files.push(await writeJson(join(dir, 'config.json'), config));
  files.push(
    await writeJson(join(dir, 'generation_config.json'), {
      bos_token_id: bos,
      eos_token_id: eos,
      pad_token_id: pad,
      transformers_version: '4.57.0',
    }),
  );
  files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
  files.push(await writeJson(join(dir, 'tokenizer_config.json'), { ...tok.tokenizerConfig, padding_side: 'left' }));
  files.push(
    await writeJson(join(dir, 'preprocessor_config.json'), {
      image_processor_type: 'Phi3VImageProcessor',
      processor_class: 'Phi3VProcessor',
      do_convert_rgb: true,
      image_mean: OPENAI_CLIP_MEAN,
      image_std: OPENAI_CLIP_STD,
      do_rescale: true,
      rescale_factor: 1 / 255,
      num_crops: PHI3V_NUM_CROPS,
      num_img_tokens: opts.numImgTokens ?? PHI3V_TOKENS_PER_CROP,
    }),
  );
  files.push(await writeJson(join(dir, 'processor_config.json'), { processor_class: 'Phi3VProcessor' }));
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random ${modelType} image-text-to-text model synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  const facts: Phi3vFacts = {
    kind: 'phi3v',
    vocabSize: d.vocab,
    hidden: d.hidden,
    layers: d.layers,
    kvHeads: d.kvHeads,
    headDim: d.headDim,
    numCrops: PHI3V_NUM_CROPS,
    tokensPerCrop: PHI3V_TOKENS_PER_CROP,
    imageTokenId: sid(tok, 'image_token')!,
    prompt: PHI3V_PROMPT,
  };
  return { dir, files: files.map((f) => f.slice(dir.length + 1)), synthesized: true, facts };
}
