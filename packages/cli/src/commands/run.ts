import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  assertHistoryFile,
  assertResumeFolder,
  FAILING_STATUSES,
  HfCoreError,
  loadConfig,
  REPORTERS,
  newTypesRun,
  runModels,
  uncoveredRows,
  type PluginSpec,
} from '@hf-core/core';
import { checkpointRunOptions } from '../checkpoints.ts';
import { fixSource, fixPlugins } from '@hf-core/fix';
import type { CommandModule } from '../context.ts';
import { VERSION } from '../version.ts';
import { createCore, DEFAULT_PLUGINS_TEXT, defaultPlugins, splitList, type CliIO } from '../context.ts';
import { refsOfEntries, selectModels } from '../models.ts';
import { progressPrinter } from '../progress.ts';

export interface RunFlags {
  plugins?: string | string[];
  models?: string | string[];
  model?: string | string[];
  family?: string;
  backends?: string | string[];
  out?: string;
  resume?: string;
  timeout?: number;
  memoryCap?: number;
  warmup?: number;
  runs?: number;
  minMs?: number;
  seed?: number;
  config?: string;
  reporters?: string | string[];
  allowNetwork?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  shard?: string;
  dtype?: string | string[];
  new?: boolean;
  history?: string;
}

/** `--shard i/n`: the i-th of n disjoint slices of the model list (1-based), for parallel CI jobs. */
export function shardOf<T>(items: T[], spec: string | undefined): T[] {
  if (!spec) return items;
  const m = /^(\d+)\/(\d+)$/.exec(spec);
  const i = Number(m?.[1]);
  const n = Number(m?.[2]);
  if (!m || n < 1 || i < 1 || i > n)
    throw new HfCoreError(`--shard expects i/n with 1 <= i <= n, got "${spec}".`, { code: 'BAD_FLAG', exitCode: 2 });
  return items.filter((_, k) => k % n === i - 1);
}

const num = (v: unknown, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0)
    throw new HfCoreError(`--${flag} expects a non-negative number, got "${String(v)}".`, {
      code: 'BAD_FLAG',
      exitCode: 2,
    });
  return n;
};

export async function run(refs: string[], flags: RunFlags, io: CliIO): Promise<number> {
  // A target that is not hf-core's own is refused before anything is loaded or written.
  if (flags.resume) assertResumeFolder(resolve(io.cwd, flags.resume));
  if (flags.history) assertHistoryFile(resolve(io.cwd, flags.history));
  const loaded = await loadConfig(io.cwd, flags.config);
  const config = loaded?.config ?? {};
  const pluginSpecs: PluginSpec[] = splitList(flags.plugins) ?? config.plugins ?? (await defaultPlugins(io, 'run'));
  const reporterNames = splitList(flags.reporters) ?? config.reporters ?? Object.keys(REPORTERS);
  for (const name of reporterNames) {
    if (!REPORTERS[name])
      throw new HfCoreError(`Unknown reporter "${name}".`, {
        code: 'BAD_FLAG',
        hint: `Reporters: ${Object.keys(REPORTERS).join(', ')}.`,
      });
  }
  const core = await createCore(io, pluginSpecs, flags.verbose);
  for (const p of fixPlugins({ resolveFrom: [io.cwd, dirname(fileURLToPath(import.meta.url))] })) await core.use(p);
  const reporterOptions = {
    historyFile: flags.history && resolve(io.cwd, flags.history),
    runId: io.env.HF_CORE_RUN_ID,
  };
  for (const name of reporterNames) await core.use(REPORTERS[name]!(reporterOptions));
  if (!core.backends.size) {
    throw new HfCoreError('No backend plugin is loaded, so nothing can run.', {
      code: 'NO_BACKEND',
      hint: 'Add one to --plugins, e.g. --plugins encoder,cpu.',
    });
  }
  const fresh = flags.new ? newTypesRun(core, io.cwd) : undefined;
  const allRefs = [
    ...(fresh?.refs ?? []),
    ...refs,
    ...(splitList(flags.models) ?? []),
    ...(splitList(flags.model) ?? []),
    ...(refs.length || flags.models || flags.model || fresh ? [] : refsOfEntries(config.models)),
  ];
  const allowNetwork = flags.allowNetwork ?? config.allowNetwork;
  const backends = splitList(flags.backends) ?? config.backends ?? [...core.backends.keys()];
  const checkpoints = await checkpointRunOptions(core, io, {
    refs: allRefs,
    entries: refs.length || flags.models || flags.model ? [] : config.models,
    dtype: flags.dtype,
    allowNetwork,
  });
  // --new with nothing a family synthesizes runs no model: its rows are the skips.
  const models =
    fresh && !allRefs.length
      ? []
      : shardOf(await selectModels(core, io, allRefs, { family: flags.family, allowNetwork }), flags.shard);
  const outDir = resolve(io.cwd, flags.resume ?? flags.out ?? config.out ?? 'hf-core-results');
  const summary = await runModels(core, models, {
    outDir,
    backends,
    resume: !!flags.resume,
    timeoutMs: num(flags.timeout, 'timeout') ?? config.timeoutMs,
    memoryCapMb: num(flags.memoryCap, 'memory-cap') ?? config.memoryCapMb,
    measure: {
      warmup: num(flags.warmup, 'warmup') ?? config.measure?.warmup,
      runs: num(flags.runs, 'runs') ?? config.measure?.runs,
      minMs: num(flags.minMs, 'min-ms') ?? config.measure?.minMs,
    },
    seed: num(flags.seed, 'seed') ?? config.seed,
    fixer: (source, o) => fixSource(core, source, o),
    resolveFrom: fileURLToPath(import.meta.url),
    toolVersion: VERSION,
    onProgress: progressPrinter(io, flags.quiet),
    uncovered: fresh?.uncovered ?? (allRefs.length ? [] : uncoveredRows(core, { family: flags.family })),
    ...checkpoints,
  });
  const t = summary.totals;
  io.stderr(
    `hf-core: ${t.pass} pass, ${t.fail} fail, ${t.skip} skip, ${t.error} error, ${t.crash} crash, ${t.timeout} timeout, ${t.oom} oom (of ${t.total}).`,
  );
  io.stderr(`hf-core: wrote ${join(outDir, 'results.jsonl')} and the ${reporterNames.join(', ')} reports in ${outDir}`);
  return summary.results.some((r) => FAILING_STATUSES.includes(r.status)) ? 1 : 0;
}

const command: CommandModule = {
  register(cli, io, done) {
    cli
      .command('run [...refs]', "Generate and run each model's test on each backend; write results and reports")
      .usage(
        'run [ref...] [options]\n\n' +
          'With no refs, runs every model type the loaded family plugins can synthesize: tiny random models\n' +
          'built locally (offline), each tested in its own process on each backend. A ref is a model type\n' +
          '(bert), a model folder, a config.json, or a hub id found in the Hugging Face cache.\n\n' +
          'Writes OUT/results.jsonl as results arrive (a killed run loses nothing: --resume OUT continues it),\n' +
          'then OUT/summary.json, report.md, junit.xml, dashboard/index.html, and history.jsonl with\n' +
          'regressions.json (what got worse since the last run into OUT). Exit code: 0 when every check that ran\n' +
          'passed (skips are reported, never counted as passes), 1 when any failed, 2 for usage errors.',
      )
      .option(
        '--plugins <names>',
        `Plugins by short name or package/path, comma-separated (default: ${DEFAULT_PLUGINS_TEXT})`,
      )
      .option('--models <refs>', 'Model refs, comma-separated (same as positional refs)')
      .option('--model <ref>', 'A model folder, config.json or hub id; repeatable')
      .option('--family <family>', 'Only models of this family (encoder-only, decoder-only, ...)')
      .option('--backends <names>', 'Backends to run on (default: every loaded backend plugin)')
      .option('--out <dir>', 'Output folder (default: ./hf-core-results)')
      .option('--resume <dir>', 'Continue a run in <dir>: run only what results.jsonl lacks')
      .option('--timeout <ms>', 'Time limit per model and backend, in ms (default 300000)')
      .option(
        '--memory-cap <mb>',
        'Memory cap per model process tree, in MB; past it the run is `oom` (default 8192, 0 = none)',
      )
      .option('--warmup <n>', 'Warmup forwards before timing (default 3)')
      .option('--runs <n>', 'At least this many timed forwards (default 10)')
      .option('--min-ms <ms>', 'And at least this long timing (default 200)')
      .option('--seed <n>', 'Seed of the synthesized weights and feeds (default 42)')
      .option('--reporters <names>', `Reporters, comma-separated (default: ${Object.keys(REPORTERS).join(',')})`)
      .option('--config <file>', 'Config file (default: hf-core.config.{ts,mjs,js,json} in the current folder)')
      .option('--allow-network', 'Allow fetching hub ids that are not in the cache (HF_HUB_OFFLINE=1 still wins)')
      .option(
        '--dtype <list>',
        'dtype variants of model folders to test, each its own row: fp32,fp16,q8,q4,int8,uint8,q4f16,bnb4 (default: fp32, else the heaviest present)',
      )
      .option(
        '--new',
        'Only the types the last `hf-core catalog sync` found new (those no family covers are skip rows)',
      )
      .option(
        '--history <file>',
        'History kept across runs: append this run, trends and regressions from it (default OUT/history.jsonl)',
      )
      .option('--shard <i/n>', 'Run the i-th of n slices of the model list (merge with `hf-core report a b --out c`)')
      .option('--quiet', 'No progress lines')
      .option('--verbose', 'Debug output')
      .example('  hf-core run                                         # every built-in family, tiny models, cpu')
      .example('  hf-core run --plugins encoder,cpu --models bert,roberta --out out')
      .example('  hf-core run --plugins encoder,cpu,wasm              # adds a parity check per model on wasm')
      .example('  hf-core run --model ./my-onnx-export --backends cpu')
      .example('  hf-core run --model ./a --model ./b --dtype fp32,q8,q4  # one row per folder and dtype present')
      .example('  hf-core run --resume out                            # after an interrupted run')
      .example('  hf-core catalog sync --release 5.18.0 && hf-core run --new')
      .action((refs: string[], flags: RunFlags) => done(run(refs, flags, io)));
  },
};
export default command;
