import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import {
  byteLevelBpeTokenizer,
  cachedAttention,
  causalBias,
  decoderMlp,
  embedding,
  gelu,
  GraphBuilder,
  imageTower,
  linear,
  patchCount,
  rmsNorm,
  rotaryTables,
  saveGraph,
  writeJson,
  llamaTextKeys,
} from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import type { JanusFacts } from './checks.ts';
import { SIZES, type Size } from '../../shared/sizes.ts';
import { lmDims } from '../../shared/towers.ts';
import type { LmDims } from '../../shared/towers.ts';

/**
 * Janus (`multi_modality`, MultiModalityCausalLM) in the six-session layout transformers.js
 * 4.3.2 loads: `prepare_inputs_embeds` (input_ids + pixel_values [b, images, 3, S, S] +
 * images_seq_mask + images_emb_mask -> inputs_embeds, image features put at the image
 * placeholder tokens), `language_model` (inputs_embeds + KV cache -> hidden_states),
 * `lm_head` (hidden_states -> logits), and for image generation `gen_head` (hidden_states ->
 * image-token logits), `gen_img_embeds` (image_ids -> inputs_embeds) and `image_decode`
 * (generated_tokens -> decoded_image). VLChatProcessor + VLMImageProcessor make the inputs.
 */

const IMAGE_TAG = '<image_placeholder>';
const IMAGE_START = '<begin_of_image>';
const IMAGE_END = '<end_of_image>';
const BOS = '<｜begin▁of▁sentence｜>';
const EOS = '<｜end▁of▁sentence｜>';
const PAD = '<｜▁pad▁｜>';
/** Image-generation codebook size and VQ patch (pixels per image token side). */
const GEN_VOCAB = 64;
const GEN_PATCH = 8;
export const JANUS_CHAT_TEMPLATE =
  "{% for message in messages %}{{ '<|' + message['role'] + '|>: ' + message['content'] + '\n\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|Assistant|>:' }}{% endif %}";

function janusTokenizer() {
  return byteLevelBpeTokenizer({
    tokenizerClass: 'LlamaTokenizerFast',
    specials: [BOS, EOS, PAD, IMAGE_TAG, IMAGE_START, IMAGE_END],
    roles: { bos_token: BOS, eos_token: EOS, pad_token: PAD },
    postProcessor: { single: [BOS, '$A'], pair: [BOS, '$A', '$B'] },
  });
}

/** prepare_inputs_embeds: token embeddings with the aligned vision features at images_seq_mask positions (`ignoreImages`: a broken one that keeps the placeholder embeddings). */
function buildPrepare(s: Size, d: LmDims, seed: number, ignoreImages = false): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'prepare_inputs_embeds' });
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const pixels = g.input('pixel_values', 'float32', ['batch_size', 'num_images', 3, 'height', 'width']);
  const seqMask = g.input('images_seq_mask', 'bool', ['batch_size', 'sequence_length']);
  g.input('images_emb_mask', 'bool', ['batch_size', 'num_images', 'num_image_tokens']);
  const text = embedding(g, ids, d.vocab, d.hidden, 'language_model.embed_tokens');
  // Zero images (cached steps feed pixel_values [0, 0, 3, 384, 384]) flow through as empty tensors.
  const flat = g.op(
    'Reshape',
    [pixels, g.constInt64([-1, 3, s.imageSize, s.imageSize], 'vision.flat_shape')],
    {},
    { name: 'vision/flat' },
  );
  const dims = { ...s.vision, channels: 3, imageSize: s.imageSize, patchSize: s.patchSize };
  const tower = imageTower(g, flat, dims, 'vision_model', { classToken: false });
  const aligned = linear(
    g,
    gelu(g, linear(g, tower, s.vision.hidden, d.hidden, 'aligner.layers.0'), 'aligner.act'),
    d.hidden,
    d.hidden,
    'aligner.layers.2',
    { std: 0.5 },
  );
  const batch = g.op(
    'Slice',
    [
      g.op('Shape', [ids], {}, { name: 'merge/ids_shape' }),
      g.constInt64([0], 'merge.s0'),
      g.constInt64([1], 'merge.s1'),
    ],
    {},
    { name: 'merge/batch' },
  );
  const perRow = g.op(
    'Reshape',
    [
      aligned,
      g.op('Concat', [batch, g.constInt64([-1, d.hidden], 'merge.tail')], { axis: 0 }, { name: 'merge/rows_shape' }),
    ],
    {},
    { name: 'merge/rows' },
  );
  const zero = g.op(
    'Mul',
    [
      g.op(
        'Slice',
        [text, g.constInt64([0], 'merge.z0'), g.constInt64([1], 'merge.z1'), g.constInt64([1], 'merge.zax')],
        {},
        { name: 'merge/first' },
      ),
      g.scalarFloat(0, 'merge.zero'),
    ],
    {},
    { name: 'merge/zero_row' },
  );
  const padded = g.op('Concat', [zero, perRow], { axis: 1 }, { name: 'merge/padded' });
  const m64 = g.op('Cast', [seqMask], { to: 7 }, { name: 'merge/mask_i64' });
  const idx = g.op(
    'Mul',
    [g.op('CumSum', [m64, g.scalarInt64(1, 'merge.cum_axis')], {}, { name: 'merge/cumsum' }), m64],
    {},
    { name: 'merge/index' },
  );
  const idx3 = g.op(
    'Expand',
    [
      g.op('Unsqueeze', [idx, g.constInt64([2], 'merge.ax2')], {}, { name: 'merge/index3' }),
      g.op('Shape', [text], {}, { name: 'merge/text_shape' }),
    ],
    {},
    { name: 'merge/index_full' },
  );
  const gathered = g.op('GatherElements', [padded, idx3], { axis: 1 }, { name: 'merge/gather' });
  const cond = g.op('Unsqueeze', [seqMask, g.constInt64([2], 'merge.cax')], {}, { name: 'merge/cond' });
  const merged = g.op('Where', [cond, gathered, text], {}, { name: 'merge/where' });
  g.output(
    ignoreImages ? g.op('Identity', [text], {}, { name: 'merge/ignored' }) : merged,
    'inputs_embeds',
    'float32',
    ['batch_size', 'sequence_length', d.hidden],
  );
  return g;
}

/** language_model: a Llama decoder over inputs_embeds with a KV cache, ending at the final norm (no head). */
function buildLanguageModel(d: LmDims, seed: number, dropPast?: boolean): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'language_model' });
  let x = g.input('inputs_embeds', 'float32', ['batch_size', 'sequence_length', d.hidden]);
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'total_sequence_length']);
  const pos = g.input('position_ids', 'int64', ['batch_size', 'sequence_length']);
  const ctx = causalBias(g, x, mask, 'lm.causal');
  const rope = rotaryTables(g, pos, d.headDim, 10000, 'lm.rope');
  for (let l = 0; l < d.layers; l++) {
    const p = `lm.layer${l}`;
    const pastKey = g.input(`past_key_values.${l}.key`, 'float32', [
      'batch_size',
      d.kvHeads,
      'past_sequence_length',
      d.headDim,
    ]);
    const pastValue = g.input(`past_key_values.${l}.value`, 'float32', [
      'batch_size',
      d.kvHeads,
      'past_sequence_length',
      d.headDim,
    ]);
    const a = cachedAttention(
      g,
      rmsNorm(g, x, d.hidden, `${p}.input_layernorm`),
      {
        hidden: d.hidden,
        heads: d.heads,
        kvHeads: d.kvHeads,
        headDim: d.headDim,
        bias: ctx.bias,
        rope,
        cache: { kind: 'kv', pastKey, pastValue },
        dropPast,
      },
      `${p}.self_attn`,
    );
    g.output(a.present[0]!, `present.${l}.key`, 'float32', [
      'batch_size',
      d.kvHeads,
      'total_sequence_length',
      d.headDim,
    ]);
    g.output(a.present[1]!, `present.${l}.value`, 'float32', [
      'batch_size',
      d.kvHeads,
      'total_sequence_length',
      d.headDim,
    ]);
    x = g.op('Add', [x, a.out], {}, { name: `${p}/res1` });
    x = g.op(
      'Add',
      [
        x,
        decoderMlp(
          g,
          rmsNorm(g, x, d.hidden, `${p}.post_attention_layernorm`),
          d.hidden,
          d.inner,
          'swiglu',
          `${p}.mlp`,
        ),
      ],
      {},
      { name: `${p}/res2` },
    );
  }
  g.output(rmsNorm(g, x, d.hidden, 'lm.norm'), 'hidden_states', 'float32', ['batch_size', 'sequence_length', d.hidden]);
  return g;
}

function buildHead(name: string, d: LmDims, vocab: number, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name });
  const hs = g.input('hidden_states', 'float32', ['batch_size', 'sequence_length', d.hidden]);
  g.output(linear(g, hs, d.hidden, vocab, name, { bias: false, std: 0.5 }), 'logits', 'float32', [
    'batch_size',
    'sequence_length',
    vocab,
  ]);
  return g;
}

function buildGenEmbeds(d: LmDims, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'gen_img_embeds' });
  const ids = g.input('image_ids', 'int64', ['batch_size', 'sequence_length']);
  const e = embedding(g, ids, GEN_VOCAB, 8, 'gen_embed');
  g.output(
    linear(
      g,
      gelu(g, linear(g, e, 8, d.hidden, 'gen_aligner.fc1'), 'gen_aligner.act'),
      d.hidden,
      d.hidden,
      'gen_aligner.fc2',
    ),
    'inputs_embeds',
    'float32',
    ['batch_size', 'sequence_length', d.hidden],
  );
  return g;
}

/** image_decode: a VQ-decoder stand-in, one GEN_PATCH x GEN_PATCH RGB patch per token, tanh to [-1, 1]. */
function buildImageDecode(s: Size, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'image_decode' });
  const grid = s.imageSize / GEN_PATCH;
  const toks = g.input('generated_tokens', 'int64', ['batch_size', grid * grid]);
  const e = embedding(g, toks, GEN_VOCAB, 8, 'quantize.embedding');
  const px = linear(g, e, 8, 3 * GEN_PATCH * GEN_PATCH, 'decoder.to_pixels');
  const six = g.op(
    'Reshape',
    [px, g.constInt64([-1, grid, grid, 3, GEN_PATCH, GEN_PATCH], 'decode.six')],
    {},
    { name: 'decode/six' },
  );
  const t = g.op('Transpose', [six], { perm: [0, 3, 1, 4, 2, 5] }, { name: 'decode/perm' });
  const img = g.op(
    'Reshape',
    [t, g.constInt64([-1, 3, s.imageSize, s.imageSize], 'decode.img')],
    {},
    { name: 'decode/img' },
  );
  g.output(g.op('Tanh', [img], {}, { name: 'decode/tanh' }), 'decoded_image', 'float32', [
    'batch_size',
    3,
    s.imageSize,
    s.imageSize,
  ]);
  return g;
}

export async function synthesizeJanus(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions & { dropPast?: boolean; ignoreImages?: boolean },
): Promise<SynthesizedModel<JanusFacts>> {
  if (modelType !== 'multi_modality') throw new Error(`multimodal plugin: no Janus spec for "${modelType}"`);
  const s = SIZES[opts.size];
  const tok = janusTokenizer();
  const d = lmDims(s, tok.vocabSize);
  const vision = { ...s.vision, channels: 3, imageSize: s.imageSize, patchSize: s.patchSize };
  const imageTokens = patchCount(vision);
  const onnx = (f: string) => join(dir, 'onnx', f);
  const files = [
    ...(await saveGraph(buildPrepare(s, d, opts.seed, opts.ignoreImages), onnx('prepare_inputs_embeds.onnx'))),
    ...(await saveGraph(buildLanguageModel(d, opts.seed, opts.dropPast), onnx('language_model.onnx'))),
    ...(await saveGraph(buildHead('lm_head', d, d.vocab, opts.seed), onnx('lm_head.onnx'))),
    ...(await saveGraph(buildHead('gen_head', d, GEN_VOCAB, opts.seed + 1), onnx('gen_head.onnx'))),
    ...(await saveGraph(buildGenEmbeds(d, opts.seed), onnx('gen_img_embeds.onnx'))),
    ...(await saveGraph(buildImageDecode(s, opts.seed), onnx('image_decode.onnx'))),
  ];
  const id = (t: string) => tok.special[t]!.id;
  const [bos, eos, pad] = [id('bos_token'), id('eos_token'), id('pad_token')];
  const tokenIds = tok.tokenizerJson.model as { vocab: Record<string, number> };
  const imageTokenId =
    (tok.tokenizerJson.added_tokens as { id: number; content: string }[]).find((t) => t.content === IMAGE_TAG)?.id ??
    tokenIds.vocab[IMAGE_TAG]!;
  const config = {
    model_type: 'multi_modality',
    architectures: ['MultiModalityCausalLM'],
    language_config: {
      model_type: 'llama',
      ...llamaTextKeys(d),
      bos_token_id: bos,
      eos_token_id: eos,
      pad_token_id: pad,
      torch_dtype: 'float32',
    },
    vision_config: {
      cls: 'CLIPVisionTower',
      model_type: 'vision',
      params: {
        image_size: s.imageSize,
        model_name: 'siglip_tiny_random',
        select_feature: 'same',
        select_layer: -1,
        patch_size: s.patchSize,
        width: s.vision.hidden,
        layers: s.vision.layers,
        heads: s.vision.heads,
      },
    },
    aligner_config: {
      cls: 'MlpProjector',
      model_type: 'aligner',
      params: { depth: 2, input_dim: s.vision.hidden, n_embed: d.hidden, projector_type: 'mlp_gelu' },
    },
    gen_vision_config: { cls: 'VQ-16', model_type: 'gen_vision', params: { image_token_size: GEN_VOCAB, n_embed: 8 } },
    gen_aligner_config: {
      cls: 'MlpProjector',
      model_type: 'gen_aligner',
      params: { depth: 2, input_dim: 8, n_embed: d.hidden, projector_type: 'mlp_gelu' },
    },
    gen_head_config: {
      cls: 'vision_head',
      model_type: 'gen_head',
      params: { image_token_embed: d.hidden, image_token_size: GEN_VOCAB, n_embed: d.hidden },
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
  files.push(
    await writeJson(join(dir, 'tokenizer_config.json'), {
      ...tok.tokenizerConfig,
      chat_template: [{ name: 'default', template: JANUS_CHAT_TEMPLATE }],
    }),
  );
  files.push(
    await writeJson(join(dir, 'preprocessor_config.json'), {
      image_processor_type: 'VLMImageProcessor',
      processor_class: 'VLChatProcessor',
      image_size: s.imageSize,
      min_size: 2,
      size: { longest_edge: s.imageSize },
      do_resize: true,
      resample: 3,
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      image_mean: [0.5, 0.5, 0.5],
      image_std: [0.5, 0.5, 0.5],
      background_color: [127, 127, 127],
      do_convert_rgb: true,
    }),
  );
  files.push(
    await writeJson(join(dir, 'processor_config.json'), {
      processor_class: 'VLChatProcessor',
      image_tag: IMAGE_TAG,
      image_start_tag: IMAGE_START,
      image_end_tag: IMAGE_END,
      num_image_tokens: imageTokens,
      add_special_token: false,
      sft_format: 'deepseek',
      mask_prompt: true,
      ignore_id: -100,
    }),
  );
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random Janus (multi_modality) synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  const facts: JanusFacts = {
    kind: 'janus',
    imageSize: s.imageSize,
    channels: 3,
    vocabSize: d.vocab,
    hidden: d.hidden,
    layers: d.layers,
    kvHeads: d.kvHeads,
    headDim: d.headDim,
    imageTokens,
    imageTokenId,
    genVocab: GEN_VOCAB,
    genTokens: (s.imageSize / GEN_PATCH) ** 2,
    prompt: `${IMAGE_TAG}\nwhat is this?`,
  };
  return { dir, files: files.map((f) => f.slice(dir.length + 1)), synthesized: true, facts };
}
