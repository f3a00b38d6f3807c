import { defineConfig } from 'vitest/config';

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
    testTimeout: 120_000,
    hookTimeout: 120_000,
    env: { TURBO_TELEMETRY_DISABLED: '1' },
  },
});
