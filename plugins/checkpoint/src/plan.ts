/**
 * The test plan of a real checkpoint folder, from its files alone: which ONNX files of which
 * dtype, each file's declared inputs and outputs, feed sizes from config.json and the graph,
 * where config and graph disagree, whether generation and the pipeline level can run.
 * Synchronous, so a generated test can build it while vitest collects its tests.
 */
import { join } from 'node:path';
import {
  defaultDtype,
  discoverModelFolder,
  HfCoreError,
  parityToleranceOf,
  pathEscape,
  type EngineSession,
  type ValueInfo,
} from '@hf-core/core';
import { cacheLayout, referencePathRefusals, type FeedFacts } from '@hf-core/harness';
import {
  configNum,
  genaiCachePatterns,
  readGenaiConfig,
  readJsonObject,
  tokenizerIdSpace,
  type GenaiConfig,
  type Json,
} from './folder-config.ts';
import { externalDataProblems, readOnnxHeader, type OnnxHeader } from './onnx-header.ts';
import { configMismatches } from './mismatches.ts';
import { pipelinePlan, type PipelinePlan } from './pipeline-plan.ts';

export interface PlannedFile {
  path: string;
  component: string;
  externalData: string[];
  header: OnnxHeader;
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
  config?: Json;
  /** Why config.json could not be used (unreadable, not an object), when so. */
  configProblem?: string;
  /** ONNX Runtime GenAI's genai_config.json, when the folder has one. */
  genai?: GenaiConfig;
  /** Cache name templates the folder's config declares (genai_config.json), beside hf-core's own. */
  cachePatterns: [string, string][];
  /**
   * New tokens of a step over a non-empty cache: 1 where the graph only decodes one token at a
   * time over a past (onnxruntime-genai exports, GroupQueryAttention), else 4. `stepReason` says why.
   */
  stepTokens: number;
  stepReason: string;
  /** How many token ids tokenizer.json can produce (vocabulary and added tokens), when it is readable. */
  tokenizerIds?: number;
  /** tokenizer.json can produce ids the embedding has no row for, when so (file and numbers). */
  tokenizerProblem?: string;
  /**
   * The numeric precision of the graphs: `dtype`, or fp16 where files without a dtype suffix
   * compute in float16 (onnxruntime-genai's fp16 exports name theirs model.onnx).
   */
  precision: string;
  feed: FeedFacts;
  /** Where config.json and the graph disagree (vocabulary size, layer count). */
  mismatches: string[];
  /**
   * The decoder file that generation runs on, when one takes input_ids (or inputs_embeds made by
   * an embedding file from input_ids) and a KV cache and returns logits.
   */
  generation?: GenerationPlan;
  /** An encoder and a decoder file: generation runs the encoder, then the decoder step by step. */
  seq2seq?: { encoder: string; decoder: string };
  pipeline: PipelinePlan;
}

/** Declared inputs of a file: from the engine's session metadata, else from the file's header. */
export const inputsOf = (s: EngineSession, f: PlannedFile): readonly ValueInfo[] =>
  s.inputs?.length ? s.inputs : f.header.inputs;
export const outputsOf = (s: EngineSession, f: PlannedFile): readonly ValueInfo[] =>
  s.outputs?.length ? s.outputs : f.header.outputs;

export interface GenerationPlan {
  path: string;
  layout: 'per-layer' | 'stacked';
  layers: number;
  /** The embedding file that turns input_ids into the decoder's inputs_embeds (split exports). */
  embed?: { path: string; output: string };
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
  // Everything the folder names is resolved before anything of it is used: one refusal (a path
  // out of the folder, a loop, a fifo) refuses the folder, naming each file and field.
  const refused = [...folder.refused];
  const invalid: string[] = [];
  const dataProblems: string[] = [];
  const files: PlannedFile[] = [];
  for (const f of chosen) {
    let header: OnnxHeader;
    try {
      header = readOnnxHeader(join(dir, f.path));
    } catch (err) {
      invalid.push((err as Error).message);
      continue;
    }
    const data = externalDataProblems(dir, f.path, header);
    refused.push(...data.refused);
    dataProblems.push(...data.problems);
    files.push({ path: f.path, component: f.component, externalData: f.externalData, header });
  }
  // The other variants are not loaded, but a path out of the folder in any of them refuses it too.
  for (const f of folder.files.filter((x) => !chosen.includes(x))) refused.push(...otherVariantRefusals(dir, f.path));
  const read = readJsonObject(dir, 'config.json');
  const config = read.value;
  const genaiRead = readGenaiConfig(dir);
  const genai = genaiRead.config;
  refused.push(...(read.refused ? [read.refused] : []), ...genaiRead.refused, ...referencePathRefusals(dir));
  if (refused.length) throw pathEscape([...new Set(refused)]);
  if (invalid.length)
    throw new HfCoreError(invalid.join('; '), {
      code: 'ONNX_INVALID',
      hint: 'Re-export the model, or remove the broken file from the folder.',
    });
  if (dataProblems.length)
    throw new HfCoreError(`${dataProblems.join('; ')}.`, {
      code: 'EXTERNAL_DATA',
      hint: 'Copy the complete external data file(s) beside the .onnx file (downloads that stopped half-way leave them short).',
    });
  const configProblem = [read.problem, genaiRead.problem].filter(Boolean).join('; ') || undefined;
  const cachePatterns = genai?.decoder ? genaiCachePatterns(genai.decoder) : [];
  const embedded = files.find((f) => f.header.embeddingRows !== undefined);
  const embeddingRows = embedded?.header.embeddingRows;
  const configVocab = configNum(config, ['vocab_size']) ?? genai?.vocabSize;
  const mismatches = configMismatches(files, config, genai, cachePatterns);
  const generation = generationPlan(files, genai, cachePatterns);
  const component = (c: string) => files.find((f) => f.component === c);
  const encoder = component('encoder_model');
  const decoder = component('decoder_model') ?? component('decoder_model_merged');
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
  const tokens = tokenizerIdSpace(dir);
  const tokenizerProblem =
    tokens && vocab !== undefined && tokens.ids > vocab
      ? `${tokens.file} produces token ids up to ${tokens.ids - 1}, but ${embedded?.path ?? 'the model'} has ${vocab} embedding rows (ids 0..${vocab - 1}): text it tokenizes would index past the embedding`
      : undefined;
  const gqa = files.some((f) => f.header.ops['com.microsoft:GroupQueryAttention']);
  const step = genai
    ? { tokens: 1, reason: 'onnxruntime-genai feeds one token per step over a past (genai_config.json)' }
    : gqa
      ? { tokens: 1, reason: 'GroupQueryAttention takes one token per step over a past' }
      : { tokens: 4, reason: 'several new tokens over a past, as a chunked prefill' };
  const hasLogitsCache = files.some(
    (f) =>
      f.header.outputs.some((o) => o.name === 'logits') &&
      cacheLayout(f.header.inputs, f.header.outputs, cachePatterns).kind !== 'none',
  );
  return {
    dir,
    dtype,
    subfolder: folder.subfolder,
    files,
    reference,
    ...(noReference ? { noReference } : {}),
    ...(parityToleranceOf(dtype) !== undefined ? { tolerance: parityToleranceOf(dtype) } : {}),
    ...(config ? { config } : {}),
    ...(configProblem ? { configProblem } : {}),
    ...(genai ? { genai } : {}),
    cachePatterns,
    stepTokens: step.tokens,
    stepReason: step.reason,
    ...(tokens ? { tokenizerIds: tokens.ids } : {}),
    ...(tokenizerProblem ? { tokenizerProblem } : {}),
    precision:
      dtype === 'fp32' &&
      files.every((f) => f.header.outputs.every((o) => !o.type.startsWith('float') || o.type === 'float16'))
        ? 'fp16'
        : dtype,
    feed,
    mismatches,
    ...(generation ? { generation } : {}),
    ...(encoder && decoder ? { seq2seq: { encoder: encoder.path, decoder: decoder.path } } : {}),
    pipeline: pipelinePlan({
      dir,
      folder,
      files,
      config,
      configProblem,
      genai,
      tokenizerProblem,
      runtimeSupport: opts.runtimeSupport,
      generate: !!generation || hasLogitsCache,
    }),
  };
}

/** External data refusals of a file not under test; a header that does not read is that variant's problem. */
function otherVariantRefusals(dir: string, path: string): string[] {
  try {
    return externalDataProblems(dir, path, readOnnxHeader(join(dir, path))).refused;
  } catch {
    return [];
  }
}

/**
 * The file greedy generation runs on: genai_config.json's decoder when it names one, else the
 * first file that takes input_ids and a cache and returns logits without encoder states. A
 * decoder that takes inputs_embeds runs behind the embedding file that makes them.
 */
function generationPlan(
  files: PlannedFile[],
  genai: GenaiConfig | undefined,
  patterns: [string, string][],
): GenerationPlan | undefined {
  const named = genai?.decoder ? files.find((f) => f.path.endsWith(genai.decoder!.filename)) : undefined;
  for (const f of named ? [named] : files) {
    const layout = cacheLayout(f.header.inputs, f.header.outputs, patterns);
    if (layout.kind === 'none' || !Object.keys(layout.pastToPresent).length) continue;
    const takes = (n: string) => f.header.inputs.some((i) => i.name === n);
    if (!f.header.outputs.some((o) => o.name === 'logits') || f.header.inputs.some((i) => /encoder/.test(i.name)))
      continue;
    const base = { path: f.path, layout: layout.kind, layers: layout.layers };
    if (takes('input_ids')) return base;
    if (!takes('inputs_embeds')) continue;
    const embed = files.find(
      (e) =>
        e !== f &&
        e.header.inputs.some((i) => i.name === 'input_ids') &&
        e.header.outputs.some((o) => o.name === 'inputs_embeds'),
    );
    if (embed) return { ...base, embed: { path: embed.path, output: 'inputs_embeds' } };
  }
  return undefined;
}

/** Contrib (non-default-domain) operators a file uses, e.g. `com.microsoft:FastGelu`. */
export const contribOps = (h: OnnxHeader) => Object.keys(h.ops).filter((k) => !k.startsWith('ai.onnx:'));
