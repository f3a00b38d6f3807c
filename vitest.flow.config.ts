import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

// `pnpm test:flow`: the slow end-to-end suites (`*.flow.ts`, real runs of several models, minutes),
// kept out of `pnpm test`. The same settings as vitest.config.ts, over these files only.
export default defineConfig({
  ...base,
  test: { ...base.test, include: ['packages/*/src/**/*.flow.ts'], testTimeout: 900_000, hookTimeout: 900_000 },
});
