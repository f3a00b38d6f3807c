import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  byteLevelBpeTokenizer,
  convFeatureEncoder,
  GraphBuilder,
  layerNorm,
  linear,
  saveGraph,
  transformerStack,
  whisperEncoder,
  whisperMergedDecoder,
  writeJson,
} from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import type { SpeechFacts } from './facts.ts';
import type { Dims, SpeechSpec } from './specs.ts';
import { cohereAsrTokenizer, whisperTokenizer } from './tokenizers.ts';
import { rawFrames } from './frames.ts';

export const MAX_TARGET_POSITIONS = 448;
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** Encoder graph: input_features [b, mels, frames] -> last_hidden_state [b, frames/2, d]. */
export function buildWhisperEncoder(mels: number, maxSource: number, d: Dims, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'tiny-whisper-encoder' });
  const feats = g.input('input_features', 'float32', ['batch_size', mels, 'encoder_sequence_length']);
  g.output(whisperEncoder(g, feats, mels, maxSource, d), 'last_hidden_state', 'float32', [
    'batch_size',
    'encoder_sequence_length / 2',
    d.hidden,
  ]);
  return g;
}

/** Moonshine-style encoder: raw input_values [b, samples] -> strided convs -> pre-LN layers -> LayerNorm. */
export function buildRawSeq2SeqEncoder(spec: SpeechSpec, d: Dims, seed: number): GraphBuilder {
  if (spec.frontEnd.kind !== 'raw') throw new Error('buildRawSeq2SeqEncoder: not a raw-audio front end');
  const fe = spec.frontEnd;
  const g = new GraphBuilder({ seed, name: 'tiny-speech-seq2seq-encoder' });
  const audio = g.input('input_values', 'float32', ['batch_size', 'num_samples']);
  const x = transformerStack(
    g,
    convFeatureEncoder(g, audio, fe.convDim, fe.convKernel, fe.convStride, d.hidden),
    d,
    'encoder',
    { preNorm: true },
  );
  g.output(layerNorm(g, x, d.hidden, 'encoder.layer_norm', 1e-5), 'last_hidden_state', 'float32', [
    'batch_size',
    'encoder_sequence_length',
    d.hidden,
  ]);
  return g;
}

/** Frame-input encoder (Cohere ASR): input_features [b, frames, feat] -> LN + projection -> pre-LN layers -> LayerNorm. */
export function buildFramesSeq2SeqEncoder(featDim: number, d: Dims, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'tiny-speech-seq2seq-encoder' });
  const feats = g.input('input_features', 'float32', ['batch_size', 'num_frames', featDim]);
  const x = linear(
    g,
    layerNorm(g, feats, featDim, 'encoder.input_norm', 1e-5),
    featDim,
    d.hidden,
    'encoder.input_proj',
  );
  g.output(
    layerNorm(g, transformerStack(g, x, d, 'encoder', { preNorm: true }), d.hidden, 'encoder.layer_norm', 1e-5),
    'last_hidden_state',
    'float32',
    ['batch_size', 'num_frames', d.hidden],
  );
  return g;
}

/** A BPE tokenizer with <unk> <s> </s> first (Moonshine's layout: bos 1, eos 2). */
function bpeTokenizer(tokenizerClass: string) {
  const tok = byteLevelBpeTokenizer({
    tokenizerClass,
    specials: ['<unk>', '<s>', '</s>'],
    roles: { unk_token: '<unk>', bos_token: '<s>', eos_token: '</s>', pad_token: '</s>' },
    postProcessor: 'none',
  });
  return { ...tok, ids: { endoftext: 2, start: [1] } };
}

export function buildWhisperDecoder(
  vocab: number,
  d: Dims,
  seed: number,
  opts: { positionsIgnorePast?: boolean } = {},
): GraphBuilder {
  const g = new GraphBuilder({ seed: seed + 1, name: 'tiny-whisper-decoder-merged' });
  whisperMergedDecoder(g, { ...d, vocab, maxTarget: MAX_TARGET_POSITIONS }, 'decoder', opts);
  return g;
}

/**
 * Writes a tiny speech seq2seq model: onnx/encoder_model.onnx, onnx/decoder_model_merged.onnx,
 * config.json, generation_config.json (for Whisper, with the fields WhisperForConditionalGeneration
 * reads: lang_to_id, task_to_id, no_timestamps_token_id, ...), preprocessor_config.json, tokenizer.
 */
export async function synthesizeSeq2Seq(
  modelType: string,
  spec: SpeechSpec,
  dir: string,
  opts: SynthesizeOptions,
  d: Dims,
): Promise<SynthesizedModel<SpeechFacts>> {
  const fe = spec.frontEnd;
  const isWhisper = fe.kind === 'mel';
  const wt = isWhisper ? whisperTokenizer() : undefined;
  const ct = spec.seq2seq?.tokenizer === 'cohere' ? cohereAsrTokenizer() : undefined;
  const tok = wt ?? ct ?? bpeTokenizer(spec.tokenizerClass ?? 'PreTrainedTokenizerFast');
  const vocab = tok.vocabSize;
  const eos = wt ? wt.ids.endoftext : ct ? ct.ids.eos : 2;
  // Control tokens (and Whisper's timestamps) are suppressed, as real generation configs do, so
  // greedy decoding of the random model yields text tokens and transcripts are not empty.
  const suppressIds = wt
    ? range(wt.ids.startoftranscript, vocab)
    : ct
      ? ct.ids.controls.filter((i) => i !== ct.ids.eos)
      : [0, 1];
  const startIds = wt
    ? [wt.ids.startoftranscript, wt.ids.langToId['<|en|>']!, wt.ids.taskToId.transcribe!, wt.ids.notimestamps]
    : ct
      ? ct.ids.prompt
      : [1];
  let config: Record<string, unknown>;
  let generation: Record<string, unknown>;
  if (wt && fe.kind === 'mel') {
    const ids = wt.ids;
    const suppress = [ids.endoftext];
    config = {
      vocab_size: vocab,
      num_mel_bins: fe.mels,
      d_model: d.hidden,
      encoder_layers: d.layers,
      encoder_attention_heads: d.heads,
      decoder_layers: d.layers,
      decoder_attention_heads: d.heads,
      encoder_ffn_dim: d.inner,
      decoder_ffn_dim: d.inner,
      activation_function: 'gelu',
      max_source_positions: fe.maxSource,
      max_target_positions: MAX_TARGET_POSITIONS,
      is_encoder_decoder: true,
      scale_embedding: false,
      use_cache: true,
      bos_token_id: ids.endoftext,
      eos_token_id: ids.endoftext,
      pad_token_id: ids.endoftext,
      decoder_start_token_id: ids.startoftranscript,
      begin_suppress_tokens: suppress,
      ...(modelType === 'lite-whisper'
        ? {
            low_rank_config: Array.from({ length: d.layers }, () => ({
              k_proj: d.hidden / 2,
              q_proj: d.hidden / 2,
              v_proj: d.hidden / 2,
              out_proj: d.hidden / 2,
              fc1: d.hidden / 2,
              fc2: d.hidden / 2,
            })),
          }
        : {}),
    };
    generation = {
      bos_token_id: ids.endoftext,
      eos_token_id: ids.endoftext,
      pad_token_id: ids.endoftext,
      decoder_start_token_id: ids.startoftranscript,
      max_length: MAX_TARGET_POSITIONS,
      is_multilingual: true,
      lang_to_id: ids.langToId,
      task_to_id: ids.taskToId,
      no_timestamps_token_id: ids.notimestamps,
      begin_suppress_tokens: suppress,
      suppress_tokens: suppressIds,
      max_initial_timestamp_index: 50,
      alignment_heads: [[d.layers - 1, 0]],
      return_timestamps: false,
      forced_decoder_ids: null,
    };
  } else if (ct) {
    const ids = {
      bos_token_id: ct.ids.start,
      eos_token_id: ct.ids.eos,
      pad_token_id: ct.ids.pad,
      decoder_start_token_id: ct.ids.start,
    };
    config = { ...spec.config(d, vocab), ...ids };
    generation = { ...ids, max_length: MAX_TARGET_POSITIONS, suppress_tokens: suppressIds };
  } else {
    config = spec.config(d, vocab);
    generation = {
      bos_token_id: 1,
      eos_token_id: 2,
      pad_token_id: 2,
      decoder_start_token_id: 1,
      max_length: MAX_TARGET_POSITIONS,
      suppress_tokens: suppressIds,
    };
  }
  const encoder =
    fe.kind === 'mel'
      ? buildWhisperEncoder(fe.mels, fe.maxSource, d, opts.seed)
      : fe.kind === 'frames'
        ? buildFramesSeq2SeqEncoder(fe.featDim, d, opts.seed)
        : buildRawSeq2SeqEncoder(spec, d, opts.seed);
  const files = await saveGraph(encoder, join(dir, 'onnx', 'encoder_model.onnx'));
  files.push(
    ...(await saveGraph(buildWhisperDecoder(vocab, d, opts.seed), join(dir, 'onnx', 'decoder_model_merged.onnx'))),
  );
  const meta = { transformers_version: '4.57.0' };
  files.push(
    await writeJson(join(dir, 'config.json'), {
      model_type: modelType,
      architectures: [spec.architecture],
      ...config,
      ...meta,
      hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
    }),
  );
  files.push(await writeJson(join(dir, 'generation_config.json'), { ...generation, ...meta }));
  files.push(await writeJson(join(dir, 'preprocessor_config.json'), spec.preprocessor));
  if (ct) files.push(await writeJson(join(dir, 'processor_config.json'), { processor_class: 'CohereAsrProcessor' }));
  files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
  files.push(await writeJson(join(dir, 'tokenizer_config.json'), tok.tokenizerConfig));
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random ${modelType} synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  const sr = (spec.preprocessor as { sampling_rate: number }).sampling_rate;
  return {
    dir,
    files: files.map((f) => f.slice(dir.length + 1)),
    synthesized: true,
    facts: {
      head: 'seq2seq',
      frontEnd: fe.kind,
      task: spec.task ?? null,
      input: fe.kind === 'raw' ? 'input_values' : 'input_features',
      inputRank: fe.kind === 'raw' ? 2 : 3,
      featDim: fe.kind === 'mel' ? fe.mels : fe.kind === 'frames' ? fe.featDim : null,
      melFrames: fe.kind === 'mel' ? fe.frames : undefined,
      encoderFrames: fe.kind === 'mel' ? fe.frames / 2 : fe.kind === 'frames' ? 50 : rawFrames(spec, sr),
      samplingRate: sr,
      clipSamples: sr,
      framesPerClip: fe.kind === 'raw' ? rawFrames(spec, sr) : null,
      vocabSize: vocab,
      labels: [],
      hidden: d.hidden,
      featureExtractor: spec.preprocessor.feature_extractor_type,
      decoder: {
        layers: d.layers,
        heads: d.heads,
        headDim: d.hidden / d.heads,
        startIds,
        eos,
        suppress: suppressIds,
        generateOptions: ct ? { decoder_input_ids: startIds } : (spec.seq2seq?.generateOptions ?? {}),
      },
    },
  };
}
