// biome-ignore-all lint/suspicious/noTemplateCurlyInString: GitHub Actions expressions are ${{ }} in plain strings.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Document } from 'yaml';

/** What `hf-core ci init` was asked for; every workflow is a function of it. */
export interface CiOptions {
  /** The command line that wrote the files, recorded in their header so a rerun reproduces them. */
  args: string[];
  /** How the project installs its dependencies and calls hf-core. */
  pm: 'npm' | 'pnpm' | 'yarn';
  /** The install command (from the lockfile present). */
  install: string;
  /** pnpm's version for pnpm/action-setup, when package.json's packageManager does not say. */
  pnpmVersion?: string;
  /** The hf-core command, e.g. `npx hf-core`, `pnpm exec hf-core`, `pnpm hf-core`. */
  hfCore: string;
  shards: number;
  backends: string[];
  /** runs-on labels of jobs for backends that need a GPU. */
  gpuRunner: string[];
  /** Folder of generated tests that `fix --check` keeps as `hf-core fix` would write them. */
  tests: string;
  node: string;
  /** The project's own test command, run on pull requests too (e.g. `.ci/run`). */
  testCommand?: string;
}

const GPU_BACKENDS = new Set(['cuda', 'webgpu']);

/** npm, pnpm or yarn from the lockfile; hf-core through the project's script when it has one. */
export function detectProject(dir: string): Pick<CiOptions, 'pm' | 'hfCore' | 'install' | 'pnpmVersion'> {
  const pm = existsSync(join(dir, 'pnpm-lock.yaml')) ? 'pnpm' : existsSync(join(dir, 'yarn.lock')) ? 'yarn' : 'npm';
  let manifest: { scripts?: Record<string, string>; packageManager?: string } = {};
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  } catch {
    // no package.json yet: the defaults below
  }
  // Quiet runners: `ci changed` prints refs on stdout that the workflow reads.
  const viaScript = { npm: 'npm run --silent hf-core --', pnpm: 'pnpm --reporter silent hf-core', yarn: 'npx hf-core' }[
    pm
  ];
  const viaBin = { npm: 'npx hf-core', pnpm: 'pnpm exec hf-core', yarn: 'npx hf-core' }[pm];
  const install = {
    npm: existsSync(join(dir, 'package-lock.json')) ? 'npm ci' : 'npm install',
    pnpm: 'pnpm install --frozen-lockfile',
    yarn: 'yarn install --frozen-lockfile',
  }[pm];
  return {
    pm,
    hfCore: manifest.scripts?.['hf-core'] ? viaScript : viaBin,
    install,
    ...(pm === 'pnpm' && !manifest.packageManager?.startsWith('pnpm@') ? { pnpmVersion: 'latest' } : {}),
  };
}

type Step = Record<string, unknown>;

function setupSteps(o: CiOptions, installEnv: Record<string, string> = { ONNXRUNTIME_NODE_INSTALL: 'skip' }): Step[] {
  const pnpm = o.pnpmVersion
    ? { uses: 'pnpm/action-setup@v4', with: { version: o.pnpmVersion } }
    : { uses: 'pnpm/action-setup@v4' };
  return [
    ...(o.pm === 'pnpm' ? [pnpm] : []),
    { uses: 'actions/setup-node@v4', with: { 'node-version': o.node, cache: o.pm } },
    // onnxruntime-node downloads GPU binaries at install only when asked (ONNXRUNTIME_NODE_INSTALL).
    { name: 'Install', run: o.install, env: installEnv },
  ];
}

const checkout = (fetchDepth?: number): Step => ({
  uses: 'actions/checkout@v4',
  ...(fetchDepth === undefined ? {} : { with: { 'fetch-depth': fetchDepth } }),
});

/** Pull requests: generated tests unchanged by `fix --check`, then the models the change touches. */
export function pullRequestWorkflow(o: CiOptions): Record<string, unknown> {
  return {
    name: 'hf-core: pull request',
    on: { pull_request: null },
    permissions: { contents: 'read' },
    concurrency: { group: 'hf-core-pr-${{ github.ref }}', 'cancel-in-progress': true },
    jobs: {
      check: {
        'runs-on': 'ubuntu-latest',
        'timeout-minutes': 90,
        steps: [
          checkout(0),
          ...setupSteps(o),
          ...(o.testCommand ? [{ name: 'Test suite', run: o.testCommand }] : []),
          {
            name: 'Generated tests are what hf-core fix would write',
            run: `if [ -d ${JSON.stringify(o.tests)} ]; then\n  ${o.hfCore} fix --check ${JSON.stringify(`${o.tests}/**/*.test.ts`)}\nelse\n  echo "no ${o.tests}/ folder: nothing to check"\nfi\n`,
          },
          {
            name: 'Run the models this change touches',
            env: { BASE_REF: '${{ github.base_ref }}' },
            run:
              `mapfile -t refs < <(${o.hfCore} ci changed --base "origin/$BASE_REF" --tests ${JSON.stringify(o.tests)})\n` +
              'if [ "${#refs[@]}" -eq 0 ]; then echo "This change touches no model."; exit 0; fi\n' +
              `${o.hfCore} run "\${refs[@]}" --out pr-results\n`,
          },
          {
            name: 'Report',
            if: 'always()',
            run: 'if [ -f pr-results/report.md ]; then cat pr-results/report.md >> "$GITHUB_STEP_SUMMARY"; fi\n',
          },
          {
            uses: 'actions/upload-artifact@v4',
            if: 'always()',
            with: {
              name: 'hf-core-pr-results',
              path: 'pr-results\n!pr-results/models\n!pr-results/node_modules\n',
              'if-no-files-found': 'ignore',
            },
          },
        ],
      },
    },
  };
}

const RUN_ID = '${{ github.run_id }}-${{ github.run_attempt }}';

/**
 * Nightly: the whole catalog as shards x backends (GPU backends on the GPU runner), each shard
 * uploaded, merged into one dashboard with the history of earlier nights, published on Pages.
 */
export function nightlyWorkflow(o: CiOptions): Record<string, unknown> {
  const shards = Array.from({ length: o.shards }, (_, i) => i + 1);
  const out = 'shard-${{ matrix.backend }}-${{ matrix.shard }}';
  return {
    name: 'hf-core: nightly',
    on: { schedule: [{ cron: '23 2 * * *' }], workflow_dispatch: null },
    permissions: { contents: 'read' },
    concurrency: { group: 'hf-core-nightly', 'cancel-in-progress': false },
    jobs: {
      shard: {
        name: `shard \${{ matrix.shard }}/${o.shards} on \${{ matrix.backend }}`,
        'runs-on': '${{ matrix.runner }}',
        'timeout-minutes': 360,
        strategy: {
          'fail-fast': false,
          matrix: {
            shard: shards,
            backend: o.backends,
            include: o.backends.map((b) => ({
              backend: b,
              runner: GPU_BACKENDS.has(b) ? (o.gpuRunner.length === 1 ? o.gpuRunner[0] : o.gpuRunner) : 'ubuntu-latest',
            })),
          },
        },
        steps: [
          checkout(),
          ...setupSteps(o, { ONNXRUNTIME_NODE_INSTALL: "${{ matrix.backend == 'cuda' && 'cuda12' || 'skip' }}" }),
          {
            name: 'Run the shard',
            env: { HF_CORE_RUN_ID: RUN_ID },
            run: `${o.hfCore} run --backends "\${{ matrix.backend }}" --shard "\${{ matrix.shard }}/${o.shards}" --out "${out}"\n`,
          },
          {
            uses: 'actions/upload-artifact@v4',
            if: 'always()',
            with: {
              name: out,
              path: `${out}\n!${out}/models\n!${out}/node_modules\n`,
              'retention-days': 14,
              'if-no-files-found': 'error',
            },
          },
        ],
      },
      merge: {
        needs: 'shard',
        if: '${{ !cancelled() }}',
        'runs-on': 'ubuntu-latest',
        steps: [
          checkout(),
          ...setupSteps(o),
          { uses: 'actions/download-artifact@v4', with: { pattern: 'shard-*', path: 'shards' } },
          {
            name: 'Restore the history of earlier nights',
            uses: 'actions/cache/restore@v4',
            with: { path: 'hf-core-history', key: `hf-core-history-${RUN_ID}`, 'restore-keys': 'hf-core-history-' },
          },
          {
            name: 'Merge the shards into one dashboard, appending tonight to the history',
            env: { HF_CORE_RUN_ID: RUN_ID },
            run: `${o.hfCore} report shards/shard-* --out merged --history hf-core-history/history.jsonl\n`,
          },
          {
            name: 'Keep the history for tomorrow',
            uses: 'actions/cache/save@v4',
            with: { path: 'hf-core-history', key: `hf-core-history-${RUN_ID}` },
          },
          {
            name: 'Trends and regressions',
            run:
              "{ echo '```'; " +
              `${o.hfCore} history hf-core-history/history.jsonl; echo '\`\`\`'; } >> "$GITHUB_STEP_SUMMARY"\n` +
              'cp hf-core-history/history.jsonl merged/history.jsonl\n' +
              'printf \'<!doctype html><meta http-equiv="refresh" content="0; url=dashboard/">\\n\' > merged/index.html\n',
          },
          { uses: 'actions/upload-pages-artifact@v3', with: { path: 'merged' } },
          {
            name: 'Fail on regressions',
            run: `${o.hfCore} history hf-core-history/history.jsonl --check > /dev/null\n`,
          },
        ],
      },
      deploy: {
        needs: 'merge',
        if: '${{ !cancelled() }}',
        'runs-on': 'ubuntu-latest',
        permissions: { pages: 'write', 'id-token': 'write' },
        environment: { name: 'github-pages', url: '${{ steps.deployment.outputs.page_url }}' },
        steps: [{ id: 'deployment', uses: 'actions/deploy-pages@v4' }],
      },
    },
  };
}

/** Weekly: the newest transformers release's auto mappings against the catalog; the new types run. */
export function weeklyWorkflow(o: CiOptions): Record<string, unknown> {
  return {
    name: 'hf-core: weekly catalog sync',
    on: { schedule: [{ cron: '41 4 * * 1' }], workflow_dispatch: null },
    permissions: { contents: 'read' },
    jobs: {
      sync: {
        'runs-on': 'ubuntu-latest',
        'timeout-minutes': 180,
        steps: [
          checkout(),
          ...setupSteps(o),
          { uses: 'actions/setup-python@v5', with: { 'python-version': '3.12' } },
          {
            name: 'Fetch the newest transformers release',
            run:
              'python -m pip download --no-deps --only-binary :all: transformers -d transformers-wheel\n' +
              'python -m zipfile -e transformers-wheel/transformers-*.whl transformers-src\n',
          },
          {
            name: 'Sync the catalog',
            run: `${o.hfCore} catalog sync transformers-src | tee -a "$GITHUB_STEP_SUMMARY"\n`,
          },
          { name: 'Generate tests for the new types', run: `${o.hfCore} generate --new --out new-tests\n` },
          {
            name: 'Run the new types',
            run:
              "mapfile -t types < <(jq -r '.added[].modelType' .hf-core/catalog-sync.json)\n" +
              'if [ "${#types[@]}" -eq 0 ]; then echo "No new model type this week."; exit 0; fi\n' +
              `${o.hfCore} run "\${types[@]}" --out weekly-results\n`,
          },
          {
            uses: 'actions/upload-artifact@v4',
            if: 'always()',
            with: {
              name: 'hf-core-weekly',
              path: '.hf-core/catalog-sync.json\nnew-tests\nweekly-results\n!weekly-results/models\n!weekly-results/node_modules\n',
              'if-no-files-found': 'ignore',
            },
          },
        ],
      },
    },
  };
}

/** The workflow files `ci init --github` writes, by path under the target folder. */
export function githubWorkflows(o: CiOptions): Record<string, string> {
  const header = `Written by \`hf-core ${o.args.join(' ')}\`. Edit freely, or rerun it with --force to rewrite.`;
  const render = (value: Record<string, unknown>, what: string) => {
    const doc = new Document(value);
    doc.commentBefore = ` ${what}\n ${header}`;
    return doc.toString({ lineWidth: 0 });
  };
  return {
    '.github/workflows/hf-core-pr.yml': render(
      pullRequestWorkflow(o),
      'On pull requests: generated tests as `hf-core fix` writes them, and the models the change touches.',
    ),
    '.github/workflows/hf-core-nightly.yml': render(
      nightlyWorkflow(o),
      'Nightly: the whole catalog in shards on every backend, merged into one dashboard on GitHub Pages.',
    ),
    '.github/workflows/hf-core-weekly.yml': render(
      weeklyWorkflow(o),
      'Weekly: the catalog against the newest transformers release; the new model types run.',
    ),
  };
}
