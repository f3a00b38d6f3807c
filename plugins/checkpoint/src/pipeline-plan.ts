/**
 * Whether a checkpoint folder reaches the pipeline level (transformers.js loads and runs it), and
 * when not, every reason why: the report's `levelReason`.
 */
import { join } from 'node:path';
import type { ModelFolder } from '@hf-core/core';
import { readJsonObject, type GenaiConfig, type Json } from './folder-config.ts';
import type { OnnxHeader } from './onnx-header.ts';

export interface PipelinePlan {
  /** `text`: tokenizer files; `vision` / `audio`: a processor; `none`: session level only. */
  kind: 'text' | 'vision' | 'audio' | 'none';
  /** Why the pipeline level does or does not run. */
  reason: string;
  generate: boolean;
}

/** Files transformers.js loads by name (without dtype suffix), one of which a folder must have. */
const TRANSFORMERS_JS_FILES = [
  'model',
  'encoder_model',
  'decoder_model_merged',
  'vision_encoder',
  'embed_tokens',
  'audio_encoder',
  'text_model',
  'vision_model',
];

const AUDIO_INPUTS = new Set(['input_values', 'input_features']);

/** JSON files transformers.js reads beside the graphs when they are there. */
const SUPPORT_JSON = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'preprocessor_config.json',
  'processor_config.json',
  'generation_config.json',
];

/**
 * Support files transformers.js would load and fail on: one that does not read as a JSON object
 * (cut, not JSON, too large, out of the folder), a tokenizer.json without its `model`. Each names
 * the file (an absent one is none); the folder then runs at session level instead of failing inside transformers.js.
 */
export function supportFileProblems(dir: string): string[] {
  const out: string[] = [];
  for (const name of SUPPORT_JSON) {
    const { value, problem } = readJsonObject(dir, name);
    if (problem) out.push(`${problem}, and transformers.js loads it`);
    else if (name === 'tokenizer.json' && value && (typeof value.model !== 'object' || value.model === null))
      out.push(`${join(dir, name)} has no "model" object, which transformers.js's tokenizer needs`);
  }
  return out;
}

export interface PipelineInputs {
  dir: string;
  folder: ModelFolder;
  files: { path: string; component: string; header: OnnxHeader }[];
  config?: Json;
  configProblem?: string;
  genai?: GenaiConfig;
  tokenizerProblem?: string;
  runtimeSupport?: string;
  generate: boolean;
}

/** Why transformers.js cannot load this folder's files, when it cannot (file names alone). */
function fileNameProblem(p: PipelineInputs): string | undefined {
  const components = new Set(p.files.map((f) => f.component));
  const where = p.folder.subfolder ? `${p.folder.subfolder}/` : '';
  if (components.has('encoder_model') && !components.has('decoder_model_merged')) {
    const decoders = [...components].filter((c) => c.startsWith('decoder_model'));
    if (decoders.length)
      return `transformers.js generates with ${where}encoder_model.onnx and ${where}decoder_model_merged.onnx (one decoder with and without a cache); this folder has ${decoders.map((d) => `${d}.onnx`).join(', ')} and no merged decoder, so the encoder and the decoder run at session level, step by step`;
  }
  if (![...components].some((c) => TRANSFORMERS_JS_FILES.includes(c)))
    return `transformers.js loads ${where}model.onnx (or encoder_model / decoder_model_merged / vision_encoder / embed_tokens .onnx); this folder's graphs are ${p.files.map((f) => f.path).join(', ')}${p.genai ? ', laid out for onnxruntime-genai' : ''}`;
  return undefined;
}

/**
 * The pipeline plan: the level transformers.js can reach on this folder, with every reason it
 * cannot (no config, an unusable config, a model type it lacks, files it does not load, no
 * tokenizer or processor, a tokenizer larger than the embedding).
 */
export function pipelinePlan(p: PipelineInputs): PipelinePlan {
  const { dir, config, folder } = p;
  const audio = p.files.some((f) => f.header.inputs.some((i) => AUDIO_INPUTS.has(i.name)));
  const why: string[] = [];
  if (p.configProblem) why.push(p.configProblem);
  if (!config && !p.configProblem)
    why.push(
      p.genai
        ? `${dir} has no config.json (only onnxruntime-genai's genai_config.json), and transformers.js needs one`
        : `${dir} has no config.json, which transformers.js needs`,
    );
  if (config && typeof config.model_type !== 'string')
    why.push(
      `config.json has no model_type${config.model && typeof config.model === 'object' ? ' (it is onnxruntime-genai\'s hybrid config: a "model" block beside transformers fields)' : ''}, which transformers.js loads by`,
    );
  else if (config && p.runtimeSupport === 'unsupported')
    why.push(`transformers.js does not support model_type "${config.model_type}"`);
  const files = fileNameProblem(p);
  if (files) why.push(files);
  if (!folder.hasTokenizer && !folder.hasProcessor)
    why.push(`${dir} has no tokenizer.json / vocab file and no preprocessor_config.json`);
  why.push(...supportFileProblems(dir));
  // Not a blocker of its own (the tokenizer-matches-graph check fails at pipeline level), but
  // worth saying beside the others.
  if (why.length && p.tokenizerProblem) why.push(`also, ${p.tokenizerProblem}`);
  if (why.length) return { kind: 'none', reason: `session level only: ${why.join('; ')}`, generate: false };
  if (folder.hasProcessor && (audio || !folder.hasTokenizer))
    return {
      kind: audio ? 'audio' : 'vision',
      reason: 'config.json, processor files and a known model_type',
      generate: false,
    };
  return {
    kind: 'text',
    reason: 'config.json, tokenizer files and a known model_type',
    generate: p.generate,
  };
}
