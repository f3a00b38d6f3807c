import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GraphBuilder, saveGraph, whisperEncoder, whisperMergedDecoder, writeJson } from '@hf-core/onnx-builder';
import type { PreparedModel, SynthesizeOptions } from '@hf-core/core';
import type { Dims, SpeechSpec } from './specs.ts';
import { whisperTokenizer } from './tokenizers.ts';

export const MAX_TARGET_POSITIONS = 448;

/** Encoder graph: input_features [b, mels, frames] -> last_hidden_state [b, frames/2, d]. */
export function buildWhisperEncoder(mels: number, maxSource: number, d: Dims, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'tiny-whisper-encoder' });
  const feats = g.input('input_features', 'float32', ['batch_size', mels, 'encoder_sequence_length']);
  g.output(whisperEncoder(g, feats, mels, maxSource, d), 'last_hidden_state', 'float32', ['batch_size', 'encoder_sequence_length / 2', d.hidden]);
  return g;
}

export function buildWhisperDecoder(vocab: number, d: Dims, seed: number, opts: { positionsIgnorePast?: boolean } = {}): GraphBuilder {
  const g = new GraphBuilder({ seed: seed + 1, name: 'tiny-whisper-decoder-merged' });
  whisperMergedDecoder(g, { ...d, vocab, maxTarget: MAX_TARGET_POSITIONS }, 'decoder', opts);
  return g;
}

/**
 * Writes a tiny Whisper (or Lite-Whisper): onnx/encoder_model.onnx, onnx/decoder_model_merged.onnx,
 * config.json, generation_config.json with the fields WhisperForConditionalGeneration reads,
 * preprocessor_config.json (WhisperFeatureExtractor) and the Whisper tokenizer.
 */
export async function synthesizeWhisper(modelType: string, spec: SpeechSpec, dir: string, opts: SynthesizeOptions, d: Dims): Promise<PreparedModel> {
  if (spec.frontEnd.kind !== 'mel') throw new Error(`synthesizeWhisper: ${modelType} has no mel front end`);
  const { mels, frames, maxSource } = spec.frontEnd;
  const tok = whisperTokenizer();
  const ids = tok.ids;
  const vocab = tok.vocabSize;
  const suppress = [ids.endoftext];
  const config = {
    model_type: modelType,
    architectures: [spec.architecture],
    vocab_size: vocab,
    num_mel_bins: mels,
    d_model: d.hidden,
    encoder_layers: d.layers,
    encoder_attention_heads: d.heads,
    decoder_layers: d.layers,
    decoder_attention_heads: d.heads,
    encoder_ffn_dim: d.inner,
    decoder_ffn_dim: d.inner,
    activation_function: 'gelu',
    max_source_positions: maxSource,
    max_target_positions: MAX_TARGET_POSITIONS,
    is_encoder_decoder: true,
    scale_embedding: false,
    use_cache: true,
    bos_token_id: ids.endoftext,
    eos_token_id: ids.endoftext,
    pad_token_id: ids.endoftext,
    decoder_start_token_id: ids.startoftranscript,
    begin_suppress_tokens: suppress,
    ...(modelType === 'lite-whisper' ? { low_rank_config: Array.from({ length: d.layers }, () => ({ k_proj: d.hidden / 2, q_proj: d.hidden / 2, v_proj: d.hidden / 2, out_proj: d.hidden / 2, fc1: d.hidden / 2, fc2: d.hidden / 2 })) } : {}),
    transformers_version: '4.57.0',
    hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
  };
  const generation = {
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
    suppress_tokens: [],
    max_initial_timestamp_index: 50,
    alignment_heads: [[d.layers - 1, 0]],
    return_timestamps: false,
    forced_decoder_ids: null,
    transformers_version: '4.57.0',
  };
  const files = await saveGraph(buildWhisperEncoder(mels, maxSource, d, opts.seed), join(dir, 'onnx', 'encoder_model.onnx'));
  files.push(...(await saveGraph(buildWhisperDecoder(vocab, d, opts.seed), join(dir, 'onnx', 'decoder_model_merged.onnx'))));
  files.push(await writeJson(join(dir, 'config.json'), config));
  files.push(await writeJson(join(dir, 'generation_config.json'), generation));
  files.push(await writeJson(join(dir, 'preprocessor_config.json'), spec.preprocessor));
  files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
  files.push(await writeJson(join(dir, 'tokenizer_config.json'), tok.tokenizerConfig));
  await writeFile(join(dir, 'README.md'), `Tiny random ${modelType} synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`);
  const pre = spec.preprocessor as { sampling_rate: number };
  return {
    dir,
    files: files.map((f) => f.slice(dir.length + 1)),
    synthesized: true,
    facts: {
      head: 'seq2seq',
      task: spec.task ?? null,
      input: 'input_features',
      inputRank: 3,
      featDim: mels,
      melFrames: frames,
      encoderFrames: frames / 2,
      samplingRate: pre.sampling_rate,
      clipSamples: pre.sampling_rate,
      framesPerClip: null,
      vocabSize: vocab,
      labels: [],
      hidden: d.hidden,
      featureExtractor: spec.preprocessor.feature_extractor_type,
      decoder: { layers: d.layers, heads: d.heads, headDim: d.hidden / d.heads, startIds: [ids.startoftranscript, ids.langToId['<|en|>'], ids.taskToId.transcribe, ids.notimestamps], eos: ids.endoftext },
    },
  };
}
