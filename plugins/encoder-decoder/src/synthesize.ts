import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import {
  buildMergedDecoder,
  buildSeq2SeqEncoder,
  saveGraph,
  saveMergedDecoder,
  writeJson,
  type MergedDecoderOptions,
  type Seq2SeqArch,
} from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import { SEQ2SEQ_SPECS, type Dims, type Seq2SeqSpec } from './specs.ts';
import { seq2seqTokenizer } from './tokenizers.ts';
import type { Seq2SeqFacts } from './pipeline-checks.ts';

const SIZES: Record<SynthesizeOptions['size'], Omit<Dims, 'vocab'>> = {
  tiny: { dModel: 32, heads: 4, headDim: 8, ffn: 64, layers: 2, maxPos: 128 },
  micro: { dModel: 16, heads: 2, headDim: 8, ffn: 32, layers: 1, maxPos: 64 },
};

/**
 * Facts of a model type for the template: its pipeline tasks, translation languages and whether
 * transformers.js can load it. Real checkpoints of a type this plugin knows get the same; others
 * get text2text-generation only.
 */
export function factsFor(modelType: string | null, vocabSize = 0): Seq2SeqFacts {
  const spec = modelType ? SEQ2SEQ_SPECS[modelType] : undefined;
  return {
    vocabSize,
    tasks: spec?.tasks ?? ['text2text-generation'],
    translation: spec?.translation ?? null,
    noPipeline: spec?.noPipeline ?? null,
  };
}

export function archOf(spec: Seq2SeqSpec, d: Dims): Seq2SeqArch {
  return {
    ...spec.arch(d),
    vocab: d.vocab,
    dModel: d.dModel,
    heads: d.heads,
    headDim: d.headDim,
    ffn: d.ffn,
    encoderLayers: d.layers,
    decoderLayers: d.layers,
  };
}

function tokenIds(special: Record<string, { id: number }>): Record<string, number> {
  return Object.fromEntries(Object.entries(special).map(([role, { id }]) => [role, id]));
}

/**
 * Writes a tiny `modelType` seq2seq model in the layout transformers.js loads:
 * onnx/encoder_model.onnx, onnx/decoder_model_merged.onnx, config.json, generation_config.json,
 * tokenizer.json, tokenizer_config.json.
 */
export async function synthesizeSeq2Seq(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions & MergedDecoderOptions,
): Promise<SynthesizedModel<Seq2SeqFacts>> {
  const spec = SEQ2SEQ_SPECS[modelType];
  if (!spec)
    throw new Error(
      `encoder-decoder plugin cannot synthesize "${modelType}"; it knows ${Object.keys(SEQ2SEQ_SPECS).join(', ')}`,
    );
  const tok = seq2seqTokenizer(spec.tokenizer);
  const d: Dims = { ...SIZES[opts.size], vocab: tok.vocabSize };
  const ids = tokenIds(tok.special);
  const arch = archOf(spec, d);
  const config = JSON.parse(
    JSON.stringify({
      model_type: spec.modelType ?? modelType,
      architectures: [spec.architecture],
      ...spec.config(d, ids),
      transformers_version: '4.57.0',
      hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
    }),
  ) as Record<string, unknown>;
  const files = await saveGraph(buildSeq2SeqEncoder(arch, opts.seed), join(dir, 'onnx', 'encoder_model.onnx'));
  files.push(
    await saveMergedDecoder(buildMergedDecoder(arch, opts.seed, opts), join(dir, 'onnx', 'decoder_model_merged.onnx')),
  );
  files.push(await writeJson(join(dir, 'config.json'), config));
  files.push(
    await writeJson(join(dir, 'generation_config.json'), { ...spec.generation(ids), transformers_version: '4.57.0' }),
  );
  files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
  files.push(await writeJson(join(dir, 'tokenizer_config.json'), tok.tokenizerConfig));
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random ${modelType} encoder-decoder synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  return {
    dir,
    files: files.map((f) => f.slice(dir.length + 1)),
    synthesized: true,
    facts: factsFor(modelType, d.vocab),
  };
}
