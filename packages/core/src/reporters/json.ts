import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HfCorePlugin } from '../plugin.ts';

export const PLUGIN_NAME = 'hf-core:report-json';

/** summary.json: the whole run, every result with its checks and metrics. */
export const jsonReporter = (): HfCorePlugin => ({
  name: PLUGIN_NAME,
  apply(core) {
    core.hooks.report.tapPromise(PLUGIN_NAME, async (ctx) => {
      const file = join(ctx.outDir, 'summary.json');
      await writeFile(file, `${JSON.stringify(ctx.summary, null, 2)}\n`);
      ctx.written.json = file;
    });
  },
});
