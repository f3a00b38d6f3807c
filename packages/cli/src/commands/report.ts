import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  HfCore,
  HfCoreError,
  lockOutputFolder,
  REPORTERS,
  resultKey,
  ResultsWriter,
  summarize,
  type ModelResult,
} from '@hf-core/core';
import type { CommandModule } from '../index.ts';
import { splitList, type CliIO } from '../context.ts';
import { VERSION } from '../version.ts';

interface ReportFlags {
  out?: string;
  reporters?: string | string[];
}

/**
 * Re-renders reports from one or more run folders' results.jsonl. With several folders (shards
 * of one run, `--shard i/n`), rows are merged: for the same model and backend the last folder wins.
 */
export async function report(dirs: string[], flags: ReportFlags, io: CliIO): Promise<number> {
  const merged = new Map<string, ModelResult>();
  for (const d of dirs) {
    const file = join(resolve(io.cwd, d), 'results.jsonl');
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
    return await writeReports(dirs, merged, outDir, flags, io);
  } finally {
    release();
  }
}

async function writeReports(
  dirs: string[],
  merged: Map<string, ModelResult>,
  outDir: string,
  flags: ReportFlags,
  io: CliIO,
): Promise<number> {
  // Re-rendering must not append the same run to history again.
  const names = splitList(flags.reporters) ?? Object.keys(REPORTERS).filter((n) => n !== 'history');
  const core = new HfCore();
  for (const n of names) {
    const make = REPORTERS[n];
    if (!make)
      throw new HfCoreError(`Unknown reporter "${n}".`, {
        code: 'BAD_FLAG',
        hint: `Reporters: ${Object.keys(REPORTERS).join(', ')}.`,
      });
    await core.use(make());
  }
  const results = [...merged.values()];
  const times = results.map((r) => r.started_at).sort();
  const summary = summarize(results, {
    tool: { name: 'hf-core', version: VERSION },
    started_at: times[0] ?? new Date().toISOString(),
    finished_at: new Date().toISOString(),
    options: { mergedFrom: dirs, backends: [...new Set(results.map((r) => r.backend))] },
  });
  if (dirs.length > 1 || flags.out) {
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
      .command('report <...dirs>', 'Rewrite summary.json, report.md and junit.xml from run folders; merge shards')
      .usage(
        "report <dir...> [options]\n\nReads each folder's results.jsonl (as `hf-core run --out` wrote it) and writes the reports again.\nSeveral folders (e.g. shards of one run: `hf-core run --shard 1/2`, `--shard 2/2`) are merged.",
      )
      .option('--out <dir>', 'Where to write the reports (default: the first folder)')
      .option('--reporters <names>', `Reporters, comma-separated (default: ${Object.keys(REPORTERS).join(',')})`)
      .example('  hf-core report out')
      .example('  hf-core report shard-1 shard-2 --out merged')
      .action((dirs: string[], flags: ReportFlags) => done(report(dirs, flags, io)));
  },
};
export default command;
