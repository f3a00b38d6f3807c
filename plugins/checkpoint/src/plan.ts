/**
 * The test plan of a real checkpoint folder, from its files alone: which ONNX files of which
 * dtype, each file's declared inputs and outputs, feed sizes from config.json and the graph,
 * where config and graph disagree, whether generation and the pipeline level can run.
 * Synchronous, so a generated test can build it while vitest collects its tests.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDtype, discoverModelFolder, HfCoreError, parityToleranceOf } from '@hf-core/core';
import { cacheLayout, type FeedFacts } from '@hf-core/harness';
import { externalDataProblems, readOnnxHeader, type OnnxHeader } from './onnx-header.ts';

export interface PlannedFile {
  path: string;
  component: string;
  externalData: string[];
  header: OnnxHeader;
}

export interface PipelinePlan {
  /** `text`: tokenizer files; `vision` / `audio`: a processor; `none`: session level only. */
  kind: 'text' | 'vision' | 'audio' | 'none';
  /** Why the pipeline level does or does not run. */
  reason: string;
  generate: boolean;
}

export interface CheckpointPlan {
  dir: string;
  dtype: string;
  /** `onnx` or `` (ONNX files at the top of the folder). */
  subfolder: string;
  files: PlannedFile[];
  /** fp32 files by component, for parity of a lighter dtype. */
  reference: Record<string, string>;
  /** Why fp32 is not loaded for parity (it went past the memory cap), when so. */
  noReference?: string;
  /** Relative tolerance of this dtype against fp32. */
  tolerance?: number;
  config?: Record<string, unknown>;
  feed: FeedFacts;
  /** Where config.json and the graph disagree (vocabulary size, layer count). */
  mismatches: string[];
  /** The decoder file that generation runs on, when one takes input_ids and a KV cache and returns logits. */
  generation?: { path: string; layout: 'per-layer' | 'stacked'; layers: number };
  pipeline: PipelinePlan;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function readConfig(dir: string): Record<string, unknown> | undefined {
  const p = join(dir, 'config.json');
  if (!existsSync(p)) return undefined;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new HfCoreError(`${p} is not valid JSON: ${(err as Error).message}.`, {
      code: 'CONFIG_INVALID',
      hint: 'Fix or remove config.json; the session level runs without it.',
    });
  }
}

/** A config value, looked up in the top level and then in text/vision/audio sub-configs. */
function configNum(config: Record<string, unknown> | undefined, keys: string[]): number | undefined {
  if (!config) return undefined;
  const scopes = [
    config,
    ...['text_config', 'decoder', 'vision_config', 'audio_config']
      .map((k) => config[k] as Record<string, unknown> | undefined)
      .filter(Boolean),
  ];
  for (const s of scopes) for (const k of keys) if (num(s![k]) !== undefined) return num(s![k]);
  return undefined;
}

function pipelinePlan(
  dir: string,
  folder: ReturnType<typeof discoverModelFolder>,
  config: Record<string, unknown> | undefined,
  runtimeSupport: string | undefined,
  generation: boolean,
): PipelinePlan {
  const none = (reason: string): PipelinePlan => ({ kind: 'none', reason, generate: false });
  if (!config) return none(`session level only: ${dir} has no config.json, which transformers.js needs`);
  if (typeof config.model_type !== 'string') return none('session level only: config.json has no model_type');
  if (runtimeSupport === 'unsupported')
    return none(`session level only: transformers.js does not support model_type "${config.model_type}"`);
  if (folder.hasTokenizer)
    return { kind: 'text', reason: 'config.json, tokenizer files and a known model_type', generate: generation };
  if (folder.hasProcessor) {
    const audio = configNum(config, ['num_mel_bins', 'feature_size']) !== undefined;
    return {
      kind: audio ? 'audio' : 'vision',
      reason: 'config.json, processor files and a known model_type',
      generate: false,
    };
  }
  return none(`session level only: ${dir} has no tokenizer.json / vocab file and no preprocessor_config.json`);
}

/**
 * Plans the test of `dir` at `dtype` (default: fp32 when present). Throws an HfCoreError naming
 * the file when the folder has no ONNX file, the dtype is absent, or external data is missing or
 * truncated.
 */
export function planCheckpoint(
  dir: string,
  opts: { dtype?: string; runtimeSupport?: string; fallbackFrom?: string } = {},
): CheckpointPlan {
  const folder = discoverModelFolder(dir);
  const dtype = opts.dtype ?? defaultDtype(folder);
  const chosen = folder.variants[dtype];
  if (!chosen) {
    throw new HfCoreError(`${dir} has no ${dtype} variant (it has ${Object.keys(folder.variants).join(', ')}).`, {
      code: 'NO_VARIANT',
      hint: 'Pick a dtype the folder has with --dtype.',
    });
  }
  const files: PlannedFile[] = chosen.map((f) => {
    const path = join(dir, f.path);
    let header: OnnxHeader;
    try {
      header = readOnnxHeader(path);
    } catch (err) {
      throw new HfCoreError((err as Error).message, {
        code: 'ONNX_INVALID',
        hint: 'Re-export the model, or remove the broken file from the folder.',
      });
    }
    const problems = externalDataProblems(path, header);
    if (problems.length)
      throw new HfCoreError(`${problems.join('; ')}.`, {
        code: 'EXTERNAL_DATA',
        hint: 'Copy the complete external data file(s) beside the .onnx file (downloads that stopped half-way leave them short).',
      });
    return { path: f.path, component: f.component, externalData: f.externalData, header };
  });
  const config = readConfig(dir);
  const embeddingRows = files.map((f) => f.header.embeddingRows).find((r) => r !== undefined);
  const configVocab = configNum(config, ['vocab_size']);
  const mismatches: string[] = [];
  if (configVocab !== undefined && embeddingRows !== undefined && configVocab !== embeddingRows) {
    mismatches.push(
      `config.json vocab_size is ${configVocab}, but the embedding table that input_ids index in ${files.find((f) => f.header.embeddingRows !== undefined)!.path} has ${embeddingRows} rows`,
    );
  }
  const configLayers = configNum(config, ['num_hidden_layers', 'n_layer', 'num_layers', 'decoder_layers']);
  let generation: CheckpointPlan['generation'];
  for (const f of files) {
    const layout = cacheLayout(f.header.inputs, f.header.outputs);
    if (layout.kind === 'none') continue;
    if (configLayers !== undefined && layout.layers !== configLayers && !/encoder/.test(f.component)) {
      mismatches.push(
        `config.json says ${configLayers} layers, but ${f.path} declares a KV cache for ${layout.layers}`,
      );
    }
    const ids = f.header.inputs.some((i) => i.name === 'input_ids');
    const logits = f.header.outputs.some((o) => o.name === 'logits');
    const crossInputs = f.header.inputs.some((i) => /encoder/.test(i.name));
    if (ids && logits && !crossInputs && !generation && Object.keys(layout.pastToPresent).length)
      generation = { path: f.path, layout: layout.kind, layers: layout.layers };
  }
  const reference: Record<string, string> = {};
  // After an oom of a heavier variant, loading fp32 beside this one would go past the cap again.
  const noReference = opts.fallbackFrom
    ? `this run is the fallback after ${opts.fallbackFrom} went past the memory cap, so fp32 is not loaded beside it`
    : undefined;
  if (dtype !== 'fp32' && !noReference) for (const f of folder.variants.fp32 ?? []) reference[f.component] = f.path;
  const vocab = embeddingRows ?? configVocab;
  const feed: FeedFacts = {
    ...(vocab !== undefined ? { vocabSize: Math.min(vocab, configVocab ?? vocab) } : {}),
    ...(configNum(config, ['image_size']) !== undefined ? { imageSize: configNum(config, ['image_size']) } : {}),
    ...(configNum(config, ['num_channels']) !== undefined ? { numChannels: configNum(config, ['num_channels']) } : {}),
    ...(configNum(config, ['num_mel_bins']) !== undefined ? { melBins: configNum(config, ['num_mel_bins']) } : {}),
  };
  return {
    dir,
    dtype,
    subfolder: folder.subfolder,
    files,
    reference,
    ...(noReference ? { noReference } : {}),
    ...(parityToleranceOf(dtype) !== undefined ? { tolerance: parityToleranceOf(dtype) } : {}),
    ...(config ? { config } : {}),
    feed,
    mismatches,
    ...(generation ? { generation } : {}),
    pipeline: pipelinePlan(
      dir,
      folder,
      config,
      opts.runtimeSupport,
      !!generation ||
        files.some(
          (f) =>
            f.header.outputs.some((o) => o.name === 'logits') &&
            cacheLayout(f.header.inputs, f.header.outputs).kind !== 'none',
        ),
    ),
  };
}

/** Contrib (non-default-domain) operators a file uses, e.g. `com.microsoft:FastGelu`. */
export const contribOps = (h: OnnxHeader) => Object.keys(h.ops).filter((k) => !k.startsWith('ai.onnx:'));
