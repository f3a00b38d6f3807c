/**
 * What a real model folder holds: its ONNX files (optimum's `model.onnx` at the top or under
 * `onnx/`, transformers.js's dtype-suffixed files, multi-file exports), each file's external
 * data, and the config / tokenizer / processor files the pipeline level needs. File system only:
 * reading a graph's inputs and outputs is the backend engine's job.
 */
import { readdirSync } from 'node:fs';
import { HfCoreError } from './errors.ts';
import { type InsidePath, isRefused, pathEscape, resolveInside } from './paths.ts';

/** transformers.js file suffix of each dtype (`onnx/<name><suffix>.onnx`), as in its utils/dtypes.js. */
export const DTYPE_SUFFIXES: Readonly<Record<string, string>> = Object.freeze({
  fp32: '',
  fp16: '_fp16',
  int8: '_int8',
  uint8: '_uint8',
  q8: '_quantized',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
  q2: '_q2',
  q2f16: '_q2f16',
  q1: '_q1',
  q1f16: '_q1f16',
});

export interface OnnxFile {
  /** Path relative to the model folder, with `/` separators: `onnx/model_q4.onnx`. */
  path: string;
  /** The file's name without dtype suffix and extension: `model`, `decoder_model_merged`. */
  component: string;
  dtype: string;
  bytes: number;
  /** External data files beside it (`model.onnx.data`, `model.onnx_data`, `model.onnx_data_1`), relative paths. */
  externalData: string[];
}

export interface ModelFolder {
  dir: string;
  /** Where the ONNX files are: `onnx` (transformers.js layout) or `` (optimum's top-level export). */
  subfolder: string;
  files: OnnxFile[];
  /** Files of each dtype present, heaviest dtype first. */
  variants: Record<string, OnnxFile[]>;
  hasConfig: boolean;
  /** tokenizer.json (or a vocabulary file) is present: a text pipeline can run. */
  hasTokenizer: boolean;
  /** preprocessor_config.json or processor_config.json is present: an image/audio pipeline can run. */
  hasProcessor: boolean;
  /** Other files a pipeline reads (config.json, tokenizer files, generation_config.json). */
  supportFiles: string[];
  /**
   * Entries hf-core will not open, each a sentence naming it: symlinks (at the top or under
   * `onnx/`) that leave the folder or loop, and support files that are not regular files.
   */
  refused: string[];
}

const SUFFIXES_LONGEST_FIRST = Object.entries(DTYPE_SUFFIXES)
  .filter(([, s]) => s)
  .sort((a, b) => b[1].length - a[1].length);

/** `decoder_model_merged_q4f16` -> { component: 'decoder_model_merged', dtype: 'q4f16' }. */
export function parseOnnxName(name: string): { component: string; dtype: string } {
  const base = name.replace(/\.onnx$/, '');
  for (const [dtype, suffix] of SUFFIXES_LONGEST_FIRST) {
    if (base.endsWith(suffix) && base.length > suffix.length)
      return { component: base.slice(0, -suffix.length), dtype };
  }
  return { component: base, dtype: 'fp32' };
}

const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'vocab.txt',
  'vocab.json',
  'merges.txt',
  'special_tokens_map.json',
  'spiece.model',
  'sentencepiece.bpe.model',
];
const SUPPORT_FILES = [
  'config.json',
  'generation_config.json',
  'preprocessor_config.json',
  'processor_config.json',
  ...TOKENIZER_FILES,
];
/** Heaviest first: the order variants are listed and lighter fallbacks are looked for. */
export const DTYPE_ORDER = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4f16', 'q4', 'bnb4', 'q2f16', 'q2', 'q1f16', 'q1'];

type EntryKind = NonNullable<InsidePath['kind']>;

/** Entries of `sub` (relative to `dir`) by kind, and those hf-core refuses, without opening any. */
function entriesOf(dir: string, sub: string): { names: Map<string, EntryKind>; refused: Refusal[] } {
  const names = new Map<string, EntryKind>();
  const refused: Refusal[] = [];
  const at = resolveInside(dir, sub || '.', { what: `${sub}/` });
  if (isRefused(at)) return { names, refused: sub ? [{ name: sub, problem: at.problem }] : [] };
  if (!at.exists || at.kind !== 'dir') return { names, refused };
  for (const e of readdirSync(at.real, { withFileTypes: true })) {
    const rel = sub ? `${sub}/${e.name}` : e.name;
    if (e.isFile()) names.set(e.name, 'file');
    else if (e.isDirectory()) names.set(e.name, 'dir');
    else {
      const r = resolveInside(dir, rel, { what: rel });
      if (isRefused(r)) refused.push({ name: e.name, problem: r.problem });
      else if (r.kind) names.set(e.name, r.kind);
    }
  }
  return { names, refused };
}

interface Refusal {
  name: string;
  problem: string;
}

const isExternalData = (onnx: string, m: string) =>
  m !== onnx && m.startsWith(onnx) && /^(\.data|_data)(_\d+)?$/.test(m.slice(onnx.length));

function onnxFilesIn(dir: string, sub: string): { files: OnnxFile[]; refused: Refusal[] } {
  const { names, refused } = entriesOf(dir, sub);
  const rel = (n: string) => (sub ? `${sub}/${n}` : n);
  const all = [...names.keys()];
  for (const [n, kind] of names) {
    const used = n.endsWith('.onnx') || all.some((o) => o.endsWith('.onnx') && isExternalData(o, n));
    if (used && kind !== 'file') refused.push({ name: n, problem: `${rel(n)} is a ${kind}, not a regular file` });
  }
  const files = all
    .filter((n) => n.endsWith('.onnx') && names.get(n) === 'file')
    .sort()
    .map((n) => {
      const r = resolveInside(dir, rel(n));
      return {
        path: rel(n),
        ...parseOnnxName(n),
        bytes: isRefused(r) ? 0 : (r.bytes ?? 0),
        externalData: all
          .filter((m) => isExternalData(n, m) && names.get(m) === 'file')
          .sort()
          .map(rel),
      };
    });
  return { files, refused };
}

/**
 * Lists a model folder's ONNX files and what else it holds. A folder with no `.onnx` file (at its
 * top or under `onnx/`) is an error that names the folder and what it has instead.
 */
export function discoverModelFolder(dir: string): ModelFolder {
  const at = resolveInside(dir, '.', { what: dir });
  if (isRefused(at) || !at.exists || at.kind !== 'dir') {
    throw new HfCoreError(`${dir} is not a folder.`, {
      code: 'MODEL_DIR_MISSING',
      hint: 'Pass the folder that holds the ONNX export (model.onnx or onnx/model.onnx).',
    });
  }
  const inOnnx = onnxFilesIn(dir, 'onnx');
  const atTop = onnxFilesIn(dir, '');
  const nested = inOnnx.files;
  const top = atTop.files;
  // transformers.js reads onnx/; a top-level file of the same name and dtype is a duplicate.
  const seen = new Set(nested.map((f) => `${f.component}\u0000${f.dtype}`));
  const files = [...nested, ...top.filter((f) => !seen.has(`${f.component}\u0000${f.dtype}`))];
  const support = SUPPORT_FILES.map((n) => ({ n, r: resolveInside(dir, n) }));
  const refused = [
    ...[...atTop.refused, ...inOnnx.refused].map((r) => r.problem),
    ...support.flatMap(({ n, r }) =>
      !isRefused(r) && r.exists && r.kind !== 'file' ? [`${n} is a ${r.kind}, not a regular file`] : [],
    ),
  ];
  if (!files.length) {
    if (refused.length) throw pathEscape(refused);
    const has = readdirSync(at.real).slice(0, 10);
    throw new HfCoreError(
      `${dir} has no ONNX file (looked for *.onnx at its top and under onnx/; it has ${has.join(', ') || 'nothing'}).`,
      {
        code: 'NO_ONNX',
        hint: 'Export the model first, e.g. `optimum-cli export onnx --model <id> <dir>`, or point at the folder that holds model.onnx.',
      },
    );
  }
  const variants: Record<string, OnnxFile[]> = {};
  for (const dtype of [...DTYPE_ORDER, ...new Set(files.map((f) => f.dtype))]) {
    const of = files.filter((f) => f.dtype === dtype);
    if (of.length && !variants[dtype]) variants[dtype] = of;
  }
  const present = (n: string) => support.some((s) => s.n === n && !isRefused(s.r) && s.r.kind === 'file');
  return {
    dir,
    subfolder: nested.length ? 'onnx' : '',
    files,
    variants,
    hasConfig: present('config.json'),
    hasTokenizer: present('tokenizer.json') || present('vocab.txt') || present('vocab.json'),
    hasProcessor: present('preprocessor_config.json') || present('processor_config.json'),
    supportFiles: SUPPORT_FILES.filter(present),
    refused,
  };
}

/**
 * True when `dir` has at least one `.onnx` file at its top or under `onnx/`, or names one that
 * hf-core refuses (a symlink out of the folder): such a folder is refused as a checkpoint, by name.
 */
export function hasOnnxFiles(dir: string): boolean {
  const has = (sub: string) => {
    const { files, refused } = onnxFilesIn(dir, sub);
    return files.length > 0 || refused.some((r) => r.name === 'onnx' || r.name.endsWith('.onnx'));
  };
  return has('onnx') || has('');
}
