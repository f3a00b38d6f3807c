import { RUN_STAGE, siblingModule, type HfCorePlugin } from '@hf-core/core';

export const PLUGIN_NAME = 'hf-core-test:slow-down';

/**
 * A planted latency regression for the history tests: the model named by HF_CORE_TEST_SLOW_REF
 * runs on cpu through engine.ts, whose sessions do five times the work. Load by path:
 * `--plugins encoder,cpu,<this file>`.
 */
export default (): HfCorePlugin => ({
  name: PLUGIN_NAME,
  apply(core) {
    core.hooks.run.for('cpu').tapPromise({ name: PLUGIN_NAME, stage: RUN_STAGE.DECORATE }, async (job) => {
      if (job.skip || job.classification.ref !== process.env.HF_CORE_TEST_SLOW_REF) return job;
      const inner = job.env.HF_CORE_BACKEND_MODULE;
      if (!inner) return job;
      return {
        ...job,
        env: {
          ...job.env,
          HF_CORE_SLOW_INNER: inner,
          HF_CORE_BACKEND_MODULE: siblingModule(import.meta.url, 'engine'),
        },
      };
    });
  },
});
