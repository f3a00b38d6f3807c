/**
 * Contracts shared by every hf-core package: model references, classification, the result
 * schema, and what family and backend plugins provide. Types only; no behaviour lives here.
 */

import type { ClassificationBase, Family } from '@hf-core/catalog';
export { FAMILIES, type Family, type Confidence } from '@hf-core/catalog';

/** What the user asked for: a model type, a folder, a config file or object, or a hub id. */
export type ModelRef =
  | { kind: 'type'; modelType: string; ref: string }
  | { kind: 'folder'; path: string; ref: string }
  | { kind: 'config'; path?: string; config: Record<string, unknown>; ref: string }
  | { kind: 'hub'; id: string; revision?: string; ref: string };

export interface Classification extends ClassificationBase {
  /** Name of the plugin that claimed the model (set by core after the classify hook). */
  claimedBy?: string;
  /** The model folder on disk when the ref is (or resolved to) a folder. */
  modelDir?: string;
  /** The parsed config.json when one was read. */
  config?: Record<string, unknown>;
  /** The dtype variant of a real checkpoint to test (`fp32`, `fp16`, `q8`, `q4`...; see variants.ts). */
  dtype?: string;
  /** Set on a lighter variant run after an oom: the dtype that went past the memory cap. */
  fallbackFrom?: string;
}

export type CheckStatus = 'pass' | 'fail' | 'skip';
/**
 * How far a row got: `pipeline` (transformers.js), `session` (ONNX Runtime sessions), `reference`
 * (the reference implementation itself, PyTorch transformers).
 */
export type Level = 'pipeline' | 'session' | 'reference';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  message: string;
  level?: Level;
  /** Extra numbers a check reports, e.g. the max abs difference of a parity check. */
  details?: Record<string, unknown>;
}

export interface LatencyStats {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  mean: number;
  stdev: number;
  n: number;
}

export interface Metrics {
  load_ms?: number;
  first_forward_ms?: number;
  latency_ms?: LatencyStats;
  throughput_per_s?: number;
  peak_rss_mb?: number;
  peak_vram_mb?: number;
  prefill_ms?: number;
  decode_ms_per_token?: number;
  tokens_per_s?: number;
  [name: string]: number | LatencyStats | undefined;
}

/**
 * pass: every check that ran passed. fail: a check failed. skip: nothing could run (e.g. the
 * backend is unavailable), never counted as passed. error: the model could not be prepared or
 * loaded. crash / timeout / oom: the isolated process died, hung past its limit, or went past
 * its memory cap.
 */
export type ResultStatus = 'pass' | 'fail' | 'skip' | 'error' | 'crash' | 'timeout' | 'oom';
export const FAILING_STATUSES: readonly ResultStatus[] = ['fail', 'error', 'crash', 'timeout', 'oom'];

export interface ModelResult {
  ref: string;
  modelType: string | null;
  family: Family | null;
  backend: string;
  status: ResultStatus;
  reason: string;
  level: Level | null;
  /** Why the row is not at a higher level (what the next level is missing), or that it is at the highest. */
  levelReason?: string;
  checks: CheckResult[];
  metrics: Metrics;
  /** The folder tested, the files used, the generated test file. */
  model?: { dir?: string; files?: string[]; testFile?: string; dtype?: string; synthesized?: boolean };
  /** Evidence for crash / timeout / oom: signal, exit code, output tail, memory seen. */
  evidence?: Record<string, unknown>;
  /** Set when a lighter variant was used after an oom. */
  fallback?: string;
  started_at: string;
  duration_ms: number;
}

export interface RunSummary {
  tool: { name: 'hf-core'; version: string };
  started_at: string;
  finished_at: string;
  options: Record<string, unknown>;
  totals: Record<ResultStatus, number> & { total: number };
  results: ModelResult[];
}

/** A backend's answer to "can I run here?". */
export interface Detection {
  available: boolean;
  reason: string;
  versions: Record<string, string>;
}

export type TensorType = 'float32' | 'float16' | 'float64' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool' | 'string';

/** A runtime-neutral tensor, as engines take and return it. */
export interface TensorData {
  type: TensorType;
  dims: readonly number[];
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | Int8Array | Uint8Array | Uint16Array | string[];
}
export type Feeds = Record<string, TensorData>;

export interface ValueInfo {
  name: string;
  type: TensorType | string;
  /** Fixed dims as numbers, symbolic ones as their names. */
  dims: (number | string)[];
}

export interface EngineSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Declared input and output metadata, where the runtime exposes it. */
  readonly inputs?: readonly ValueInfo[];
  readonly outputs?: readonly ValueInfo[];
  run(feeds: Feeds, outputNames?: readonly string[]): Promise<Record<string, TensorData>>;
  release(): Promise<void>;
}

export interface SessionOptions {
  /** Threads for intra-op parallelism; engines set a fixed default so numbers are comparable. */
  threads?: number;
}

/**
 * What a backend plugin gives the test process: detection, a session factory, and (for
 * backends transformers.js drives in Node) the device name for pipeline-level checks.
 */
export interface BackendEngine {
  readonly name: string;
  detect(): Promise<Detection>;
  createSession(modelPath: string, options?: SessionOptions): Promise<EngineSession>;
  /** transformers.js `device` for pipeline-level checks; absent when only session level runs. */
  readonly transformersDevice?: 'cpu' | 'cuda' | 'webgpu';
  /** Backend-specific memory reading in MB (e.g. VRAM), if the backend can say. */
  memory?(): Promise<{ vram_mb?: number } | undefined>;
}

/** Options of `hf-core setup <backend>`: make the backend's runtime environment. */
export interface BackendSetupOptions {
  /** Where to make it (a virtual environment, a cache folder); the backend's default when absent. */
  dir?: string;
  /** Print what would run, run nothing. */
  dryRun?: boolean;
  /** Extra arguments for the installer (e.g. pip's `--index-url`). */
  installerArgs?: string[];
  log(line: string): void;
}

export interface BackendSetupResult {
  ok: boolean;
  /** What was made and how the backend finds it (e.g. `HF_CORE_PYTHON=...`), or why it failed. */
  message: string;
}

/** Options of `hf-core export`: a tiny model of a type (or of a folder's config) to ONNX. */
export interface ModelExportOptions {
  /** A model type (`bert`) or a folder / config.json whose model_type names it. */
  ref: string;
  outDir: string;
  seed: number;
  size?: 'tiny' | 'micro';
  timeoutMs?: number;
}

export interface ModelExportResult {
  status: 'pass' | 'fail' | 'skip';
  reason: string;
  modelType?: string;
  /** Files written, relative to outDir (onnx/model.onnx, reference.json, ...). */
  files?: string[];
  details?: Record<string, unknown>;
}

/**
 * A model prepared on disk for testing. `F` is the type of its facts: what the plugin that
 * prepared it knows and its template needs (vocab size, labels, image size). Core carries them
 * without reading them, so across the hooks they are just an `object`; a family plugin's
 * synthesizer, template and checks share one type (`SynthesizedModel<F>` in family.ts).
 */
export interface PreparedModel<F extends object = object> {
  dir: string;
  files: string[];
  synthesized: boolean;
  facts?: F;
}
