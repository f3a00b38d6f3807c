/**
 * Parity with a reference implementation: a model folder's `reference.json` holds the outputs
 * the reference (PyTorch transformers) gave for fixed inputs; the backend's session of the same
 * file, fed the same inputs, must match within the dtype's tolerance. Format
 * `hf-core-reference/1`: { format, producer, dtype, cases: [{ name, file, inputs, outputs }] },
 * each tensor { type, dims, data } with data a flat row-major array of numbers.
 */
import { join } from 'node:path';
import { isRefused, readTextInside, resolveInside } from '@hf-core/core/paths';
import type { Feeds, TensorData, TensorType, ValueInfo } from '@hf-core/core';
import { CheckFailure, SkipCheck } from './errors.ts';
import type { Harness } from './harness.ts';
import { floatToHalf } from './metadata-feeds.ts';
import { maxAbsDiff, tensor, toNumbers } from './tensors.ts';

export const REFERENCE_FILE = 'reference.json';
export const REFERENCE_FORMAT = 'hf-core-reference/1';

export interface ReferenceTensor {
  type: TensorType;
  dims: number[];
  data: number[];
}

export interface ReferenceCase {
  name: string;
  /** The ONNX file (relative to the folder) whose input and output names the case uses. */
  file: string;
  inputs: Record<string, ReferenceTensor>;
  outputs: Record<string, ReferenceTensor>;
}

export interface ReferenceFile {
  format: typeof REFERENCE_FORMAT;
  producer: Record<string, unknown>;
  /** dtype of the model the reference outputs came from (`fp32`). */
  dtype: string;
  cases: ReferenceCase[];
}

/** Max abs difference allowed against an fp32 reference, for the dtype of the file under test. */
export const REFERENCE_TOLERANCE: Readonly<Record<string, number>> = Object.freeze({ fp32: 1e-4, fp16: 2e-2 });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkTensor(where: string, v: unknown): ReferenceTensor {
  if (
    !isObject(v) ||
    typeof v.type !== 'string' ||
    !Array.isArray(v.dims) ||
    !v.dims.every((d) => Number.isSafeInteger(d) && d >= 0) ||
    !Array.isArray(v.data) ||
    !v.data.every((x) => typeof x === 'number')
  )
    throw new CheckFailure(`${where} is not a tensor { type, dims (whole numbers), data (numbers) }`);
  const size = (v.dims as number[]).reduce((a, b) => a * b, 1);
  if (v.data.length !== size)
    throw new CheckFailure(`${where} has ${v.data.length} values, but its dims [${v.dims.join(', ')}] hold ${size}`);
  return v as unknown as ReferenceTensor;
}

/** The text of `reference.json` of `dir` (undefined when absent), or a CheckFailure naming why it is not read. */
function referenceText(dir: string): string | undefined {
  const read = readTextInside(dir, REFERENCE_FILE);
  if (read.refused || read.problem) throw new CheckFailure((read.refused ?? read.problem)!);
  return read.text;
}

/** Where reference.json case `i` names a `file` that leaves the folder: the sentence, else undefined. */
function caseFileRefusal(dir: string, file: string, i: number): string | undefined {
  const r = resolveInside(dir, file, { what: `${REFERENCE_FILE}: cases[${i}].file ${JSON.stringify(file)}` });
  return isRefused(r) ? r.problem : undefined;
}

/**
 * Paths reference.json names that hf-core refuses (never opened): the file itself when it leaves
 * the folder or is not a regular file, and each case's `file` that leaves the folder. A malformed
 * file is not refused here; the reference-parity check says what is wrong with it.
 */
export function referencePathRefusals(dir: string): string[] {
  const read = readTextInside(dir, REFERENCE_FILE);
  if (read.refused) return [read.refused];
  let raw: unknown;
  try {
    raw = read.text === undefined ? undefined : JSON.parse(read.text);
  } catch {
    return [];
  }
  const cases = isObject(raw) && Array.isArray(raw.cases) ? raw.cases : [];
  return cases.flatMap((c: unknown, i: number) => {
    const why = isObject(c) && typeof c.file === 'string' ? caseFileRefusal(dir, c.file, i) : undefined;
    return why ? [why] : [];
  });
}

/** Reads and checks `reference.json` of `dir`; undefined when the folder has none. Errors name the field. */
export function readReference(dir: string): ReferenceFile | undefined {
  const path = join(dir, REFERENCE_FILE);
  const text = referenceText(dir);
  if (text === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CheckFailure(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(raw) || raw.format !== REFERENCE_FORMAT)
    throw new CheckFailure(
      `${path}: "format" is ${JSON.stringify(isObject(raw) ? raw.format : raw)}, expected "${REFERENCE_FORMAT}"`,
    );
  if (!Array.isArray(raw.cases) || !raw.cases.length) throw new CheckFailure(`${path}: "cases" is empty or missing`);
  const cases = raw.cases.map((c: unknown, i: number): ReferenceCase => {
    const where = `${path}: cases[${i}]`;
    if (!isObject(c) || typeof c.file !== 'string' || !isObject(c.inputs) || !isObject(c.outputs))
      throw new CheckFailure(`${where} needs "file", "inputs" and "outputs"`);
    const outside = caseFileRefusal(dir, c.file, i);
    if (outside) throw new CheckFailure(outside);
    const map = (o: Record<string, unknown>, kind: string) =>
      Object.fromEntries(Object.entries(o).map(([k, v]) => [k, checkTensor(`${where}.${kind}.${k}`, v)]));
    return {
      name: typeof c.name === 'string' ? c.name : `case${i}`,
      file: c.file,
      inputs: map(c.inputs, 'inputs'),
      outputs: map(c.outputs, 'outputs'),
    };
  });
  return {
    format: REFERENCE_FORMAT,
    producer: isObject(raw.producer) ? raw.producer : {},
    dtype: typeof raw.dtype === 'string' ? raw.dtype : 'fp32',
    cases,
  };
}

/** A reference tensor as the session takes it (its declared type wins: float16 inputs of an fp16 file). */
function feedTensor(t: ReferenceTensor, declared: string | undefined): TensorData {
  const type = (declared && declared !== 'unknown' ? declared : t.type) as TensorType;
  if (type === 'float16') return { type, dims: [...t.dims], data: Uint16Array.from(t.data, floatToHalf) };
  return tensor(type, t.data, t.dims);
}

export interface ReferenceTarget {
  /** The file of this dtype that stands for the case's file (e.g. onnx/model_fp16.onnx for onnx/model.onnx). */
  file: string;
  dtype: string;
}

/**
 * Each case's inputs through this backend's session of its file (or `target(file)`, the file of
 * the dtype under test), every reference output within the dtype's max abs difference (fp32:
 * 1e-4). Reports the max abs difference per output in `maxAbsDiff`. A case whose file is not in
 * the folder fails, naming it.
 */
export async function checkReferenceParity(
  h: Harness,
  target: (file: string) => ReferenceTarget = (file) => ({ file, dtype: 'fp32' }),
): Promise<Record<string, unknown>> {
  const ref = readReference(h.modelDir);
  if (!ref) throw new SkipCheck(`no ${REFERENCE_FILE} in the folder`);
  const maxDiff: Record<string, number> = {};
  const tolerances: Record<string, number> = {};
  const bad: string[] = [];
  for (const c of ref.cases) {
    const { file, dtype } = target(c.file);
    const at = resolveInside(h.modelDir, file);
    if (isRefused(at)) throw new CheckFailure(at.problem);
    if (!at.exists)
      throw new CheckFailure(`${REFERENCE_FILE} case "${c.name}" names ${file}, which is not in ${h.modelDir}`);
    const tol = REFERENCE_TOLERANCE[dtype] ?? 0.1;
    const session = await h.session(file);
    const declared = new Map<string, ValueInfo>((session.inputs ?? []).map((i) => [i.name, i]));
    const feeds: Feeds = {};
    // An input the graph does not take (the exporter pruned an unused one) is not fed.
    for (const [name, t] of Object.entries(c.inputs))
      if (session.inputNames.includes(name)) feeds[name] = feedTensor(t, declared.get(name)?.type);
    const missing = session.inputNames.filter((n) => !(n in feeds));
    if (missing.length)
      throw new CheckFailure(`${REFERENCE_FILE} case "${c.name}" gives no ${missing.join(', ')}, which ${file} takes`);
    const got = await session.run(feeds, Object.keys(c.outputs));
    for (const [name, want] of Object.entries(c.outputs)) {
      const key = ref.cases.length > 1 ? `${c.name}:${name}` : name;
      const g = got[name];
      if (!g) throw new CheckFailure(`${file} returned no "${name}" (${REFERENCE_FILE} case "${c.name}" has it)`);
      if (g.dims.join() !== want.dims.join())
        throw new CheckFailure(
          `${file}: "${name}" has shape [${g.dims.join(', ')}], the reference [${want.dims.join(', ')}] (case "${c.name}")`,
        );
      const d = maxAbsDiff(
        { type: 'float32', dims: g.dims, data: Float32Array.from(toNumbers(g)) },
        tensor('float32', want.data, want.dims),
      );
      maxDiff[key] = d;
      tolerances[key] = tol;
      if (!(d <= tol)) bad.push(`${key} differs by ${d.toExponential(3)} (tolerance ${tol} for ${dtype})`);
    }
  }
  const producer = [ref.producer.tool, ref.producer.transformers && `transformers ${ref.producer.transformers}`]
    .filter(Boolean)
    .join(', ');
  const details = { maxAbsDiff: maxDiff, tolerance: tolerances, producer: ref.producer };
  if (bad.length)
    throw new CheckFailure(
      `outputs against ${REFERENCE_FILE}${producer ? ` (${producer})` : ''}: ${bad.join(', ')}`,
      details,
    );
  return details;
}
