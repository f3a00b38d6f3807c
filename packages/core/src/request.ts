/**
 * A run as a user asks for it (command-line flags, or a program's options) turned into what
 * runModels runs: the config file fills what the request leaves out, every value is checked
 * (a bad one is a usage error, exit code 2, saying the accepted range), refs are classified
 * (hub ids fetched into the cache), sharded, and the skip rows added. The CLI's `run` command
 * is this plus printing.
 */
import { resolve } from 'node:path';
import type { HfCoreConfig, ModelEntry } from './config.ts';
import type { HfCore } from './core.ts';
import { HfCoreError } from './errors.ts';
import type { TestRunner } from './isolate.ts';
import type { PluginSpec } from './plugin.ts';
import { REPORTERS } from './reporters/index.ts';
import { type RunOptions, runModels } from './run.ts';
import { refsOfEntries, selectModels, shardOf } from './select.ts';
import { assertResumeFolder } from './targets.ts';
import { newTypesRun, type UncoveredRow, uncoveredRows } from './coverage.ts';
import type { RunSummary } from './types.ts';
import { type ModelOptions, parseDtypes } from './variants.ts';

/** A number as typed on a command line or given by a program. */
type NumberInput = number | string;

/** What a run is asked for; each field left out comes from the config file, then the default. */
export interface RunRequest {
  /** Model refs (types, folders, config files, hub ids); none: the config's `models:`, else every synthesized type. */
  refs?: string[];
  plugins?: PluginSpec[];
  reporters?: string[];
  family?: string;
  backends?: string[];
  out?: string;
  /** Continue the run in this folder: run only what its results.jsonl lacks. */
  resume?: string;
  timeout?: NumberInput;
  memoryCap?: NumberInput;
  warmup?: NumberInput;
  runs?: NumberInput;
  minMs?: NumberInput;
  seed?: NumberInput;
  jobs?: NumberInput;
  threads?: NumberInput;
  dtype?: string | string[];
  allowNetwork?: boolean;
  shard?: string;
  runner?: string;
  /** Synthesize every model and fix every test anew, reusing nothing the output folder holds. */
  fresh?: boolean;
  /** Only the types the last `hf-core catalog sync` in the working folder found new (`run --new`). */
  newTypes?: boolean;
}

/** A request with the config applied and every value checked. */
export interface SettledRun {
  refs: string[];
  /** The config's `models:` entries, when they are the models of this run. */
  entries: ModelEntry[];
  /** Plugins asked for; undefined: the caller's default set. */
  plugins?: PluginSpec[];
  reporters: string[];
  family?: string;
  backends?: string[];
  outDir: string;
  resume: boolean;
  allowNetwork?: boolean;
  shard?: string;
  /** `run --new`: the types the last catalog sync found new, added to `refs`. */
  newTypes: boolean;
  options: Pick<
    RunOptions,
    'timeoutMs' | 'memoryCapMb' | 'measure' | 'seed' | 'jobs' | 'threads' | 'runner' | 'dtypes' | 'reuseModels'
  >;
}

interface Range {
  min: number;
  max: number;
  whole?: boolean;
}

/** Accepted values, as the usage errors state them. */
export const RUN_RANGES = {
  timeout: { min: 1, max: 2_147_483_647, whole: true },
  memoryCap: { min: 0, max: 1 << 30 },
  warmup: { min: 0, max: 1_000_000, whole: true },
  runs: { min: 0, max: 1_000_000, whole: true },
  minMs: { min: 0, max: 3_600_000 },
  seed: { min: 0, max: 4_294_967_295, whole: true },
  jobs: { min: 1, max: 256, whole: true },
  threads: { min: 1, max: 256, whole: true },
} as const satisfies Record<string, Range>;

type RangeName = keyof typeof RUN_RANGES;

const FLAG_OF: Record<RangeName, string> = {
  timeout: '--timeout',
  memoryCap: '--memory-cap',
  warmup: '--warmup',
  runs: '--runs',
  minMs: '--min-ms',
  seed: '--seed',
  jobs: '--jobs',
  threads: '--threads',
};

function checked(value: NumberInput | undefined, name: RangeName, where: string): number | undefined {
  if (value === undefined) return undefined;
  const r: Range = RUN_RANGES[name];
  const n = typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(n) || n < r.min || n > r.max || (r.whole && !Number.isInteger(n))) {
    throw new HfCoreError(
      `${where} expects ${r.whole ? 'a whole number' : 'a number'} from ${r.min} to ${r.max}, got "${String(value)}".`,
      { code: 'BAD_FLAG', exitCode: 2 },
    );
  }
  return n;
}

/**
 * Applies the config file (`loaded`, from loadConfig) under the request and checks every value:
 * the request wins, then the config, then the defaults of runModels.
 */
export function settleRun(
  req: RunRequest,
  ctx: { cwd: string; config?: { path: string; config: HfCoreConfig } },
): SettledRun {
  // A --resume target that is not an hf-core output folder is refused before anything is written.
  if (req.resume !== undefined) assertResumeFolder(resolve(ctx.cwd, req.resume));
  const config = ctx.config?.config ?? {};
  const configKey = (key: string) => `"${key}" in ${ctx.config?.path ?? 'the config file'}`;
  const pick = (name: RangeName, fromConfig: number | undefined, key: string) =>
    req[name] !== undefined ? checked(req[name], name, FLAG_OF[name]) : checked(fromConfig, name, configKey(key));
  const reporters = req.reporters ?? config.reporters ?? Object.keys(REPORTERS);
  for (const name of reporters) {
    if (!REPORTERS[name])
      throw new HfCoreError(`Unknown reporter "${name}".`, {
        code: 'BAD_FLAG',
        hint: `Reporters: ${Object.keys(REPORTERS).join(', ')}.`,
        exitCode: 2,
      });
  }
  const runner = req.runner ?? 'hf-core';
  if (runner !== 'hf-core' && runner !== 'vitest')
    throw new HfCoreError(`--runner expects hf-core or vitest, got "${runner}".`, { code: 'BAD_FLAG', exitCode: 2 });
  const refs = req.refs ?? [];
  const entries = refs.length || req.newTypes ? [] : (config.models ?? []);
  const measure = {
    warmup: pick('warmup', config.measure?.warmup, 'measure.warmup'),
    runs: pick('runs', config.measure?.runs, 'measure.runs'),
    minMs: pick('minMs', config.measure?.minMs, 'measure.minMs'),
  };
  return {
    refs: refs.length ? refs : refsOfEntries(entries),
    entries,
    plugins: req.plugins ?? config.plugins,
    reporters,
    family: req.family,
    backends: req.backends ?? config.backends,
    outDir: resolve(ctx.cwd, req.resume ?? req.out ?? config.out ?? 'hf-core-results'),
    resume: req.resume !== undefined,
    allowNetwork: req.allowNetwork ?? config.allowNetwork,
    shard: req.shard,
    newTypes: req.newTypes ?? false,
    options: {
      timeoutMs: pick('timeout', config.timeoutMs, 'timeoutMs'),
      memoryCapMb: pick('memoryCap', config.memoryCapMb, 'memoryCapMb'),
      measure,
      seed: pick('seed', config.seed, 'seed'),
      jobs: pick('jobs', config.jobs, 'jobs'),
      threads: pick('threads', config.threads, 'threads'),
      runner: runner as TestRunner,
      dtypes: parseDtypes(req.dtype),
      reuseModels: !req.fresh,
    },
  };
}

/** Per-model dtypes and backends from the config's `models:` entries; a backend no plugin provides is a usage error. */
function perModelOptions(core: HfCore, entries: ModelEntry[]): Record<string, ModelOptions> {
  const perModel: Record<string, ModelOptions> = {};
  for (const e of entries) {
    if (typeof e === 'string') continue;
    const ref = e.path ?? e.id;
    if (!ref)
      throw new HfCoreError(`A models: entry of the config file has neither "path" nor "id": ${JSON.stringify(e)}.`, {
        code: 'CONFIG_INVALID',
        exitCode: 2,
      });
    const missing = (e.backends ?? []).filter((b) => !core.backends.has(b));
    if (missing.length) {
      throw new HfCoreError(
        `The models: entry "${ref}" asks for backend(s) ${missing.join(', ')}, which no loaded plugin provides.`,
        {
          code: 'BACKEND_NOT_LOADED',
          exitCode: 2,
          hint: `Loaded backends: ${[...core.backends.keys()].join(', ') || 'none'}. Add the plugin with --plugins or "plugins:".`,
        },
      );
    }
    perModel[ref] = {
      ...(e.dtype ? { dtypes: parseDtypes(e.dtype) } : {}),
      ...(e.backends ? { backends: e.backends } : {}),
    };
  }
  return perModel;
}

export interface RunRequestContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  toolVersion?: string;
  resolveFrom?: string;
  onProgress?: RunOptions['onProgress'];
  onWarning?: RunOptions['onWarning'];
}

/**
 * Runs a settled request on `core` (its plugins loaded): classifies the refs (fetching hub ids
 * into the cache where allowed), takes the shard, adds the skip rows, and runs.
 */
export async function runRequest(core: HfCore, run: SettledRun, ctx: RunRequestContext): Promise<RunSummary> {
  if (!core.backends.size) {
    throw new HfCoreError('No backend plugin is loaded, so nothing can run.', {
      code: 'NO_BACKEND',
      hint: 'Add one to --plugins, e.g. --plugins encoder,cpu.',
      exitCode: 2,
    });
  }
  const perModel = perModelOptions(core, run.entries);
  const fresh = run.newTypes ? newTypesRun(core, ctx.cwd) : undefined;
  const refs = [...(fresh?.refs ?? []), ...run.refs];
  // Skip rows: with --new, the new types no family covers; with no refs, every catalog type the run does not test.
  const skipRows = (fresh?.uncovered ?? (refs.length ? [] : uncoveredRows(core, { family: run.family }))).map((r) => ({
    ...r,
    reason: `not covered yet: ${r.reason}`,
  }));
  // --new with nothing a family synthesizes runs no model: its rows are the skips.
  if (fresh && !refs.length) return runModels(core, [], runOptions(core, run, ctx, perModel, skipRows));
  const models = await selectModels(core, refs, {
    cwd: ctx.cwd,
    env: ctx.env,
    allowNetwork: run.allowNetwork,
    family: run.family,
    snapshot: {
      dtypesOf: (ref) => perModel[ref]?.dtypes ?? run.options.dtypes,
      log: (m) => core.logger.info(m),
    },
  });
  return runModels(core, shardOf(models, run.shard), runOptions(core, run, ctx, perModel, skipRows));
}

function runOptions(
  core: HfCore,
  run: SettledRun,
  ctx: RunRequestContext,
  perModel: Record<string, ModelOptions>,
  skipRows: UncoveredRow[],
): RunOptions {
  return {
    ...run.options,
    outDir: run.outDir,
    backends: run.backends ?? [...core.backends.keys()],
    resume: run.resume,
    perModel: Object.keys(perModel).length ? perModel : undefined,
    // Shards split the skip rows as they split the models: merged, they are one run's rows.
    skipRows: shardOf(skipRows, run.shard),
    toolVersion: ctx.toolVersion,
    resolveFrom: ctx.resolveFrom,
    onProgress: ctx.onProgress,
    onWarning: ctx.onWarning,
  };
}
