import type { HfCorePlugin } from '../plugin.ts';
import { jsonReporter } from './json.ts';
import { junitReporter } from './junit.ts';
import { markdownReporter } from './markdown.ts';

/** Built-in reporters by name (`--reporters json,markdown,junit`). */
export const REPORTERS: Record<string, () => HfCorePlugin> = {
  json: jsonReporter,
  markdown: markdownReporter,
  junit: junitReporter,
};

export { jsonReporter, junitReporter, markdownReporter };
export { renderMarkdown } from './markdown.ts';
export { renderJunit } from './junit.ts';
