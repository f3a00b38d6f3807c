import { embedding, GraphBuilder, layerNorm, linear, mlp, paddingBias, selfAttention } from '@hf-core/onnx-builder';

/** Sizes of the tiny models of this family. */
export interface TimeSeriesDims {
  context: number;
  channels: number;
  patch: number;
  d: number;
  heads: number;
  layers: number;
  prediction: number;
}

/**
 * PatchTST / PatchTSMixer style forecaster: past_values [b, context, channels] cut into
 * non-overlapping patches per channel, embedded, mixed (attention across patches, or an MLP
 * across patches for the mixer), flattened into a head: prediction_outputs [b, prediction, channels].
 */
export function buildPatchForecaster(kind: 'patchtst' | 'patchtsmixer', d: TimeSeriesDims, seed: number): GraphBuilder {
  const g = new GraphBuilder({ seed, name: `tiny-${kind}` });
  const past = g.input('past_values', 'float32', ['batch_size', d.context, d.channels]);
  const n = d.context / d.patch;
  const byChannel = g.op('Transpose', [past], { perm: [0, 2, 1] });
  const patches = g.op('Reshape', [byChannel, g.constInt64([-1, n, d.patch], 'patch_shape')]);
  let x = g.op('Add', [linear(g, patches, d.patch, d.d, 'patch_embed'), g.param('position', [n, d.d], { std: 0.5 })]);
  for (let l = 0; l < d.layers; l++) {
    if (kind === 'patchtst') {
      x = layerNorm(
        g,
        g.op('Add', [x, selfAttention(g, x, d.d, d.heads, `layer${l}.attention`)]),
        d.d,
        `layer${l}.norm1`,
        1e-5,
      );
    } else {
      // Mixer: an MLP across the patch axis, then across features.
      const t = g.op('Transpose', [x], { perm: [0, 2, 1] });
      x = g.op('Add', [x, g.op('Transpose', [mlp(g, t, n, n * 2, `layer${l}.patch_mix`)], { perm: [0, 2, 1] })]);
      x = layerNorm(g, x, d.d, `layer${l}.norm1`, 1e-5);
    }
    x = layerNorm(g, g.op('Add', [x, mlp(g, x, d.d, d.d * 2, `layer${l}.mlp`)]), d.d, `layer${l}.norm2`, 1e-5);
  }
  const flat = g.op('Reshape', [x, g.constInt64([-1, d.channels, n * d.d], 'flat_shape')]);
  const head = linear(g, flat, n * d.d, d.prediction, 'head', { std: 0.2 });
  g.output(g.op('Transpose', [head], { perm: [0, 2, 1] }), 'prediction_outputs', 'float32', [
    'batch_size',
    d.prediction,
    d.channels,
  ]);
  return g;
}

export interface DecisionDims {
  state: number;
  action: number;
  hidden: number;
  heads: number;
  layers: number;
  maxEpLen: number;
}

/**
 * Decision Transformer: (return-to-go, state, action) tokens per timestep, interleaved, with a
 * timestep embedding, through causal self-attention (GPT-2 style); predictions of the next action
 * from each state token and of state and return from each action token.
 */
export function buildDecisionTransformer(d: DecisionDims, seed: number, opts: { causal?: boolean } = {}): GraphBuilder {
  const g = new GraphBuilder({ seed, name: 'tiny-decision-transformer' });
  const states = g.input('states', 'float32', ['batch_size', 'episode_length', d.state]);
  const actions = g.input('actions', 'float32', ['batch_size', 'episode_length', d.action]);
  const rtg = g.input('returns_to_go', 'float32', ['batch_size', 'episode_length', 1]);
  const timesteps = g.input('timesteps', 'int64', ['batch_size', 'episode_length']);
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'episode_length']);
  const time = embedding(g, timesteps, d.maxEpLen, d.hidden, 'embed_timestep');
  const tokens = [
    linear(g, rtg, 1, d.hidden, 'embed_return'),
    linear(g, states, d.state, d.hidden, 'embed_state'),
    linear(g, actions, d.action, d.hidden, 'embed_action'),
  ].map((t, i) => g.op('Unsqueeze', [g.op('Add', [t, time]), g.constInt64([2], `tok${i}.axes`)]));
  const stacked = g.op('Reshape', [g.op('Concat', tokens, { axis: 2 }), g.constInt64([0, -1, d.hidden], 'interleave')]);
  let x = layerNorm(g, stacked, d.hidden, 'embed_ln', 1e-5);
  // Padding: each timestep's mask repeated for its three tokens; causal: a token sees only the past.
  const mask3 = g.op('Reshape', [
    g.op('Tile', [g.op('Unsqueeze', [mask, g.constInt64([2], 'mask.axes')]), g.constInt64([1, 1, 3], 'mask.repeats')]),
    g.constInt64([0, -1], 'mask.shape'),
  ]);
  const len = g.op('Shape', [mask3]);
  const square = g.op(
    'Concat',
    [
      g.op('Slice', [len, g.constInt64([1], 's0'), g.constInt64([2], 's1')]),
      g.op('Slice', [len, g.constInt64([1], 's2'), g.constInt64([2], 's3')]),
    ],
    { axis: 0 },
  );
  const lower = g.op(
    'Trilu',
    [
      g.op('ConstantOfShape', [square], {
        value: { tensor: { type: 'float32', dims: [1], data: Float32Array.from([1]) } },
      }),
    ],
    { upper: 0 },
  );
  const causal = g.op('Mul', [g.op('Sub', [g.scalarFloat(1, 'one'), lower]), g.scalarFloat(-1e9, 'neg')]);
  // `causal: false` builds a deliberately broken model (tests prove the causality check catches it).
  const bias = opts.causal === false ? paddingBias(g, mask3) : g.op('Add', [paddingBias(g, mask3), causal]);
  for (let l = 0; l < d.layers; l++) {
    x = g.op('Add', [
      x,
      selfAttention(g, layerNorm(g, x, d.hidden, `h${l}.ln_1`, 1e-5), d.hidden, d.heads, `h${l}.attn`, bias),
    ]);
    x = g.op('Add', [
      x,
      mlp(g, layerNorm(g, x, d.hidden, `h${l}.ln_2`, 1e-5), d.hidden, d.hidden * 4, `h${l}.mlp`, 'relu'),
    ]);
  }
  x = layerNorm(g, x, d.hidden, 'ln_f', 1e-5);
  const perStep = g.op('Reshape', [x, g.constInt64([0, -1, 3, d.hidden], 'per_step')]);
  const pick = (i: number, name: string) =>
    g.op('Gather', [perStep, g.scalarInt64(i, `${name}.index`)], { axis: 2 }, { name });
  const stateTok = pick(1, 'state_tokens');
  const actionTok = pick(2, 'action_tokens');
  g.output(linear(g, actionTok, d.hidden, d.state, 'predict_state'), 'state_preds', 'float32', [
    'batch_size',
    'episode_length',
    d.state,
  ]);
  g.output(g.op('Tanh', [linear(g, stateTok, d.hidden, d.action, 'predict_action')]), 'action_preds', 'float32', [
    'batch_size',
    'episode_length',
    d.action,
  ]);
  g.output(linear(g, actionTok, d.hidden, 1, 'predict_return'), 'return_preds', 'float32', [
    'batch_size',
    'episode_length',
    1,
  ]);
  return g;
}
