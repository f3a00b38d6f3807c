import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  convFeatureEncoder,
  convPositionEmbedding,
  GraphBuilder,
  layerNorm,
  linear,
  saveGraph,
  transformerStack,
  writeJson,
} from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import type { SpeechFacts } from './facts.ts';
import { CODEC_SPECS, synthesizeCodec } from './codec.ts';
import { synthesizeTts, TTS_TYPES } from './tts.ts';
import { synthesizeSupertonic } from './supertonic.ts';
import { synthesizeMusicgen } from './musicgen.ts';
import { synthesizeSpeechT5 } from './speecht5.ts';
import { FRAME_LABELS, LABELS, SPEECH_SPECS, SPEECH_TYPES, type Dims, type SpeechSpec } from './specs.ts';
import { ctcTokenizer } from './tokenizers.ts';
import { rawFrames } from './frames.ts';
import { synthesizeSeq2Seq } from './seq2seq.ts';

export const SIZES: Record<SynthesizeOptions['size'], Dims> = {
  tiny: { hidden: 32, heads: 4, inner: 64, layers: 2 },
  micro: { hidden: 16, heads: 2, inner: 32, layers: 1 },
};

/** Seconds of audio the generated tests feed (two clips of this length make a batch). */
export const CLIP_SECONDS = 1;

export { rawFrames };

const labelsFor = (spec: SpeechSpec) =>
  spec.head === 'frame-classification' ? FRAME_LABELS : spec.head === 'classification' ? LABELS : [];

/** The encoder-only speech graph: front end, post-LN transformer, and the type's head. */
export function buildAudioEncoder(spec: SpeechSpec, d: Dims, vocab: number, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'tiny-speech-encoder' });
  const fe = spec.frontEnd;
  let x: string;
  if (fe.kind === 'raw') {
    let audio = g.input(
      'input_values',
      'float32',
      fe.channelAxis ? ['batch_size', 1, 'sequence_length'] : ['batch_size', 'sequence_length'],
    );
    if (fe.channelAxis) audio = g.op('Squeeze', [audio, g.constInt64([1], 'channel_axis')]);
    x = convFeatureEncoder(g, audio, fe.convDim, fe.convKernel, fe.convStride, d.hidden);
    if (fe.posConv) x = convPositionEmbedding(g, x, d.hidden, fe.posConv.kernel, fe.posConv.groups);
    x = layerNorm(g, x, d.hidden, 'encoder.layer_norm', 1e-5);
  } else if (fe.kind === 'frames') {
    const feats = g.input(fe.input, 'float32', ['batch_size', 'num_frames', fe.featDim]);
    x = linear(
      g,
      layerNorm(g, feats, fe.featDim, 'feature_projection.norm', 1e-5),
      fe.featDim,
      d.hidden,
      'feature_projection',
    );
  } else {
    throw new Error('buildAudioEncoder: seq2seq models are built by seq2seq.ts');
  }
  x = transformerStack(g, x, d, 'encoder');
  const labels = labelsFor(spec);
  if (spec.head === 'ctc') {
    g.output(linear(g, x, d.hidden, vocab, 'lm_head', { std: 0.5 }), 'logits', 'float32', [
      'batch_size',
      'num_frames_out',
      vocab,
    ]);
  } else if (spec.head === 'classification') {
    const pooled = g.op(
      'ReduceMean',
      [linear(g, x, d.hidden, d.hidden, 'projector')],
      { axes: [1], keepdims: 0 },
      { name: 'pool' },
    );
    g.output(linear(g, pooled, d.hidden, labels.length, 'classifier', { std: 0.5 }), 'logits', 'float32', [
      'batch_size',
      labels.length,
    ]);
  } else if (spec.head === 'frame-classification') {
    g.output(linear(g, x, d.hidden, labels.length, 'classifier', { std: 0.5 }), 'logits', 'float32', [
      'batch_size',
      'num_frames_out',
      labels.length,
    ]);
  } else if (spec.head === 'embedding') {
    g.output(
      linear(g, g.op('ReduceMean', [x], { axes: [1], keepdims: 0 }), d.hidden, d.hidden, 'embedding'),
      'embeddings',
      'float32',
      ['batch_size', d.hidden],
    );
  }
  return g;
}

/** Writes a tiny `modelType` speech model in the layout transformers.js loads. */
export async function synthesizeSpeech(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions,
): Promise<SynthesizedModel<SpeechFacts>> {
  if (CODEC_SPECS[modelType]) return synthesizeCodec(modelType, dir, opts);
  if (modelType === 'supertonic') return synthesizeSupertonic(dir, opts, SIZES[opts.size]);
  if (modelType === 'musicgen') return synthesizeMusicgen(dir, opts, SIZES[opts.size]);
  if (modelType === 'speecht5') return synthesizeSpeechT5(dir, opts, SIZES[opts.size]);
  if ((TTS_TYPES as readonly string[]).includes(modelType))
    return synthesizeTts(modelType, dir, opts, SIZES[opts.size]);
  const spec = SPEECH_SPECS[modelType];
  if (!spec)
    throw new Error(`speech plugin cannot synthesize "${modelType}"; it synthesizes: ${SPEECH_TYPES.join(', ')}`);
  if (spec.head === 'seq2seq') return synthesizeSeq2Seq(modelType, spec, dir, opts, SIZES[opts.size]);
  const d = SIZES[opts.size];
  const tok = spec.tokenizer === 'ctc-chars' ? ctcTokenizer(spec.tokenizerClass ?? 'Wav2Vec2CTCTokenizer') : undefined;
  const vocab = tok?.vocabSize ?? 0;
  const labels = labelsFor(spec);
  const config: Record<string, unknown> = {
    model_type: modelType,
    architectures: [spec.architecture],
    ...spec.config(d, vocab),
    ...(labels.length
      ? {
          id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
          label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
        }
      : {}),
    transformers_version: '4.57.0',
    hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
  };
  const files = await saveGraph(buildAudioEncoder(spec, d, vocab, opts.seed), join(dir, 'onnx', 'model.onnx'));
  files.push(await writeJson(join(dir, 'config.json'), config));
  files.push(await writeJson(join(dir, 'preprocessor_config.json'), spec.preprocessor));
  if (tok) {
    files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
    files.push(await writeJson(join(dir, 'tokenizer_config.json'), tok.tokenizerConfig));
  }
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random ${modelType} speech model synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  const samplingRate = spec.preprocessor.sampling_rate;
  const clipSamples = CLIP_SECONDS * samplingRate;
  const fe = spec.frontEnd;
  return {
    dir,
    files: files.map((f) => f.slice(dir.length + 1)),
    synthesized: true,
    facts: {
      head: spec.head,
      pipelineUnsupported: spec.sessionOnly ?? null,
      frontEnd: fe.kind,
      task: spec.task ?? null,
      input: fe.kind === 'raw' ? 'input_values' : fe.kind === 'frames' ? fe.input : 'input_features',
      inputRank: fe.kind === 'raw' ? (fe.channelAxis ? 3 : 2) : 3,
      featDim: fe.kind === 'frames' ? fe.featDim : null,
      samplingRate,
      clipSamples,
      framesPerClip: fe.kind === 'raw' ? rawFrames(spec, clipSamples) : null,
      vocabSize: vocab,
      labels,
      hidden: d.hidden,
      featureExtractor: spec.preprocessor.feature_extractor_type,
    },
  };
}
