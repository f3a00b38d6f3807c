import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HfCorePlugin } from '../plugin.ts';
import { appendHistory, formatHistoryWarning, historyEntryOf, readHistory } from './history-store.ts';
import { historyFileOf, runOf, type ReporterOptions } from './options.ts';
import { analyzeHistory } from './trends.ts';

export const PLUGIN_NAME = 'hf-core:report-history';

/**
 * Appends the run to the history file (OUT/history.jsonl unless `--history FILE` names one that
 * later runs reuse) and writes OUT/regressions.json: what got worse in this run, judged against
 * each model's earlier runs and their run-to-run noise (trends.ts). Unreadable lines are warned
 * about by file and line, skipped, and left in the file.
 */
export const historyReporter = (opts: ReporterOptions = {}): HfCorePlugin => ({
  name: PLUGIN_NAME,
  apply(core) {
    core.hooks.report.tapPromise(PLUGIN_NAME, async (ctx) => {
      const file = historyFileOf(ctx, opts);
      const run = runOf(ctx.summary, opts);
      const { entries, warnings } = readHistory(file);
      for (const w of warnings) core.logger.warn(formatHistoryWarning(w));
      const current = ctx.summary.results.map((r) => historyEntryOf(r, run));
      appendHistory(file, current);
      const earlier = entries.filter((e) => e.run !== run.id);
      const analysis = analyzeHistory([...earlier, ...current], { run: run.id });
      const out = join(ctx.outDir, 'regressions.json');
      const report = {
        run: run.id,
        since: analysis.runs.at(-2)?.run ?? null,
        regressions: analysis.findings,
        notJudged: analysis.notJudged,
      };
      await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
      ctx.written.history = file;
      ctx.written.regressions = out;
    });
  },
});
