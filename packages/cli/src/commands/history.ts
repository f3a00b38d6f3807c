import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  analyzeHistory,
  assertHistoryFile,
  formatHistoryWarning,
  HfCoreError,
  mergeHistories,
  MIN_EARLIER,
  readHistory,
  runsOf,
  type Finding,
  type FindingKind,
  type HistoryEntry,
} from '@hf-core/core';
import type { CommandModule } from '../context.ts';
import type { CliIO } from '../context.ts';
import { table } from './classify.ts';

interface HistoryFlags {
  window?: number;
  runs?: number;
  model?: string;
  json?: boolean;
  check?: boolean;
  out?: string;
}

/** Names come from strangers: no terminal control sequence reaches the screen. */
const plain = (s: unknown) => String(s ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
const ms = (x: number | null | undefined) =>
  x === null || x === undefined ? '-' : String(Math.round(x * 1000) / 1000);
const pct = (x: number | null) => (x === null ? '-' : `${Math.round(x * 1000) / 10}%`);

const SECTIONS: [FindingKind, string][] = [
  ['status', 'Status regressions (passed in its previous run, fails now)'],
  ['level', 'Level lost (pipeline -> session)'],
  ['flaky', 'Flaky (status flips back and forth in recent runs)'],
  ['latency', 'Latency regressions (p50 beyond the run-to-run noise)'],
  ['rss', 'Peak RSS regressions (beyond the run-to-run noise)'],
];

function readAll(files: string[], io: CliIO): HistoryEntry[] {
  return mergeHistories(
    files.map((f) => {
      const file = resolve(io.cwd, f);
      if (!existsSync(file))
        throw new HfCoreError(`${file} does not exist.`, {
          code: 'NO_HISTORY',
          hint: 'Pass a history written by `hf-core run --history FILE` (default OUT/history.jsonl).',
        });
      const { entries, warnings } = readHistory(file);
      for (const w of warnings) io.stderr(`warning: ${formatHistoryWarning(w)}`);
      return entries;
    }),
  );
}

function modelTrend(entries: HistoryEntry[], ref: string, io: CliIO): number {
  const rows = runsOf(entries).flatMap(({ run, rows }) => rows.filter((r) => r.ref === ref).map((r) => ({ run, r })));
  if (!rows.length) {
    io.stderr(`hf-core history: no row for model "${plain(ref)}" in the history.`);
    return 2;
  }
  io.stdout(
    table(
      ['RUN', 'BACKEND', 'STATUS', 'LEVEL', 'P50 MS', 'P99 MS', 'PEAK RSS MB', 'TOKENS/S'],
      rows.map(({ run, r }) => [
        plain(run),
        plain(r.backend),
        r.status,
        r.level ?? '-',
        ms(r.p50_ms),
        ms(r.p99_ms),
        ms(r.peak_rss_mb),
        ms(r.tokens_per_s),
      ]),
    ),
  );
  return 0;
}

function printFindings(findings: Finding[], io: CliIO): void {
  for (const [kind, title] of SECTIONS) {
    const of = findings.filter((f) => f.kind === kind);
    io.stdout(`\n${title}: ${of.length || 'none'}`);
    for (const f of of) io.stdout(`  ${plain(f.ref)} [${plain(f.backend)}]: ${plain(f.what)} (run ${plain(f.run)})`);
  }
}

export async function history(args: string[], flags: HistoryFlags, io: CliIO): Promise<number> {
  if (args[0] === 'merge') return merge(args.slice(1), flags, io);
  if (!args.length) {
    io.stderr('hf-core history: name a history file, e.g. `hf-core history hf-core-results/history.jsonl`.');
    return 2;
  }
  const entries = readAll(args, io);
  if (flags.model) return modelTrend(entries, String(flags.model), io);
  const window = flags.window === undefined ? 10 : Number(flags.window);
  if (!Number.isInteger(window) || window < 1)
    throw new HfCoreError(`--window expects a whole number of runs >= 1, got "${flags.window}".`, { code: 'BAD_FLAG' });
  const analysis = analyzeHistory(entries, { window });
  if (flags.json) io.stdout(JSON.stringify(analysis, null, 2));
  else {
    const shown = analysis.runs.slice(-(Number(flags.runs) || 20));
    io.stdout(`${analysis.runs.length} runs, ${entries.length} rows (the last ${shown.length} below)\n`);
    io.stdout(
      table(
        ['RUN', 'RESULTS', 'PASS', 'FAILING', 'SKIP', 'PASS RATE', 'MEDIAN P50 MS'],
        shown.map((p) => [
          plain(p.run),
          String(p.total),
          String(p.pass),
          String(p.failing),
          String(p.skip),
          pct(p.passRate),
          ms(p.medianP50),
        ]),
      ),
    );
    printFindings(analysis.findings, io);
    if (analysis.notJudged)
      io.stdout(
        `\n${analysis.notJudged} model x backend pairs have a latency but fewer than ${MIN_EARLIER} earlier runs: their noise is not known yet, so their latency is not judged.`,
      );
  }
  return flags.check && analysis.findings.length ? 1 : 0;
}

function merge(files: string[], flags: HistoryFlags, io: CliIO): number {
  if (!files.length || !flags.out) {
    io.stderr(
      'hf-core history merge: name the histories and --out, e.g. `hf-core history merge a.jsonl b.jsonl --out all.jsonl`.',
    );
    return 2;
  }
  const merged = readAll(files, io);
  const out = resolve(io.cwd, flags.out);
  assertHistoryFile(out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, merged.map((e) => `${JSON.stringify(e)}\n`).join(''));
  io.stderr(`hf-core history: wrote ${merged.length} rows of ${runsOf(merged).length} runs to ${out}`);
  return 0;
}

const command: CommandModule = {
  register(cli, io, done) {
    cli
      .command('history [...files]', 'Trends and regressions across runs from a history file; merge histories')
      .usage(
        'history <file...> [--window N] [--runs N] [--model REF] [--json] [--check]\n' +
          '  $ hf-core history merge <file...> --out FILE\n\n' +
          'Reads a history (`hf-core run --history FILE`, default OUT/history.jsonl; one JSON line per model x\n' +
          'backend per run) and prints each run (pass rate, median p50), then for each model its latest run\n' +
          'judged against its earlier ones: status regressions, flaky statuses, and latency or peak RSS past\n' +
          'its earlier runs by more than the run-to-run noise of the history (not a fixed percentage; from the\n' +
          "third run on; a run where every model is slower moves that run's machine factor instead). Unreadable\n" +
          'lines are named and skipped. merge joins histories (e.g. two CI caches).',
      )
      .option('--window <n>', 'Earlier runs of each model that count for its noise and flips (default 10)')
      .option('--runs <n>', 'Runs listed in the table (default the last 20)')
      .option('--model <ref>', "One model's row in every run, on every backend")
      .option('--json', 'Print runs and findings as JSON')
      .option('--check', 'Exit 1 when anything regressed or is flaky (for CI)')
      .option('--out <file>', 'merge: the file to write')
      .example('  hf-core history hf-core-results/history.jsonl')
      .example('  hf-core history nightly.jsonl --model bert')
      .example('  hf-core history nightly.jsonl --check --json > trends.json')
      .example('  hf-core history merge cache-a.jsonl cache-b.jsonl --out nightly.jsonl')
      .action((files: string[], flags: HistoryFlags) => done(history(files, flags, io)));
  },
};
export default command;
