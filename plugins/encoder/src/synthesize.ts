import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import {
  embedding,
  GraphBuilder,
  gelu,
  layerNorm,
  linear,
  mlp,
  paddingBias,
  positionRange,
  saveGraph,
  selfAttention,
  writeJson,
} from '@hf-core/onnx-builder';
import type { PreparedModel, SynthesizeOptions } from '@hf-core/core';
import { ENCODER_SPECS, type Dims, type EncoderSpec } from './specs.ts';
import { encoderTokenizer } from './tokenizers.ts';

const SIZES: Record<SynthesizeOptions['size'], Omit<Dims, 'vocab'>> = {
  tiny: { hidden: 32, layers: 2, heads: 4, inner: 64, maxPos: 128 },
  micro: { hidden: 16, layers: 1, heads: 2, inner: 32, maxPos: 64 },
};

export const TOKEN_LABELS = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'];

/** The tiny encoder graph: embeddings, N post-LN layers of masked self-attention + GELU MLP, heads. */
export function buildEncoderGraph(
  spec: EncoderSpec,
  d: Dims,
  seed: number,
  opts: { ignoreMask?: boolean } = {},
): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'tiny-encoder' });
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'sequence_length']);
  let x = g.op('Add', [
    embedding(g, ids, d.vocab, d.hidden, 'embeddings.word'),
    embedding(
      g,
      positionRange(g, ids, 'positions', spec.positionOffset ?? 0),
      d.maxPos,
      d.hidden,
      'embeddings.position',
    ),
  ]);
  if (spec.tokenTypeIds) {
    const tti = g.input('token_type_ids', 'int64', ['batch_size', 'sequence_length']);
    x = g.op('Add', [x, embedding(g, tti, 2, d.hidden, 'embeddings.token_type')]);
  }
  x = layerNorm(g, x, d.hidden, 'embeddings.norm');
  // A deliberately broken variant (ignoreMask) lets tests prove padding invariance can fail.
  const bias = opts.ignoreMask ? undefined : paddingBias(g, mask);
  if (opts.ignoreMask) g.op('Identity', [mask]);
  for (let l = 0; l < d.layers; l++) {
    const a = selfAttention(g, x, d.hidden, d.heads, `layer${l}.attention`, bias);
    x = layerNorm(g, g.op('Add', [x, a]), d.hidden, `layer${l}.attention_norm`);
    x = layerNorm(
      g,
      g.op('Add', [x, mlp(g, x, d.hidden, d.inner, `layer${l}.mlp`)]),
      d.hidden,
      `layer${l}.output_norm`,
    );
  }
  g.output(x, 'last_hidden_state', 'float32', ['batch_size', 'sequence_length', d.hidden]);
  const head = spec.head ?? 'mlm';
  if (head === 'mlm') {
    const t = layerNorm(g, gelu(g, linear(g, x, d.hidden, d.hidden, 'lm_head.dense')), d.hidden, 'lm_head.norm');
    g.output(linear(g, t, d.hidden, d.vocab, 'lm_head.decoder', { std: 0.5 }), 'logits', 'float32', [
      'batch_size',
      'sequence_length',
      d.vocab,
    ]);
  } else if (head === 'token-classification') {
    g.output(linear(g, x, d.hidden, TOKEN_LABELS.length, 'classifier', { std: 0.5 }), 'logits', 'float32', [
      'batch_size',
      'sequence_length',
      TOKEN_LABELS.length,
    ]);
  }
  return g;
}

/** Writes a tiny `modelType` encoder: onnx/model.onnx, config.json, tokenizer.json, tokenizer_config.json. */
export async function synthesizeEncoder(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions & { ignoreMask?: boolean },
): Promise<PreparedModel> {
  const spec = ENCODER_SPECS[modelType];
  if (!spec) throw new Error(`encoder plugin cannot synthesize "${modelType}"`);
  const tok = encoderTokenizer(spec);
  const d: Dims = { ...SIZES[opts.size], vocab: tok.vocabSize };
  const pad = tok.special.pad_token?.id ?? 0;
  const head = spec.head ?? 'mlm';
  const config: Record<string, unknown> = {
    model_type: modelType,
    architectures: [spec.architecture],
    ...spec.config(d, pad),
    ...(head === 'token-classification'
      ? {
          id2label: Object.fromEntries(TOKEN_LABELS.map((l, i) => [String(i), l])),
          label2id: Object.fromEntries(TOKEN_LABELS.map((l, i) => [l, i])),
        }
      : {}),
    transformers_version: '4.57.0',
    hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
  };
  const files = await saveGraph(buildEncoderGraph(spec, d, opts.seed, opts), join(dir, 'onnx', 'model.onnx'));
  files.push(await writeJson(join(dir, 'config.json'), config));
  files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
  files.push(await writeJson(join(dir, 'tokenizer_config.json'), tok.tokenizerConfig));
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random ${modelType} encoder synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  return {
    dir,
    files: files.map((f) => f.slice(dir.length + 1)),
    synthesized: true,
    facts: {
      hidden: d.hidden,
      vocabSize: d.vocab,
      head,
      numLabels: head === 'token-classification' ? TOKEN_LABELS.length : undefined,
      padId: pad,
      maskToken: tok.special.mask_token?.token ?? null,
      tasks:
        head === 'mlm'
          ? ['feature-extraction', 'fill-mask']
          : head === 'token-classification'
            ? ['feature-extraction', 'token-classification']
            : ['feature-extraction'],
    },
  };
}
