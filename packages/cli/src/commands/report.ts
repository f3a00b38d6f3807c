import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  assertHistoryFile,
  HfCore,
  HfCoreError,
  lockOutputFolder,
  REPORTERS,
  resultKey,
  ResultsWriter,
  summarize,
  type ModelResult,
  type RunSummary,
} from '@hf-core/core';
import type { CommandModule } from '../context.ts';
import { splitList, stderrLogger, type CliIO } from '../context.ts';
import { VERSION } from '../version.ts';

interface ReportFlags {
  out?: string;
  reporters?: string | string[];
  history?: string;
}

/** The run's own summary.json, when one folder is re-rendered: its start time is the run's id. */
function ownSummary(dir: string): Pick<RunSummary, 'started_at' | 'finished_at' | 'options'> | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
  } catch {
    return undefined;
  }
}

/**
 * Re-renders reports from one or more run folders' results.jsonl. With several folders (shards
 * of one run, `--shard i/n`), rows are merged: for the same model and backend the last folder wins.
 * With `--history FILE`, the merged run is appended to that history (once: a plain re-render
 * never appends).
 */
export async function report(dirs: string[], flags: ReportFlags, io: CliIO): Promise<number> {
  const merged = new Map<string, ModelResult>();
  const inputs = dirs.map((d) => resolve(io.cwd, d));
  for (const dir of inputs) {
    const file = join(dir, 'results.jsonl');
    if (!existsSync(file))
      throw new HfCoreError(`${file} does not exist.`, {
        code: 'NO_RESULTS',
        hint: 'Pass folders written by `hf-core run --out`.',
      });
    for (const r of ResultsWriter.read(file)) merged.set(resultKey(r), r);
  }
  const outDir = resolve(io.cwd, flags.out ?? dirs[0]!);
  // One writer per output folder: not while a run (or another report) writes there.
  const release = lockOutputFolder(outDir, 'hf-core report', (m) => io.stderr(`hf-core: warning: ${m}`));
  try {
    return await writeReports({ dirs, inputs, merged, outDir }, flags, io);
  } finally {
    release();
  }
}

async function writeReports(
  run: { dirs: string[]; inputs: string[]; merged: Map<string, ModelResult>; outDir: string },
  flags: ReportFlags,
  io: CliIO,
): Promise<number> {
  const { dirs, inputs, merged, outDir } = run;
  const historyFile = flags.history ? resolve(io.cwd, flags.history) : undefined;
  if (historyFile) assertHistoryFile(historyFile);
  const names =
    splitList(flags.reporters) ?? Object.keys(REPORTERS).filter((n) => n !== 'history' || historyFile !== undefined);
  const core = new HfCore({ logger: stderrLogger(io) });
  for (const n of names) {
    const make = REPORTERS[n];
    if (!make)
      throw new HfCoreError(`Unknown reporter "${n}".`, {
        code: 'BAD_FLAG',
        hint: `Reporters: ${Object.keys(REPORTERS).join(', ')}.`,
      });
    await core.use(make({ historyFile, runId: io.env.HF_CORE_RUN_ID }));
  }
  const results = [...merged.values()];
  const times = results.map((r) => r.started_at).sort();
  const own = inputs.length === 1 ? ownSummary(inputs[0]!) : undefined;
  const summary = summarize(results, {
    tool: { name: 'hf-core', version: VERSION },
    started_at: own?.started_at ?? times[0] ?? new Date().toISOString(),
    finished_at: own?.finished_at ?? new Date().toISOString(),
    options: own?.options ?? { mergedFrom: dirs, backends: [...new Set(results.map((r) => r.backend))] },
  });
  if (!inputs.includes(outDir)) {
    // A folder of its own: the merged rows, and each shard's logs so the dashboard's links work.
    rmSync(join(outDir, 'results.jsonl'), { force: true });
    const writer = new ResultsWriter(join(outDir, 'results.jsonl'));
    for (const r of results) writer.append(r);
    for (const dir of inputs)
      if (existsSync(join(dir, 'logs')))
        cpSync(join(dir, 'logs'), join(outDir, 'logs'), {
          recursive: true,
          filter: (f) => !f.endsWith('.records.jsonl'),
        });
  } else if (inputs.length > 1) {
    const writer = new ResultsWriter(join(outDir, 'results.jsonl.merged'));
    for (const r of results) writer.append(r);
  }
  const ctx = { outDir, summary, written: {} as Record<string, string> };
  await core.hooks.report.promise(ctx);
  for (const f of Object.values(ctx.written)) io.stderr(`wrote ${f}`);
  const t = summary.totals;
  io.stderr(
    `hf-core report: ${t.total} results: ${t.pass} pass, ${t.fail} fail, ${t.skip} skip, ${t.error + t.crash + t.timeout + t.oom} error/crash/timeout/oom`,
  );
  return 0;
}

const command: CommandModule = {
  register(cli, io, done) {
    cli
      .command('report <...dirs>', 'Rewrite the reports and dashboard from run folders; merge shards')
      .usage(
        "report <dir...> [options]\n\nReads each folder's results.jsonl (as `hf-core run --out` wrote it) and writes the reports again.\n" +
          'Several folders (e.g. shards of one run: `hf-core run --shard 1/2`, `--shard 2/2`) are merged into\n' +
          "--out, with each shard's logs. `--history FILE` appends the merged run to a history kept between\n" +
          'runs (and draws the dashboard trends from it); a plain re-render appends nothing.',
      )
      .option('--out <dir>', 'Where to write the reports (default: the first folder)')
      .option('--reporters <names>', `Reporters, comma-separated (default: ${Object.keys(REPORTERS).join(',')})`)
      .option('--history <file>', 'Append the (merged) run to this history file and draw trends from it')
      .example('  hf-core report out')
      .example('  hf-core report shard-1 shard-2 --out merged')
      .example('  hf-core report shard-* --out merged --history nightly-history.jsonl   # CI: once per night')
      .action((dirs: string[], flags: ReportFlags) => done(report(dirs, flags, io)));
  },
};
export default command;
