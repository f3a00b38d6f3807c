import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { buildEncoderGraph, saveGraph, writeJson } from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import type { EncoderFacts } from './checks.ts';
import { ENCODER_SPECS, type Dims } from './specs.ts';
import { encoderTokenizer } from './tokenizers.ts';

const SIZES: Record<SynthesizeOptions['size'], Omit<Dims, 'vocab'>> = {
  tiny: { hidden: 32, layers: 2, heads: 4, inner: 64, maxPos: 128 },
  micro: { hidden: 16, layers: 1, heads: 2, inner: 32, maxPos: 64 },
};

export const TOKEN_LABELS = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'];

/** Writes a tiny `modelType` encoder: onnx/model.onnx, config.json, tokenizer.json, tokenizer_config.json. */
export async function synthesizeEncoder(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions & { ignoreMask?: boolean },
): Promise<SynthesizedModel<EncoderFacts>> {
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
  const graph = buildEncoderGraph(
    {
      ...d,
      tokenTypeIds: spec.tokenTypeIds,
      positionOffset: spec.positionOffset,
      head,
      numLabels: TOKEN_LABELS.length,
    },
    opts.seed,
    opts,
  );
  const files = await saveGraph(graph, join(dir, 'onnx', 'model.onnx'));
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
