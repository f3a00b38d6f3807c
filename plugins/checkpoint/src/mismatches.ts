/**
 * Where a folder's config (config.json, else genai_config.json) contradicts its graphs: the
 * embedding's rows against vocab_size, the declared cache layers against the layer count, fixed
 * image sides against image_size, fixed mel bins against num_mel_bins. Each sentence names the
 * config file, the ONNX file and both numbers.
 */
import { cacheLayout } from '@hf-core/harness';
import { configNum, type GenaiConfig, type Json } from './folder-config.ts';
import type { PlannedFile } from './plan.ts';

export function configMismatches(
  files: PlannedFile[],
  config: Json | undefined,
  genai: GenaiConfig | undefined,
  patterns: [string, string][],
): string[] {
  const out: string[] = [];
  const source = (fromConfig: boolean) => (fromConfig ? 'config.json' : 'genai_config.json');
  const embedded = files.find((f) => f.header.embeddingRows !== undefined);
  const vocab = configNum(config, ['vocab_size']);
  const anyVocab = vocab ?? genai?.vocabSize;
  if (anyVocab !== undefined && embedded && anyVocab !== embedded.header.embeddingRows)
    out.push(
      `${source(vocab !== undefined)} vocab_size is ${anyVocab}, but the embedding table that input_ids index in ${embedded.path} has ${embedded.header.embeddingRows} rows`,
    );
  const layers = configNum(config, ['num_hidden_layers', 'n_layer', 'num_layers', 'decoder_layers']);
  const anyLayers = layers ?? genai?.layers;
  for (const f of files) {
    const layout = cacheLayout(f.header.inputs, f.header.outputs, patterns);
    if (layout.kind === 'none' || anyLayers === undefined || /encoder/.test(f.component)) continue;
    if (layout.layers !== anyLayers)
      out.push(
        `${source(layers !== undefined)} says ${anyLayers} layers, but ${f.path} declares a KV cache for ${layout.layers}`,
      );
  }
  const imageSize = configNum(config, ['image_size']);
  const melBins = configNum(config, ['num_mel_bins']);
  for (const f of files) {
    for (const i of f.header.inputs) {
      const fixed = (axis: number) => (typeof i.dims[axis] === 'number' ? (i.dims[axis] as number) : undefined);
      if (i.name === 'pixel_values' && imageSize !== undefined) {
        const sides = [fixed(2), fixed(3)].filter((x) => x !== undefined);
        if (sides.some((x) => x !== imageSize))
          out.push(
            `config.json image_size is ${imageSize}, but ${f.path} takes pixel_values of fixed size [${i.dims.join(', ')}]`,
          );
      }
      if (i.name === 'input_features' && melBins !== undefined && fixed(1) !== undefined && fixed(1) !== melBins)
        out.push(
          `config.json num_mel_bins is ${melBins}, but ${f.path} takes input_features with ${fixed(1)} mel bins`,
        );
    }
  }
  return out;
}
