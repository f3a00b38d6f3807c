import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { saveGraph, writeJson } from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import { cacheNames, type Dims } from './arch.ts';
import { buildDecoderGraph, type GraphFaults } from './graph.ts';
import { DECODER_SPECS } from './specs.ts';
import { decoderTokenizer } from './tokenizers.ts';
import type { DecoderFacts } from './checks.ts';

const SIZES: Record<SynthesizeOptions['size'], Omit<Dims, 'vocab'>> = {
  tiny: { hidden: 32, layers: 2, heads: 4, kvHeads: 2, headDim: 8, inner: 64, maxPos: 128, convKernel: 3, stateDim: 4 },
  micro: { hidden: 16, layers: 2, heads: 2, kvHeads: 1, headDim: 8, inner: 32, maxPos: 64, convKernel: 3, stateDim: 4 },
};

/**
 * transformers.js 4.3.2 builds no cache for a standalone trocr decoder: its normalized config for
 * trocr names decoder_layers under num_decoder_layers but not num_layers, so getCacheNames
 * returns none; each generation step then feeds only the newest token. The graph matches that.
 */
export const NO_CACHE_REASON =
  'transformers.js 4.3.2 feeds no cache to a standalone trocr decoder (its normalized config has no num_layers for trocr), so there is no cache to check';

/**
 * Writes a tiny `modelType` decoder: onnx/model.onnx, config.json (the type's own keys),
 * generation_config.json, tokenizer.json, tokenizer_config.json.
 */
export async function synthesizeDecoder(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions & { faults?: GraphFaults },
): Promise<SynthesizedModel<DecoderFacts>> {
  const spec = DECODER_SPECS[modelType];
  if (!spec)
    throw new Error(
      `decoder plugin cannot synthesize "${modelType}": it is not one of ${Object.keys(DECODER_SPECS).length} decoder types it knows`,
    );
  const tok = decoderTokenizer(spec);
  const size = SIZES[opts.size];
  const d: Dims = {
    ...size,
    vocab: tok.files.vocabSize,
    kvHeads: spec.arch.cache === 'fused' ? 1 : spec.arch.gqa ? size.kvHeads : size.heads,
  };
  const config: Record<string, unknown> = {
    model_type: modelType,
    architectures: [spec.architecture],
    ...spec.config(d, tok.ids),
    torch_dtype: 'float32',
    transformers_version: '4.57.0',
    hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
  };
  const graph = buildDecoderGraph(spec.arch, d, opts.seed, opts.faults);
  const files = await saveGraph(graph, join(dir, 'onnx', 'model.onnx'));
  files.push(await writeJson(join(dir, 'config.json'), config));
  files.push(
    await writeJson(join(dir, 'generation_config.json'), {
      bos_token_id: tok.ids.bos,
      eos_token_id: tok.ids.eos,
      pad_token_id: tok.ids.pad,
      do_sample: false,
      transformers_version: '4.57.0',
    }),
  );
  files.push(await writeJson(join(dir, 'tokenizer.json'), tok.files.tokenizerJson));
  files.push(await writeJson(join(dir, 'tokenizer_config.json'), tok.files.tokenizerConfig));
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random ${modelType} decoder synthesized by hf-core (seed ${opts.seed}). Not a trained model.\n`,
  );
  const kinds = spec.arch.layers?.(d.layers) ?? Array(d.layers).fill('attention');
  const pastNames = opts.faults?.noCache ? [] : cacheNames(spec.arch, kinds, 'past');
  const facts: DecoderFacts = {
    vocabSize: d.vocab,
    padId: tok.ids.pad,
    eosId: tok.ids.eos,
    pastNames,
    inputNames: [
      'input_ids',
      'attention_mask',
      ...(spec.arch.positionIds ? ['position_ids'] : []),
      ...(spec.arch.tokenTypeIds ? ['token_type_ids'] : []),
      ...pastNames,
    ],
    maxPositions: d.maxPos,
    ...(modelType === 'gemma3_text' ? { positionStart: 1 } : {}),
    ...(spec.arch.cache === 'none' ? { noCacheReason: NO_CACHE_REASON } : {}),
  };
  return {
    dir,
    files: files.map((f) => f.slice(dir.length + 1)),
    synthesized: true,
    facts,
  };
}
