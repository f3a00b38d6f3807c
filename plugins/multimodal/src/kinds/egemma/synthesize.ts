import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import {
  byteLevelBpeTokenizer,
  embedding,
  gelu,
  GraphBuilder,
  layerNorm,
  linear,
  mergeHeads,
  rmsNorm,
  saveGraph,
  scaledDotProduct,
  splitHeads,
  writeJson,
  type TokenizerFiles,
} from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import type { EGemmaFacts } from './checks.ts';
import { SIZES } from '../../shared/sizes.ts';

/**
 * EmbeddingGemma 2 (transformers.js MultimodalEncoder, text + image here: no audio_config, no
 * video processor): `onnx/vision_encoder.onnx` takes the Gemma 4 image processor's patches
 * pixel_values [n, P, p*p*3] with pixel_position_ids [n, P, 2] ((col, row), -1 = padding),
 * attends only to valid patches, average-pools k x k patches and returns the valid soft tokens
 * of all images concatenated [tokens, hidden]; `onnx/model.onnx` puts image / video / audio
 * features at their placeholder tokens (in order across the batch), runs a bidirectional
 * encoder and returns last_hidden_state and the mean-pooled, L2-normalized sentence_embedding.
 */
const POOL = 2;
const MAX_SOFT_TOKENS = 16;

const NEG = -1e9;

function encoderLayer(
  g: GraphBuilder,
  x: string,
  hidden: number,
  heads: number,
  inner: number,
  bias: string | undefined,
  name: string,
  norm: 'rms' | 'ln',
): string {
  const hd = hidden / heads;
  const n = (v: string, nm: string) => (norm === 'rms' ? rmsNorm(g, v, hidden, nm) : layerNorm(g, v, hidden, nm, 1e-6));
  const h = n(x, `${name}.norm1`);
  const q = splitHeads(g, linear(g, h, hidden, hidden, `${name}.q_proj`), heads, hd, `${name}.q`);
  const k = splitHeads(g, linear(g, h, hidden, hidden, `${name}.k_proj`), heads, hd, `${name}.k`);
  const v = splitHeads(g, linear(g, h, hidden, hidden, `${name}.v_proj`), heads, hd, `${name}.v`);
  const a = linear(
    g,
    mergeHeads(g, scaledDotProduct(g, q, k, v, hd, `${name}.sdpa`, bias), hidden, `${name}.merge`),
    hidden,
    hidden,
    `${name}.o_proj`,
  );
  const r = g.op('Add', [x, a], {}, { name: `${name}/res1` });
  const m = linear(
    g,
    gelu(g, linear(g, n(r, `${name}.norm2`), hidden, inner, `${name}.fc1`), `${name}.act`),
    inner,
    hidden,
    `${name}.fc2`,
  );
  return g.op('Add', [r, m], {}, { name: `${name}/res2` });
}

/** Additive bias [b, 1, 1, n] from a 0/1 float mask [b, n]. */
function maskBias(g: GraphBuilder, maskF: string, name: string): string {
  const inv = g.op('Sub', [g.scalarFloat(1, `${name}.one`), maskF], {}, { name: `${name}/inv` });
  return g.op(
    'Unsqueeze',
    [
      g.op('Mul', [inv, g.scalarFloat(NEG, `${name}.neg`)], {}, { name: `${name}/neg` }),
      g.constInt64([1, 2], `${name}.axes`),
    ],
    {},
    { name },
  );
}

export function buildEGemmaVision(
  hidden: number,
  textHidden: number,
  heads: number,
  inner: number,
  layers: number,
  patch: number,
  seed: number,
  opts: { ignoreMask?: boolean } = {},
): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'vision_encoder' });
  const D = 3 * patch * patch;
  const Q = MAX_SOFT_TOKENS;
  const P = Q * POOL * POOL;
  const pixels = g.input('pixel_values', 'float32', ['num_images', P, D]);
  const pos = g.input('pixel_position_ids', 'int64', ['num_images', P, 2]);
  const col = g.op(
    'Squeeze',
    [
      g.op(
        'Slice',
        [pos, g.constInt64([0], 'c.s'), g.constInt64([1], 'c.e'), g.constInt64([2], 'c.ax')],
        {},
        { name: 'col3' },
      ),
      g.constInt64([2], 'c.sq'),
    ],
    {},
    { name: 'col' },
  );
  const row = g.op(
    'Squeeze',
    [
      g.op(
        'Slice',
        [pos, g.constInt64([1], 'r.s'), g.constInt64([2], 'r.e'), g.constInt64([2], 'r.ax')],
        {},
        { name: 'row3' },
      ),
      g.constInt64([2], 'r.sq'),
    ],
    {},
    { name: 'row' },
  );
  const valid = g.op('GreaterOrEqual', [col, g.scalarInt64(0, 'zero')], {}, { name: 'valid' }); // [n, P]
  const validF = g.op('Cast', [valid], { to: 1 }, { name: 'valid_f' });
  const safe = (v: string, nm: string) => g.op('Max', [v, g.scalarInt64(0, `${nm}.zero`)], {}, { name: nm });
  const maxSide = P; // positions never exceed the patch count
  let x = g.op(
    'Add',
    [
      linear(g, pixels, D, hidden, 'patch_embedder'),
      g.op(
        'Add',
        [
          embedding(g, safe(col, 'col_safe'), maxSide, hidden, 'pos_col'),
          embedding(g, safe(row, 'row_safe'), maxSide, hidden, 'pos_row'),
        ],
        {},
        { name: 'pos_emb' },
      ),
    ],
    {},
    { name: 'embeddings' },
  );
  const bias = opts.ignoreMask ? undefined : maskBias(g, validF, 'patch_bias');
  for (let l = 0; l < layers; l++) x = encoderLayer(g, x, hidden, heads, inner, bias, `encoder.layers.${l}`, 'ln');
  // k x k average pooling: patch (row, col) of an image w patches wide goes to slot (row / k) * (w / k) + col / k.
  const w = g.op(
    'Add',
    [g.op('ReduceMax', [col], { axes: [1], keepdims: 1 }, { name: 'max_col' }), g.scalarInt64(1, 'one')],
    {},
    { name: 'width' },
  ); // [n, 1]
  const k = g.scalarInt64(POOL, 'k');
  const slot = g.op(
    'Add',
    [
      g.op(
        'Mul',
        [g.op('Div', [safe(row, 'row_s2'), k], {}, { name: 'row_k' }), g.op('Div', [w, k], {}, { name: 'w_k' })],
        {},
        { name: 'row_off' },
      ),
      g.op('Div', [safe(col, 'col_s2'), k], {}, { name: 'col_k' }),
    ],
    {},
    { name: 'slot' },
  ); // [n, P]
  const slots = g.op(
    'Range',
    [g.scalarInt64(0, 'q0'), g.scalarInt64(Q, 'qn'), g.scalarInt64(1, 'q1')],
    {},
    { name: 'slots' },
  );
  const onehot = g.op(
    'Cast',
    [
      g.op(
        'And',
        [
          g.op(
            'Equal',
            [g.op('Unsqueeze', [slot, g.constInt64([2], 'slot_ax')], {}, { name: 'slot3' }), slots],
            {},
            { name: 'slot_eq' },
          ),
          g.op('Unsqueeze', [valid, g.constInt64([2], 'valid_ax')], {}, { name: 'valid3' }),
        ],
        {},
        { name: 'assign' },
      ),
    ],
    { to: 1 },
    { name: 'assign_f' },
  ); // [n, P, Q]
  const pooled = g.op(
    'Mul',
    [
      g.op(
        'MatMul',
        [g.op('Transpose', [onehot], { perm: [0, 2, 1] }, { name: 'assign_t' }), x],
        {},
        { name: 'pool_sum' },
      ),
      g.scalarFloat(1 / (POOL * POOL), 'pool_scale'),
    ],
    {},
    { name: 'pooled' },
  ); // [n, Q, C]
  const tokens = g.op(
    'Div',
    [
      g.op(
        'ReduceSum',
        [g.op('Cast', [valid], { to: 7 }, { name: 'valid_i' }), g.constInt64([1], 'vs_ax')],
        { keepdims: 1 },
        { name: 'num_patches' },
      ),
      g.scalarInt64(POOL * POOL, 'kk'),
    ],
    {},
    { name: 'num_tokens' },
  ); // [n, 1]
  const keep = g.op(
    'Reshape',
    [
      g.op(
        'Less',
        [g.op('Unsqueeze', [slots, g.constInt64([0], 'sl_ax')], {}, { name: 'slots2' }), tokens],
        {},
        { name: 'keep' },
      ),
      g.constInt64([-1], 'keep_shape'),
    ],
    {},
    { name: 'keep_flat' },
  );
  const kept = g.op(
    'Compress',
    [g.op('Reshape', [pooled, g.constInt64([-1, hidden], 'pooled_shape')], {}, { name: 'pooled_flat' }), keep],
    { axis: 0 },
    { name: 'kept' },
  );
  g.output(
    linear(
      g,
      rmsNorm(g, kept, hidden, 'embedding_projection.norm'),
      hidden,
      textHidden,
      'embedding_projection.linear',
      { std: 0.5 },
    ),
    'image_features',
    'float32',
    ['num_image_tokens', textHidden],
  );
  return g;
}

/** Feature rows [n, H] (plus a zero row) gathered at the positions where ids == token, in order across the batch. */
function placeFeatures(
  g: GraphBuilder,
  x: string,
  ids: string,
  features: string,
  token: number,
  hidden: number,
  name: string,
): string {
  const isTok = g.op('Equal', [ids, g.scalarInt64(token, `${name}.tok`)], {}, { name: `${name}/is_tok` }); // [b, s]
  const flat = g.op(
    'Reshape',
    [g.op('Cast', [isTok], { to: 7 }, { name: `${name}/tok_i` }), g.constInt64([-1], `${name}.flat`)],
    {},
    { name: `${name}/tok_flat` },
  );
  const order = g.op(
    'Sub',
    [
      g.op('CumSum', [flat, g.scalarInt64(0, `${name}.ax`)], {}, { name: `${name}/cumsum` }),
      g.scalarInt64(1, `${name}.one`),
    ],
    {},
    { name: `${name}/order` },
  );
  const n = g.op(
    'Gather',
    [g.op('Shape', [features], {}, { name: `${name}/fshape` }), g.scalarInt64(0, `${name}.i0`)],
    { axis: 0 },
    { name: `${name}/n` },
  );
  const padded = g.op(
    'Concat',
    [
      features,
      g.op('ConstantOfShape', [g.constInt64([1, hidden], `${name}.zshape`)], {}, { name: `${name}/zero_row` }),
    ],
    { axis: 0 },
    { name: `${name}/padded` },
  );
  const idx = g.op(
    'Where',
    [
      g.op('Cast', [flat], { to: 9 }, { name: `${name}/tok_b` }),
      g.op('Min', [order, n], {}, { name: `${name}/order_c` }),
      n,
    ],
    {},
    { name: `${name}/idx` },
  );
  const gathered = g.op(
    'Reshape',
    [
      g.op('Gather', [padded, idx], { axis: 0 }, { name: `${name}/gather` }),
      g.op('Shape', [x], {}, { name: `${name}/xshape` }),
    ],
    {},
    { name: `${name}/gathered` },
  );
  return g.op(
    'Where',
    [g.op('Unsqueeze', [isTok, g.constInt64([2], `${name}.ax2`)], {}, { name: `${name}/tok3` }), gathered, x],
    {},
    { name },
  );
}

export function buildEGemmaModel(
  vocab: number,
  hidden: number,
  heads: number,
  inner: number,
  layers: number,
  tokens: { image: number; video: number; audio: number },
  seed: number,
  opts: { ignoreMask?: boolean } = {},
): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'model' });
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'sequence_length']);
  let x = g.op(
    'Mul',
    [embedding(g, ids, vocab, hidden, 'embed_tokens'), g.scalarFloat(Math.sqrt(hidden), 'embed_scale')],
    {},
    { name: 'embeds' },
  );
  for (const m of ['image', 'video', 'audio'] as const)
    x = placeFeatures(
      g,
      x,
      ids,
      g.input(`${m}_features`, 'float32', [`num_${m}_tokens`, hidden]),
      tokens[m],
      hidden,
      `place_${m}`,
    );
  const maskF = g.op('Cast', [mask], { to: 1 }, { name: 'mask_f' });
  const bias = opts.ignoreMask ? undefined : maskBias(g, maskF, 'attn_bias');
  for (let l = 0; l < layers; l++) x = encoderLayer(g, x, hidden, heads, inner, bias, `layers.${l}`, 'rms');
  x = rmsNorm(g, x, hidden, 'norm');
  g.output(x, 'last_hidden_state', 'float32', ['batch_size', 'sequence_length', hidden]);
  const m3 = g.op('Unsqueeze', [maskF, g.constInt64([2], 'm3.ax')], {}, { name: 'mask3' });
  const sum = g.op(
    'ReduceSum',
    [g.op('Mul', [x, m3], {}, { name: 'masked' }), g.constInt64([1], 'sum.ax')],
    { keepdims: 0 },
    { name: 'sum' },
  );
  const count = g.op(
    'Max',
    [
      g.op('ReduceSum', [m3, g.constInt64([1], 'cnt.ax')], { keepdims: 0 }, { name: 'count0' }),
      g.scalarFloat(1e-9, 'cnt.eps'),
    ],
    {},
    { name: 'count' },
  );
  const mean = linear(g, g.op('Div', [sum, count], {}, { name: 'mean' }), hidden, hidden, 'dense', { bias: false });
  const norm = g.op(
    'Sqrt',
    [
      g.op(
        'Max',
        [
          g.op(
            'ReduceSum',
            [g.op('Mul', [mean, mean], {}, { name: 'sq' }), g.constInt64([1], 'sq.ax')],
            { keepdims: 1 },
            { name: 'sqsum' },
          ),
          g.scalarFloat(1e-12, 'sq.eps'),
        ],
        {},
        { name: 'sqsum_c' },
      ),
    ],
    {},
    { name: 'l2' },
  );
  g.output(g.op('Div', [mean, norm], {}, { name: 'normalized' }), 'sentence_embedding', 'float32', [
    'batch_size',
    hidden,
  ]);
  return g;
}

const egemmaTokenizer = (): TokenizerFiles =>
  byteLevelBpeTokenizer({
    tokenizerClass: 'GemmaTokenizer',
    specials: [
      '<pad>',
      '<eos>',
      '<bos>',
      '<unk>',
      '<|image|>',
      '<|video|>',
      '<|audio|>',
      '<start_of_image>',
      '<end_of_image>',
      '<start_of_audio>',
      '<end_of_audio>',
    ],
    roles: {
      pad_token: '<pad>',
      eos_token: '<eos>',
      bos_token: '<bos>',
      unk_token: '<unk>',
      image_token: '<|image|>',
      video_token: '<|video|>',
      audio_token: '<|audio|>',
      boi_token: '<start_of_image>',
      eoi_token: '<end_of_image>',
      boa_token: '<start_of_audio>',
      eoa_token: '<end_of_audio>',
    },
    postProcessor: { single: ['<bos>', '$A'], pair: ['<bos>', '$A', '$B'] },
  });

export async function synthesizeEGemma(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions & { ignoreMask?: boolean },
): Promise<SynthesizedModel<EGemmaFacts>> {
  if (modelType !== 'embedding_gemma2')
    throw new Error(`multimodal plugin: no EmbeddingGemma 2 spec for "${modelType}"`);
  const s = SIZES[opts.size];
  const tok = egemmaTokenizer();
  const id = (r: string) => tok.special[r]!.id;
  const d = s.text;
  const tokens = { image: id('image_token'), video: id('video_token'), audio: id('audio_token') };
  const config = {
    model_type: modelType,
    architectures: ['EmbeddingGemma2Model'],
    image_token_id: tokens.image,
    video_token_id: tokens.video,
    audio_token_id: tokens.audio,
    text_config: {
      model_type: 'gemma3_text',
      vocab_size: tok.vocabSize,
      hidden_size: d.hidden,
      intermediate_size: d.inner,
      num_hidden_layers: d.layers,
      num_attention_heads: d.heads,
      num_key_value_heads: d.heads,
      head_dim: d.hidden / d.heads,
      use_bidirectional_attention: true,
      rms_norm_eps: 1e-6,
      max_position_embeddings: 256,
      pad_token_id: id('pad_token'),
    },
    vision_config: {
      model_type: 'gemma4_vision',
      hidden_size: s.vision.hidden,
      intermediate_size: s.vision.inner,
      num_hidden_layers: s.vision.layers,
      num_attention_heads: s.vision.heads,
      patch_size: s.patchSize,
      pooling_kernel_size: POOL,
      num_channels: 3,
    },
    transformers_version: '4.57.0',
    hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
  };
  const onnx = (f: string) => join(dir, 'onnx', f);
  const files = [
    ...(await saveGraph(
      buildEGemmaVision(
        s.vision.hidden,
        d.hidden,
        s.vision.heads,
        s.vision.inner,
        s.vision.layers,
        s.patchSize,
        opts.seed,
        opts,
      ),
      onnx('vision_encoder.onnx'),
    )),
    ...(await saveGraph(
      buildEGemmaModel(tok.vocabSize, d.hidden, d.heads, d.inner, d.layers, tokens, opts.seed, opts),
      onnx('model.onnx'),
    )),
  ];
  files.push(await writeJson(join(dir, 'config.json'), config));
  files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
  const roles = Object.fromEntries(
    ['image_token', 'video_token', 'audio_token', 'boi_token', 'eoi_token', 'boa_token', 'eoa_token'].map((r) => [
      r,
      tok.special[r]!.token,
    ]),
  );
  files.push(
    await writeJson(join(dir, 'tokenizer_config.json'), { ...tok.tokenizerConfig, ...roles, padding_side: 'right' }),
  );
  const imageProcessor = {
    image_processor_type: 'Gemma4ImageProcessor',
    patch_size: s.patchSize,
    max_soft_tokens: MAX_SOFT_TOKENS,
    pooling_kernel_size: POOL,
    resample: 3,
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_resize: true,
    do_convert_rgb: true,
  };
  files.push(
    await writeJson(join(dir, 'preprocessor_config.json'), {
      ...imageProcessor,
      processor_class: 'EmbeddingGemma2Processor',
    }),
  );
  files.push(
    await writeJson(join(dir, 'processor_config.json'), {
      processor_class: 'EmbeddingGemma2Processor',
      image_processor: imageProcessor,
      image_seq_length: MAX_SOFT_TOKENS,
    }),
  );
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random ${modelType} multimodal embedding model synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  const facts: EGemmaFacts = {
    kind: 'egemma',
    imageSize: 0,
    channels: 3,
    vocabSize: tok.vocabSize,
    hidden: d.hidden,
    imageTokenId: tokens.image,
    patchDim: 3 * s.patchSize ** 2,
    maxPatches: MAX_SOFT_TOKENS * POOL * POOL,
    pool: POOL,
    // 64x48 -> 6x8 patches -> 12 soft tokens; 40x56 -> 8x6 -> 12.
    imageTokens: 12,
    prompts: ['a photo: <|image|>', '<|image|> what is shown in this picture, in detail?'],
  };
  return { dir, files: files.map((f) => f.slice(dir.length + 1)), synthesized: true, facts };
}
