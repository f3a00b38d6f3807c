import { AsyncParallelHook, AsyncSeriesBailHook, AsyncSeriesWaterfallHook, HookMap } from 'tapable';
import type { SourceFile } from 'ts-morph';
import type { Classification, ModelRef, ModelResult, PreparedModel, RunSummary } from './types.ts';

export interface ClassifyContext {
  ref: ModelRef;
  /** config.json of the ref, when one was found (folder, config, cache entry). */
  config?: Record<string, unknown>;
  /** Folder of the model on disk, when there is one. */
  modelDir?: string;
}

export interface PrepareContext {
  classification: Classification;
  /** Where synthesized models go: `<outDir>/models/<safe name>`. */
  targetDir: string;
  /** Size preset for synthesized models: `tiny` by default, `micro` after an oom fallback. */
  size: 'tiny' | 'micro';
  seed: number;
}

export interface TemplateContext {
  classification: Classification;
  prepared: PreparedModel;
  /** Model folder as the test file should refer to it (relative to the test file). */
  modelDirFromTest: string;
}

export interface TemplateOutput {
  /** Rendered TypeScript source; '' until a family plugin renders it. */
  source: string;
  templateVersion: number;
  /** Name of the template that rendered it, e.g. `encoder-only@1`. */
  template: string;
}

export interface FixContext {
  /** Path the file will be written to. */
  filePath: string;
  /** Contents of the file already on disk (for keep regions), if any. */
  previous?: string;
  /** Diagnostics collected by passes; a file with errors is not written. */
  diagnostics: FixDiagnostic[];
  /** Passes that changed the file, by name. */
  changedBy: string[];
}

export interface FixDiagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
  pass: string;
}

export interface RunJob {
  backend: string;
  classification: Classification;
  prepared: PreparedModel;
  testFile: string;
  /** Environment for the isolated test process. Backends add their engine module here. */
  env: Record<string, string>;
  /** Set by a backend that cannot run here: the job becomes a `skip` with this reason. */
  skip?: string;
  /**
   * Set by a backend that runs the test file its own way rather than under vitest in Node (the
   * browser backends drive a page): Node arguments (options, then a script) that core runs as
   * `node ...runner <testFile>` in the job's isolated process group, with its env, limits and
   * log. The runner writes the same records (HF_CORE_RESULT_FILE) a vitest run does.
   */
  runner?: string[];
  timeoutMs: number;
  memoryCapMb: number;
}

/**
 * What a fallback tap gets beside the result so far: the model, the test that ran, and a way to
 * run another variant of it on the same backend (a smaller synthesized size, a lighter dtype).
 */
export interface FallbackContext {
  classification: Classification;
  backend: string;
  /** The model and test file of the attempt that produced the result. */
  prepared: PreparedModel;
  testFile: string;
  /**
   * Generates the test of `variant` (its own model folder and test file, named by its ref) and
   * runs it on this backend; throws when it cannot be generated.
   */
  retry(variant: Classification, opts?: { size?: PrepareContext['size'] }): Promise<ModelResult>;
}

export interface ReportContext {
  outDir: string;
  summary: RunSummary;
  /** Result files written by reporters, by reporter name. */
  written: Record<string, string>;
}

/**
 * Named stages order taps within a hook; registration order never decides. Lower runs first.
 */
export const CLASSIFY_STAGE = {
  /** Family plugins claim the types and configs they know. */
  FAMILY: 0,
  /** Core's catalog lookup and structural rules, for what no family plugin claimed. */
  FALLBACK: 1000,
} as const;

export const PREPARE_STAGE = {
  /**
   * Real checkpoints: a local folder or a Hugging Face cache snapshot (a hub id not in the cache
   * is fetched into it by core's runRequest, before classification, so its dtypes can be planned).
   */
  SOURCE: -100,
  /** Family plugins synthesize a tiny random model of the type. */
  SYNTHESIZE: 0,
} as const;

export const TEMPLATE_STAGE = {
  /** The family plugin renders its template. */
  RENDER: 0,
  /** Plugins that refine the rendered source (extra checks, banners). */
  DECORATE: 100,
} as const;

export const FIX_STAGE = {
  /** Bring code written against an older template version forward. */
  MIGRATE: -300,
  /** Carry `hf-core:keep-start` regions from the file on disk into the new one. */
  KEEP_REGIONS: -200,
  /** Add missing harness imports, drop unused ones, order them. */
  IMPORTS: -100,
  /** The TypeScript formatter: indentation and spacing. */
  FORMAT: 0,
  /** Type-check against the harness; errors stop the file from being written. */
  TYPECHECK: 1000,
} as const;

export const RUN_STAGE = {
  /** The backend plugin detects its runtime and marks the job skipped when absent. */
  DETECT: -100,
  /** The backend plugin sets its engine module and options in the job's environment. */
  CONFIGURE: 0,
  /** Other plugins adjust the job (profilers, extra env). */
  DECORATE: 100,
} as const;

export const FALLBACK_STAGE = {
  /** A synthesized model that ran out of memory runs again at the `micro` size. */
  SMALLER_SIZE: 0,
  /** A real checkpoint that ran out of memory runs again at the next lighter dtype its folder has. */
  LIGHTER_DTYPE: 100,
} as const;

export function createHooks() {
  return Object.freeze({
    /** First plugin that claims the model wins. */
    classify: new AsyncSeriesBailHook<[ClassifyContext], Classification | undefined>(['ctx']),
    /** Puts the model's files on disk: a real folder as it is, or a synthesized tiny model. */
    prepare: new AsyncSeriesBailHook<[PrepareContext], PreparedModel | undefined>(['ctx']),
    /** Renders the vitest source of a model's test. */
    template: new AsyncSeriesWaterfallHook<[TemplateOutput, TemplateContext]>(['output', 'ctx']),
    /** ts-morph passes over the rendered file, each handing the file on. */
    fix: new AsyncSeriesWaterfallHook<[SourceFile, FixContext]>(['file', 'ctx']),
    /** One hook per backend name: `hooks.run.for('cpu')`. */
    run: new HookMap(() => new AsyncSeriesWaterfallHook<[RunJob]>(['job'])),
    /**
     * Each model x backend result before it is recorded; a tap may answer a failed attempt with
     * another attempt (ctx.retry) and return that row instead. Taps run in FALLBACK_STAGE order.
     */
    fallback: new AsyncSeriesWaterfallHook<[ModelResult, FallbackContext]>(['result', 'ctx']),
    /** Called for each finished result, as it arrives. */
    result: new AsyncParallelHook<[ModelResult]>(['result']),
    /** Reporters write their files; independent of each other. */
    report: new AsyncParallelHook<[ReportContext]>(['ctx']),
  });
}

export type Hooks = ReturnType<typeof createHooks>;
