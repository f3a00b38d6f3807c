import { join } from 'node:path';
import { saveGraph, writeJson } from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import { buildDecisionTransformer, buildPatchForecaster, type DecisionDims, type TimeSeriesDims } from './graphs.ts';

export const OTHER_TYPES = ['patchtst', 'patchtsmixer', 'decision_transformer'] as const;

const TS: Record<SynthesizeOptions['size'], TimeSeriesDims> = {
  tiny: { context: 32, channels: 2, patch: 8, d: 16, heads: 2, layers: 2, prediction: 6 },
  micro: { context: 16, channels: 2, patch: 8, d: 8, heads: 2, layers: 1, prediction: 4 },
};
const DT: Record<SynthesizeOptions['size'], DecisionDims> = {
  tiny: { state: 5, action: 3, hidden: 32, heads: 4, layers: 2, maxEpLen: 64 },
  micro: { state: 5, action: 3, hidden: 16, heads: 2, layers: 1, maxEpLen: 32 },
};

/** config.json in each type's own key names (PatchTSTConfig, PatchTSMixerConfig, DecisionTransformerConfig). */
function configOf(type: string, size: SynthesizeOptions['size']): Record<string, unknown> {
  if (type === 'decision_transformer') {
    const d = DT[size];
    return {
      model_type: type,
      architectures: ['DecisionTransformerModel'],
      state_dim: d.state,
      act_dim: d.action,
      hidden_size: d.hidden,
      max_ep_len: d.maxEpLen,
      action_tanh: true,
      vocab_size: 1,
      n_positions: 1024,
      n_layer: d.layers,
      n_head: d.heads,
      n_inner: d.hidden * 4,
      activation_function: 'relu',
      layer_norm_epsilon: 1e-5,
    };
  }
  const d = TS[size];
  const common = {
    context_length: d.context,
    num_input_channels: d.channels,
    patch_length: d.patch,
    patch_stride: d.patch,
    d_model: d.d,
    prediction_length: d.prediction,
    scaling: false,
  };
  return type === 'patchtst'
    ? {
        model_type: type,
        architectures: ['PatchTSTForPrediction'],
        ...common,
        num_hidden_layers: d.layers,
        num_attention_heads: d.heads,
        ffn_dim: d.d * 2,
        norm_type: 'layernorm',
        positional_encoding_type: 'random',
        share_embedding: true,
        channel_attention: false,
        use_cls_token: false,
        pooling_type: null,
        loss: 'mse',
      }
    : {
        model_type: type,
        architectures: ['PatchTSMixerForPrediction'],
        ...common,
        num_layers: d.layers,
        expansion_factor: 2,
        mode: 'common_channel',
        gated_attn: false,
        norm_mlp: 'LayerNorm',
        self_attn: false,
        loss: 'mse',
      };
}

/** Facts the generated test is rendered with: input and output names with their sizes. */
export interface OtherFacts {
  kind: 'forecast' | 'decision';
  inputs: Record<string, number[]>;
  outputs: Record<string, number[]>;
}

export function factsOf(type: string, size: SynthesizeOptions['size']): OtherFacts {
  if (type === 'decision_transformer') {
    const d = DT[size];
    return {
      kind: 'decision',
      inputs: { states: [d.state], actions: [d.action], returns_to_go: [1] },
      outputs: { state_preds: [d.state], action_preds: [d.action], return_preds: [1] },
    };
  }
  const d = TS[size];
  return {
    kind: 'forecast',
    inputs: { past_values: [d.context, d.channels] },
    outputs: { prediction_outputs: [d.prediction, d.channels] },
  };
}

export async function synthesizeOther(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions,
): Promise<SynthesizedModel<OtherFacts>> {
  if (!(OTHER_TYPES as readonly string[]).includes(modelType))
    throw new Error(`the other-family plugin cannot synthesize "${modelType}"`);
  const graph =
    modelType === 'decision_transformer'
      ? buildDecisionTransformer(DT[opts.size], opts.seed)
      : buildPatchForecaster(modelType as 'patchtst', TS[opts.size], opts.seed);
  const files = await saveGraph(graph, join(dir, 'onnx', 'model.onnx'));
  files.push(
    await writeJson(join(dir, 'config.json'), {
      ...configOf(modelType, opts.size),
      transformers_version: '4.57.0',
      hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
    }),
  );
  return {
    dir,
    files: files.map((f) => f.slice(dir.length + 1)),
    synthesized: true,
    facts: factsOf(modelType, opts.size),
  };
}
