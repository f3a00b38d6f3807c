import { GraphBuilder } from './graph.ts';
import { embedding, gelu, layerNorm, linear, mlp, paddingBias, positionRange, selfAttention } from './nn.ts';

/** A BERT-style encoder's shape: what `buildEncoderGraph` builds. */
export interface EncoderArch {
  vocab: number;
  hidden: number;
  layers: number;
  heads: number;
  inner: number;
  maxPos: number;
  /** The graph takes `token_type_ids` (BERT-style segment embeddings). */
  tokenTypeIds: boolean;
  /** Position ids start here (RoBERTa-style models start after the padding index). */
  positionOffset?: number;
  /** Output head beside `last_hidden_state`: masked-LM logits (default), per-token logits, or none. */
  head?: 'mlm' | 'token-classification' | 'none';
  /** Classes of the token-classification head. */
  numLabels?: number;
}

/**
 * A tiny encoder: embeddings, N post-LN layers of masked self-attention + GELU MLP, a head.
 * `ignoreMask` builds a deliberately broken variant, so tests can prove padding invariance fails.
 */
export function buildEncoderGraph(a: EncoderArch, seed: number, opts: { ignoreMask?: boolean } = {}): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'tiny-encoder' });
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'sequence_length']);
  let x = g.op('Add', [
    embedding(g, ids, a.vocab, a.hidden, 'embeddings.word'),
    embedding(g, positionRange(g, ids, 'positions', a.positionOffset ?? 0), a.maxPos, a.hidden, 'embeddings.position'),
  ]);
  if (a.tokenTypeIds) {
    const tti = g.input('token_type_ids', 'int64', ['batch_size', 'sequence_length']);
    x = g.op('Add', [x, embedding(g, tti, 2, a.hidden, 'embeddings.token_type')]);
  }
  x = layerNorm(g, x, a.hidden, 'embeddings.norm');
  const bias = opts.ignoreMask ? undefined : paddingBias(g, mask);
  if (opts.ignoreMask) g.op('Identity', [mask]);
  for (let l = 0; l < a.layers; l++) {
    const att = selfAttention(g, x, a.hidden, a.heads, `layer${l}.attention`, bias);
    x = layerNorm(g, g.op('Add', [x, att]), a.hidden, `layer${l}.attention_norm`);
    x = layerNorm(
      g,
      g.op('Add', [x, mlp(g, x, a.hidden, a.inner, `layer${l}.mlp`)]),
      a.hidden,
      `layer${l}.output_norm`,
    );
  }
  g.output(x, 'last_hidden_state', 'float32', ['batch_size', 'sequence_length', a.hidden]);
  const head = a.head ?? 'mlm';
  if (head === 'mlm') {
    const t = layerNorm(g, gelu(g, linear(g, x, a.hidden, a.hidden, 'lm_head.dense')), a.hidden, 'lm_head.norm');
    g.output(linear(g, t, a.hidden, a.vocab, 'lm_head.decoder', { std: 0.5 }), 'logits', 'float32', [
      'batch_size',
      'sequence_length',
      a.vocab,
    ]);
  } else if (head === 'token-classification') {
    const labels = a.numLabels;
    if (!labels) throw new Error('buildEncoderGraph: a token-classification head needs numLabels (the class count)');
    g.output(linear(g, x, a.hidden, labels, 'classifier', { std: 0.5 }), 'logits', 'float32', [
      'batch_size',
      'sequence_length',
      labels,
    ]);
  }
  return g;
}
