import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import {
  byteLevelBpeTokenizer,
  cachedAttention,
  causalBias,
  decoderMlp,
  gelu,
  GraphBuilder,
  linear,
  positionsFromMask,
  rmsNorm,
  rotaryTables,
  saveGraph,
  writeJson,
  llamaTextKeys,
} from '@hf-core/onnx-builder';
import type { LmDims } from '../../shared/towers.ts';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import type { VoxtralRtFacts } from './checks.ts';
import { SIZES } from '../../shared/sizes.ts';
import { buildEmbedTokens, lmDims } from '../../shared/towers.ts';

/**
 * VoxtralRealtime (`voxtral_realtime`) in the layout transformers.js 4.3.2 streams:
 * `onnx/audio_encoder.onnx` takes one mel chunk input_features [1, mels, L] with its own state
 * (past_padding_cache [1, mels + E, 2]: the last two mel frames and the last two conv1 frames,
 * for the causal convs; past_key_values.* for causal self-attention; attention_mask, position_ids
 * over conv2 frames) and returns audio_embeds [1, L / 8, text hidden] (conv2 stride 2, then 4
 * frames stacked per token) with present_padding_cache and present.*; `embed_tokens` and
 * `decoder_model_merged` are the text decoder, to whose token embeddings one audio embedding per
 * token is added.
 */

const MELS = 16;
const BOS_ID = 1;
const STREAMING_PAD_ID = 32;

function conv1d(g: GraphBuilder, x: string, inC: number, outC: number, name: string, stride = 1): string {
  const w = g.param(`${name}.weight`, [outC, inC, 3], { std: Math.sqrt(2 / (inC * 3)) });
  const b = g.param(`${name}.bias`, [outC], { std: 0.02 });
  return g.op('Conv', [x, w, b], { kernel_shape: [3], strides: [stride], pads: [0, 0] }, { name });
}

const sliceLast = (g: GraphBuilder, x: string, axis: number, start: number, end: number, name: string) =>
  g.op(
    'Slice',
    [
      x,
      g.constInt64([start], `${name}.start`),
      g.constInt64([end], `${name}.end`),
      g.constInt64([axis], `${name}.axis`),
    ],
    {},
    { name },
  );

function buildAudioEncoder(
  E: number,
  layers: number,
  heads: number,
  kvHeads: number,
  inner: number,
  textHidden: number,
  seed: number,
  dropState = false,
): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'audio_encoder' });
  const hd = E / heads;
  const feats = g.input('input_features', 'float32', [1, MELS, 'num_frames']);
  const mask = g.input('attention_mask', 'int64', [1, 'total_sequence_length']);
  const pos = g.input('position_ids', 'int64', [1, 'sequence_length']);
  const pad = g.input('past_padding_cache', 'float32', [1, MELS + E, 2]);
  const melPad = sliceLast(g, pad, 1, 0, MELS, 'pad/mel');
  const convPad = sliceLast(g, pad, 1, MELS + 0, MELS + E, 'pad/conv');
  const x1 = gelu(
    g,
    conv1d(
      g,
      g.op(
        'Concat',
        [dropState ? g.op('Mul', [melPad, g.scalarFloat(0, 'pad.drop')], {}, { name: 'pad/dropped' }) : melPad, feats],
        { axis: 2 },
        { name: 'conv1/in' },
      ),
      MELS,
      E,
      'conv1',
    ),
    'conv1.act',
  );
  const x2in = g.op('Concat', [sliceLast(g, convPad, 2, 1, 2, 'pad/conv_last'), x1], { axis: 2 }, { name: 'conv2/in' });
  const x2 = gelu(g, conv1d(g, x2in, E, E, 'conv2', 2), 'conv2.act');
  const present = g.op(
    'Concat',
    [sliceLast(g, feats, 2, -2, 2 ** 31 - 1, 'state/mel'), sliceLast(g, x1, 2, -2, 2 ** 31 - 1, 'state/conv')],
    { axis: 1 },
    { name: 'state/present' },
  );
  g.output(present, 'present_padding_cache', 'float32', [1, MELS + E, 2]);
  let x = g.op('Transpose', [x2], { perm: [0, 2, 1] }, { name: 'encoder/tokens' });
  const ctx = causalBias(g, x, mask, 'encoder.causal');
  const rope = rotaryTables(g, pos, hd, 10000, 'encoder.rope');
  for (let l = 0; l < layers; l++) {
    const p = `encoder.layer${l}`;
    const pastKey = g.input(`past_key_values.${l}.key`, 'float32', [1, kvHeads, 'past_sequence_length', hd]);
    const pastValue = g.input(`past_key_values.${l}.value`, 'float32', [1, kvHeads, 'past_sequence_length', hd]);
    const a = cachedAttention(
      g,
      rmsNorm(g, x, E, `${p}.attention_norm`),
      { hidden: E, heads, kvHeads, headDim: hd, bias: ctx.bias, rope, cache: { kind: 'kv', pastKey, pastValue } },
      `${p}.attention`,
    );
    g.output(a.present[0]!, `present.${l}.key`, 'float32', [1, kvHeads, 'total_sequence_length', hd]);
    g.output(a.present[1]!, `present.${l}.value`, 'float32', [1, kvHeads, 'total_sequence_length', hd]);
    x = g.op('Add', [x, a.out], {}, { name: `${p}/res1` });
    x = g.op(
      'Add',
      [x, decoderMlp(g, rmsNorm(g, x, E, `${p}.ffn_norm`), E, inner, 'swiglu', `${p}.feed_forward`)],
      {},
      { name: `${p}/res2` },
    );
  }
  x = rmsNorm(g, x, E, 'encoder.norm');
  const stacked = g.op(
    'Reshape',
    [x, g.constInt64([1, -1, 4 * E], 'projector.stack')],
    {},
    { name: 'projector/stack' },
  );
  const h = gelu(g, linear(g, stacked, 4 * E, textHidden, 'projector.linear_1', { bias: false }), 'projector.act');
  g.output(
    linear(g, h, textHidden, textHidden, 'projector.linear_2', { bias: false, std: 0.5 }),
    'audio_embeds',
    'float32',
    [1, 'num_audio_tokens', textHidden],
  );
  return g;
}

/** The text decoder: Mistral-like over inputs_embeds + KV cache; positions come from attention_mask (transformers.js feeds no position_ids here). */
function buildTextDecoder(d: LmDims, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'decoder_model_merged' });
  let x = g.input('inputs_embeds', 'float32', ['batch_size', 'sequence_length', d.hidden]);
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'total_sequence_length']);
  const ctx = causalBias(g, x, mask, 'decoder.causal');
  const rope = rotaryTables(g, positionsFromMask(g, ctx, 'decoder.positions'), d.headDim, 10000, 'decoder.rope');
  for (let l = 0; l < d.layers; l++) {
    const p = `decoder.layer${l}`;
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
  g.output(
    linear(g, rmsNorm(g, x, d.hidden, 'decoder.norm'), d.hidden, d.vocab, 'lm_head', { bias: false, std: 0.5 }),
    'logits',
    'float32',
    ['batch_size', 'sequence_length', d.vocab],
  );
  return g;
}

export async function synthesizeVoxtralRt(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions & { dropState?: boolean },
): Promise<SynthesizedModel<VoxtralRtFacts>> {
  if (modelType !== 'voxtral_realtime')
    throw new Error(`multimodal plugin: no VoxtralRealtime spec for "${modelType}"`);
  const s = SIZES[opts.size];
  const specials = [
    '<unk>',
    '<s>',
    '</s>',
    ...Array.from({ length: 29 }, (_, i) => `[CONTROL_${i + 3}]`),
    '[STREAMING_PAD]',
  ];
  const tok = byteLevelBpeTokenizer({
    tokenizerClass: 'PreTrainedTokenizerFast',
    specials,
    roles: { unk_token: '<unk>', bos_token: '<s>', eos_token: '</s>' },
    postProcessor: 'none',
  });
  const d = lmDims(s, tok.vocabSize);
  const enc = s.vision;
  const onnx = (f: string) => join(dir, 'onnx', f);
  const dec = buildTextDecoder(d, opts.seed);
  const files = [
    ...(await saveGraph(
      buildAudioEncoder(enc.hidden, enc.layers, enc.heads, enc.heads, enc.inner, d.hidden, opts.seed, opts.dropState),
      onnx('audio_encoder.onnx'),
    )),
    ...(await saveGraph(buildEmbedTokens(d, opts.seed), onnx('embed_tokens.onnx'))),
    ...(await saveGraph(dec, onnx('decoder_model_merged.onnx'))),
  ];
  const eos = tok.special.eos_token!.id;
  const config = {
    model_type: 'voxtral_realtime',
    architectures: ['VoxtralRealtimeForConditionalGeneration'],
    audio_config: {
      model_type: 'voxtral_realtime_encoder',
      hidden_size: enc.hidden,
      intermediate_size: enc.inner,
      num_hidden_layers: enc.layers,
      num_attention_heads: enc.heads,
      num_key_value_heads: enc.heads,
      head_dim: enc.hidden / enc.heads,
      num_mel_bins: MELS,
      rms_norm_eps: 1e-5,
      rope_theta: 10000,
      hidden_act: 'silu',
      sliding_window: 750,
      max_position_embeddings: 1500,
    },
    text_config: {
      model_type: 'voxtral_realtime_text',
      ...llamaTextKeys(d),
      bos_token_id: BOS_ID,
      eos_token_id: eos,
    },
    audio_length_per_tok: 8,
    downsample_factor: 4,
    projector_hidden_act: 'gelu',
    bos_token_id: BOS_ID,
    eos_token_id: eos,
    transformers_version: '4.57.0',
    hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
  };
  files.push(await writeJson(join(dir, 'config.json'), config));
  files.push(
    await writeJson(join(dir, 'generation_config.json'), {
      bos_token_id: BOS_ID,
      eos_token_id: eos,
      pad_token_id: STREAMING_PAD_ID,
      transformers_version: '4.57.0',
    }),
  );
  files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
  files.push(await writeJson(join(dir, 'tokenizer_config.json'), tok.tokenizerConfig));
  files.push(
    await writeJson(join(dir, 'preprocessor_config.json'), {
      feature_extractor_type: 'VoxtralRealtimeFeatureExtractor',
      processor_class: 'VoxtralRealtimeProcessor',
      feature_size: MELS,
      sampling_rate: 16000,
      hop_length: 160,
      n_fft: 400,
      global_log_mel_max: 1.5,
      padding_side: 'right',
      padding_value: 0.0,
      return_attention_mask: false,
    }),
  );
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random VoxtralRealtime synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  const facts: VoxtralRtFacts = {
    kind: 'voxtral_rt',
    mels: MELS,
    encHidden: enc.hidden,
    encLayers: enc.layers,
    encKvHeads: enc.heads,
    encHeadDim: enc.hidden / enc.heads,
    vocabSize: d.vocab,
    hidden: d.hidden,
    layers: d.layers,
    kvHeads: d.kvHeads,
    headDim: d.headDim,
    bosId: BOS_ID,
    padId: STREAMING_PAD_ID,
    eosId: eos,
  };
  return { dir, files: files.map((f) => f.slice(dir.length + 1)), synthesized: true, facts };
}
