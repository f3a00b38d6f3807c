import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Many test files spend their time waiting on the processes they start (a model run, Chromium,
// the Python worker), so twice as many files as cores run at once (vitest's default leaves a
// core idle: one file at a time on 2 cores).
const WORKERS = Math.max(2, availableParallelism() * 2);

// Tests run against TypeScript source: workspace packages export an `hf-core-source`
// condition that points at src/, so no build step is needed before `pnpm test`.
export default defineConfig({
  resolve: { conditions: ['hf-core-source'] },
  ssr: { resolve: { conditions: ['hf-core-source'] } },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'plugins/*/src/**/*.test.ts',
      'examples/*/src/**/*.test.ts',
      'e2e/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
    pool: 'forks',
    maxWorkers: WORKERS,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    env: { TURBO_TELEMETRY_DISABLED: '1' },
  },
});
