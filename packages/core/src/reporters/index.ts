import type { HfCorePlugin } from '../plugin.ts';
import { jsonReporter } from './json.ts';
import { junitReporter } from './junit.ts';
import { markdownReporter } from './markdown.ts';
import { htmlReporter } from './html.ts';
import { historyReporter } from './history.ts';

/** Built-in reporters by name (`--reporters json,markdown,junit,html,history`). */
export const REPORTERS: Record<string, () => HfCorePlugin> = {
  json: jsonReporter,
  markdown: markdownReporter,
  junit: junitReporter,
  html: htmlReporter,
  history: historyReporter,
};

export { jsonReporter, junitReporter, markdownReporter, htmlReporter, historyReporter };
export { renderDashboard, html as escapeHtml } from './html.ts';
export { findRegressions, type HistoryEntry, type Regression } from './history.ts';
export { renderMarkdown } from './markdown.ts';
export { renderJunit } from './junit.ts';
