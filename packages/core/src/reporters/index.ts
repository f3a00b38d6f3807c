import type { HfCorePlugin } from '../plugin.ts';
import { historyReporter } from './history.ts';
import { htmlReporter } from './html.ts';
import { jsonReporter } from './json.ts';
import { junitReporter } from './junit.ts';
import { markdownReporter } from './markdown.ts';
import type { ReporterOptions } from './options.ts';

/** Built-in reporters by name (`--reporters json,markdown,junit,html,history`), each given the same options. */
export const REPORTERS: Record<string, (options?: ReporterOptions) => HfCorePlugin> = {
  json: jsonReporter,
  markdown: markdownReporter,
  junit: junitReporter,
  html: htmlReporter,
  history: historyReporter,
};

export { jsonReporter, junitReporter, markdownReporter, htmlReporter, historyReporter };
export type { ReporterOptions } from './options.ts';
export { renderDashboard, html as escapeHtml, scriptJson } from './html.ts';
export { dashboardData, type DashboardData, type DashboardRow } from './dashboard-data.ts';
export { catalogCoverage, type CatalogCoverage } from './coverage.ts';
export {
  appendHistory,
  formatHistoryWarning,
  HISTORY_FORMAT,
  historyEntryOf,
  mergeHistories,
  parseHistory,
  readHistory,
  type HistoryEntry,
  type HistoryWarning,
} from './history-store.ts';
export { judgeSlowdown, MIN_EARLIER, widthsFor } from './stats.ts';
export {
  analyzeHistory,
  runsOf,
  type AnalyzeOptions,
  type Finding,
  type FindingKind,
  type HistoryAnalysis,
  type RunPoint,
} from './trends.ts';
export { renderMarkdown } from './markdown.ts';
export { renderJunit } from './junit.ts';
