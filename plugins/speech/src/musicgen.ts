import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  embedding,
  GraphBuilder,
  layerNorm,
  linear,
  paddingBias,
  saveGraph,
  selfAttention,
  unigramTokenizer,
  whisperMergedDecoder,
  writeJson,
} from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import type { SpeechFacts } from './facts.ts';
import type { Dims } from './specs.ts';

/**
 * MusicGen (transformers.js MODEL_TYPES.Musicgen): onnx/text_encoder.onnx (T5-like: input_ids,
 * attention_mask -> last_hidden_state), onnx/decoder_model_merged.onnx (batch x num_codebooks
 * rows of audio tokens, past_key_values.{i}.{decoder,encoder}.*), onnx/encodec_decode.onnx
 * (audio_codes [1, batch, codebooks, frames] -> audio_values [batch, 1, frames x hop]).
 */

export const MUSICGEN = { codebooks: 4, codebookSize: 32, hop: 64, samplingRate: 32000 };
const M = MUSICGEN;

function textEncoder(d: Dims, vocab: number, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'tiny-musicgen-text-encoder' });
  const ids = g.input('input_ids', 'int64', ['batch_size', 'encoder_sequence_length']);
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'encoder_sequence_length']);
  let x = embedding(g, ids, vocab, d.hidden, 'shared');
  const bias = paddingBias(g, mask);
  for (let l = 0; l < d.layers; l++)
    x = g.op('Add', [
      x,
      selfAttention(g, layerNorm(g, x, d.hidden, `block.${l}.norm`, 1e-6), d.hidden, d.heads, `block.${l}.attn`, bias),
    ]);
  g.output(layerNorm(g, x, d.hidden, 'final_norm', 1e-6), 'last_hidden_state', 'float32', [
    'batch_size',
    'encoder_sequence_length',
    d.hidden,
  ]);
  return g;
}

function encodecDecode(seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed: seed + 2, name: 'tiny-encodec-decode' });
  const codes = g.input('audio_codes', 'int64', [1, 'batch_size', M.codebooks, 'chunk_length']);
  const rows = g.op('Squeeze', [codes, g.constInt64([0], 'frame_axis')]);
  let sum: string | undefined;
  for (let q = 0; q < M.codebooks; q++) {
    const e = g.op(
      'Gather',
      [
        g.param(`quantizer.${q}.embed`, [M.codebookSize, 16], { std: 0.5 }),
        g.op('Gather', [rows, g.scalarInt64(q, `q${q}`)], { axis: 1 }),
      ],
      { axis: 0 },
    );
    sum = sum ? g.op('Add', [sum, e]) : e;
  }
  const samples = g.op('Tanh', [linear(g, sum!, 16, M.hop, 'decoder.to_samples', { std: 0.3 })]);
  g.output(g.op('Reshape', [samples, g.constInt64([0, 1, -1], 'wave.shape')]), 'audio_values', 'float32', [
    'batch_size',
    1,
    'num_samples',
  ]);
  return g;
}

export async function synthesizeMusicgen(
  dir: string,
  opts: SynthesizeOptions,
  d: Dims,
): Promise<SynthesizedModel<SpeechFacts>> {
  const tok = unigramTokenizer({ tokenizerClass: 'T5Tokenizer' });
  const files = await saveGraph(textEncoder(d, tok.vocabSize, opts.seed), join(dir, 'onnx', 'text_encoder.onnx'));
  const dec = new GraphBuilder({ seed: opts.seed + 1, name: 'tiny-musicgen-decoder-merged' });
  whisperMergedDecoder(dec, { ...d, vocab: M.codebookSize, maxTarget: 256 }, 'decoder', { codebooks: M.codebooks });
  files.push(...(await saveGraph(dec, join(dir, 'onnx', 'decoder_model_merged.onnx'))));
  files.push(...(await saveGraph(encodecDecode(opts.seed), join(dir, 'onnx', 'encodec_decode.onnx'))));
  const pad = M.codebookSize;
  files.push(
    await writeJson(join(dir, 'config.json'), {
      model_type: 'musicgen',
      architectures: ['MusicgenForConditionalGeneration'],
      is_encoder_decoder: true,
      decoder_start_token_id: pad,
      pad_token_id: pad,
      text_encoder: {
        model_type: 't5',
        vocab_size: tok.vocabSize,
        d_model: d.hidden,
        num_layers: d.layers,
        num_heads: d.heads,
        d_ff: d.inner,
      },
      audio_encoder: {
        model_type: 'encodec',
        sampling_rate: M.samplingRate,
        codebook_size: M.codebookSize,
        audio_channels: 1,
        upsampling_ratios: [4, 4, 4],
        frame_rate: M.samplingRate / M.hop,
      },
      decoder: {
        model_type: 'musicgen_decoder',
        vocab_size: M.codebookSize,
        num_codebooks: M.codebooks,
        hidden_size: d.hidden,
        num_hidden_layers: d.layers,
        num_attention_heads: d.heads,
        ffn_dim: d.inner,
        max_position_embeddings: 256,
        pad_token_id: pad,
        bos_token_id: pad,
        audio_channels: 1,
      },
      transformers_version: '4.57.0',
      hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
    }),
  );
  // Greedy and without classifier-free guidance, so the test is deterministic.
  files.push(
    await writeJson(join(dir, 'generation_config.json'), {
      decoder_start_token_id: pad,
      pad_token_id: pad,
      bos_token_id: pad,
      max_length: 256,
      do_sample: false,
      guidance_scale: null,
      transformers_version: '4.57.0',
    }),
  );
  files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
  files.push(await writeJson(join(dir, 'tokenizer_config.json'), tok.tokenizerConfig));
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random musicgen synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  return {
    dir,
    files: files.map((f) => f.slice(dir.length + 1)),
    synthesized: true,
    facts: {
      head: 'musicgen',
      frontEnd: 'text',
      task: null,
      input: 'input_ids',
      inputRank: 2,
      featDim: null,
      samplingRate: M.samplingRate,
      clipSamples: 0,
      framesPerClip: null,
      vocabSize: tok.vocabSize,
      labels: [],
      hidden: d.hidden,
      featureExtractor: null,
      codebooks: M.codebooks,
      codebookSize: M.codebookSize,
      hopLength: M.hop,
      decoder: {
        layers: d.layers,
        heads: d.heads,
        headDim: d.hidden / d.heads,
        startIds: [pad],
        eos: -1,
        suppress: [],
        generateOptions: {},
      },
    },
  };
}
