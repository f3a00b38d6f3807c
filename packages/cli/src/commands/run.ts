import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  assertHistoryFile,
  FAILING_STATUSES,
  loadConfig,
  REPORTERS,
  RUN_DEFAULTS,
  RUN_RANGES,
  runRequest,
  settleRun,
} from '@hf-core/core';
import { fixPlugins } from '@hf-core/fix';
import type { CommandModule } from '../context.ts';
import { VERSION } from '../version.ts';
import { createCore, DEFAULT_PLUGINS_TEXT, defaultPlugins, splitList, type CliIO } from '../context.ts';
import { progressPrinter } from '../progress.ts';

export interface RunFlags {
  plugins?: string | string[];
  models?: string | string[];
  model?: string | string[];
  family?: string;
  backends?: string | string[];
  out?: string;
  resume?: string;
  timeout?: number | string;
  memoryCap?: number | string;
  warmup?: number | string;
  runs?: number | string;
  minMs?: number | string;
  seed?: number | string;
  jobs?: number | string;
  threads?: number | string;
  runner?: string;
  fresh?: boolean;
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

/** `hf-core run`: flags into a request, core runs it, this prints the totals. */
export async function run(refs: string[], flags: RunFlags, io: CliIO): Promise<number> {
  // A history file that is not hf-core's own is refused before anything is loaded or written.
  if (flags.history) assertHistoryFile(resolve(io.cwd, flags.history));
  const settled = settleRun(
    {
      refs: [...refs, ...(splitList(flags.models) ?? []), ...(splitList(flags.model) ?? [])],
      plugins: splitList(flags.plugins),
      reporters: splitList(flags.reporters),
      family: flags.family,
      backends: splitList(flags.backends),
      out: flags.out,
      resume: flags.resume,
      timeout: flags.timeout,
      memoryCap: flags.memoryCap,
      warmup: flags.warmup,
      runs: flags.runs,
      minMs: flags.minMs,
      seed: flags.seed,
      jobs: flags.jobs,
      threads: flags.threads,
      dtype: flags.dtype,
      allowNetwork: flags.allowNetwork,
      shard: flags.shard,
      runner: flags.runner,
      fresh: flags.fresh,
      newTypes: flags.new,
    },
    { cwd: io.cwd, config: await loadConfig(io.cwd, flags.config) },
  );
  const core = await createCore(io, settled.plugins ?? (await defaultPlugins(io, 'run')), flags.verbose);
  for (const p of fixPlugins({ resolveFrom: [io.cwd, dirname(fileURLToPath(import.meta.url))] })) await core.use(p);
  const reporterOptions = {
    historyFile: flags.history && resolve(io.cwd, flags.history),
    runId: io.env.HF_CORE_RUN_ID,
  };
  for (const name of settled.reporters) await core.use(REPORTERS[name]!(reporterOptions));
  const summary = await runRequest(core, settled, {
    cwd: io.cwd,
    env: io.env,
    toolVersion: VERSION,
    resolveFrom: fileURLToPath(import.meta.url),
    onProgress: progressPrinter(io, flags.quiet),
    onWarning: (m) => io.stderr(`hf-core: warning: ${m}`),
  });
  const t = summary.totals;
  io.stderr(
    `hf-core: ${t.pass} pass, ${t.fail} fail, ${t.skip} skip, ${t.error} error, ${t.crash} crash, ${t.timeout} timeout, ${t.oom} oom (of ${t.total}).`,
  );
  io.stderr(
    `hf-core: wrote ${join(settled.outDir, 'results.jsonl')} and the ${settled.reporters.join(', ')} reports in ${settled.outDir}`,
  );
  return summary.results.some((r) => FAILING_STATUSES.includes(r.status)) ? 1 : 0;
}

const range = (name: keyof typeof RUN_RANGES) => `${RUN_RANGES[name].min}-${RUN_RANGES[name].max}`;

const command: CommandModule = {
  register(cli, io, done) {
    cli
      .command('run [...refs]', "Generate and run each model's test on each backend; write results and reports")
      .usage(
        'run [ref...] [options]\n\n' +
          'With no refs, runs every model type the loaded family plugins can synthesize: tiny random models\n' +
          'built locally (offline), each tested in its own process on each backend, --jobs at a time (timed\n' +
          "sections never overlap: one model's latency is measured while no other model is being timed).\n" +
          'A ref is a model type (bert), a model folder, a config.json, or a hub id found in the Hugging Face cache.\n\n' +
          'Writes OUT/results.jsonl as results arrive (a killed run loses nothing: --resume OUT continues it),\n' +
          'then OUT/summary.json, report.md, junit.xml, dashboard/index.html, and history.jsonl with\n' +
          'regressions.json (what got worse since the last run into OUT). One run writes to OUT at a time.\n' +
          'Exit code: 0 when every check that ran passed (skips are reported, never counted as passes),\n' +
          '1 when any failed, 2 for usage errors.',
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
      .option(
        '--jobs <n>',
        `Test processes at once, ${range('jobs')} (default: one per core plus one, at most one per GiB of memory: here ${RUN_DEFAULTS.jobs})`,
      )
      .option('--timeout <ms>', `Time limit per model and backend, in ms (default ${RUN_DEFAULTS.timeoutMs})`)
      .option(
        '--memory-cap <mb>',
        `Memory cap per model process tree, in MB; past it the run is \`oom\` (default ${RUN_DEFAULTS.memoryCapMb}, 0 = none)`,
      )
      .option('--warmup <n>', 'Warmup forwards before timing (default 3)')
      .option('--runs <n>', 'At least this many timed forwards (default 10)')
      .option('--min-ms <ms>', 'And at least this long timing (default 200)')
      .option('--seed <n>', `Seed of the synthesized weights and feeds, ${range('seed')} (default 42)`)
      .option('--threads <n>', `Intra-op threads of the runtime in each test process, ${range('threads')} (default 1)`)
      .option(
        '--runner <name>',
        'hf-core (default: a light runner for the vitest files) or vitest (the vitest CLI per file)',
      )
      .option('--fresh', 'Synthesize every model and fix every test anew (default: reuse those whose inputs match)')
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
      .example('  hf-core run --jobs 1 --seed 7 --threads 2           # one model at a time, another seed, 2 threads')
      .example('  hf-core run --resume out                            # after an interrupted run')
      .example('  hf-core catalog sync --release 5.18.0 && hf-core run --new')
      .action((refs: string[], flags: RunFlags) => done(run(refs, flags, io)));
  },
};
export default command;
