import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { HfCoreError } from '@hf-core/core';
import { changedFiles, refsTouchedBy } from '../ci/changed.ts';
import { detectProject, githubWorkflows, type CiOptions } from '../ci/workflows.ts';
import type { CommandModule } from '../context.ts';
import { splitList, type CliIO } from '../context.ts';

interface CiFlags {
  github?: boolean;
  dir?: string;
  force?: boolean;
  shards?: number | string;
  backends?: string | string[];
  gpuRunner?: string;
  tests?: string;
  node?: string | number;
  command?: string;
  testCommand?: string;
  lefthook?: boolean;
  base?: string;
}

/** The flags as given, so the header of each file says how to write it again. */
function argsOf(flags: CiFlags): string[] {
  const args = ['ci', 'init', '--github'];
  const add = (name: string, v: unknown) => v !== undefined && args.push(`--${name}`, String(v));
  add('shards', flags.shards);
  add('backends', splitList(flags.backends)?.join(','));
  add('gpu-runner', flags.gpuRunner);
  add('tests', flags.tests);
  add('node', flags.node);
  add('command', flags.command === undefined ? undefined : JSON.stringify(flags.command));
  add('test-command', flags.testCommand === undefined ? undefined : JSON.stringify(flags.testCommand));
  if (flags.lefthook) args.push('--lefthook');
  return args;
}

function lefthookConfig(o: CiOptions, header: string): string {
  return `# ${header}\npre-commit:\n  commands:\n    hf-core-fix-check:\n      glob: ${JSON.stringify(`${o.tests}/**/*.test.ts`)}\n      run: ${o.hfCore} fix --check {staged_files}\n`;
}

/** The files `ci init` writes into `dir`, by path, for these flags. */
export function ciFiles(flags: CiFlags, dir: string): Record<string, string> {
  const shards = Number(flags.shards ?? 4);
  if (!Number.isInteger(shards) || shards < 1 || shards > 256)
    throw new HfCoreError(`--shards expects a whole number from 1 to 256, got "${flags.shards}".`, {
      code: 'BAD_FLAG',
    });
  const project = detectProject(dir);
  const options: CiOptions = {
    args: argsOf(flags),
    ...project,
    hfCore: flags.command ?? project.hfCore,
    shards,
    backends: splitList(flags.backends) ?? ['cpu'],
    gpuRunner: splitList(flags.gpuRunner) ?? ['gpu'],
    tests: flags.tests ?? 'hf-core-tests',
    node: String(flags.node ?? 20),
    testCommand: flags.testCommand,
  };
  const files = githubWorkflows(options);
  if (flags.lefthook)
    files['lefthook.yml'] = lefthookConfig(options, `Written by \`hf-core ${options.args.join(' ')}\`.`);
  return files;
}

export function ciInit(flags: CiFlags, io: CliIO): number {
  if (!flags.github) {
    io.stderr(
      'hf-core ci init: name the CI system: `hf-core ci init --github` (GitHub Actions is the one written today).',
    );
    return 2;
  }
  const dir = resolve(io.cwd, flags.dir ?? '.');
  const files = ciFiles(flags, dir);
  const existing = Object.keys(files).filter((f) => existsSync(join(dir, f)));
  if (existing.length && !flags.force)
    throw new HfCoreError(
      `${existing.map((f) => join(dir, f)).join(', ')} already exist${existing.length === 1 ? 's' : ''}.`,
      {
        code: 'CI_EXISTS',
        hint: 'Pass --force to overwrite them (your edits to them are lost), or --dir to write elsewhere.',
      },
    );
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), text);
    const rel = relative(io.cwd, join(dir, f));
    io.stderr(`wrote ${rel.startsWith('..') ? join(dir, f) : rel}`);
  }
  io.stderr(
    'hf-core ci: the nightly publishes its dashboard with GitHub Pages: enable it under Settings > Pages > Source: GitHub Actions.',
  );
  return 0;
}

function ciChanged(flags: CiFlags, io: CliIO): number {
  if (!flags.base) {
    io.stderr('hf-core ci changed: pass --base, the branch the change goes into, e.g. `--base origin/main`.');
    return 2;
  }
  const root = resolve(io.cwd, flags.dir ?? '.');
  for (const ref of refsTouchedBy(root, changedFiles(root, flags.base), flags.tests ?? 'hf-core-tests')) io.stdout(ref);
  return 0;
}

const command: CommandModule = {
  register(cli, io, done) {
    cli
      .command(
        'ci [action]',
        'Write CI workflows and hooks for your project (init), or list the models a change touches (changed)',
      )
      .usage(
        'ci init --github [--dir DIR] [--force] [--shards N] [--backends cpu,cuda] [--gpu-runner LABEL] [--lefthook]\n' +
          '  $ hf-core ci changed --base origin/main [--tests DIR]\n\n' +
          'init writes .github/workflows/ in DIR (default: here):\n' +
          '  hf-core-pr.yml       pull requests: `hf-core fix --check` on the generated tests, then the models the change touches\n' +
          '  hf-core-nightly.yml  the whole catalog as --shard i/n x backends (GPU backends on --gpu-runner), merged into\n' +
          '                       one dashboard with the history of earlier nights, published on GitHub Pages\n' +
          '  hf-core-weekly.yml   the catalog against the newest transformers release; the new types run\n' +
          'It refuses to overwrite existing files without --force.\n' +
          'changed prints the model refs the files changed since --base touch, one per line: the ref of each\n' +
          'generated test changed, and each model folder (one with a config.json) with a changed file.',
      )
      .option('--github', 'Write GitHub Actions workflows')
      .option('--dir <dir>', 'The project folder (default: the current one)')
      .option('--force', 'Overwrite workflow files that exist')
      .option('--shards <n>', 'Nightly shards per backend (default 4)')
      .option(
        '--backends <names>',
        'Nightly backends, comma-separated (default cpu); cuda and webgpu run on --gpu-runner',
      )
      .option('--gpu-runner <label>', 'runs-on labels of your GPU runners, comma-separated (default gpu)')
      .option('--tests <dir>', 'Folder of generated tests to keep checked (default hf-core-tests)')
      .option('--node <version>', 'Node version (default 20)')
      .option('--command <cmd>', 'How the workflows call hf-core (default: from your lockfile, e.g. `npx hf-core`)')
      .option('--test-command <cmd>', "Your project's own tests, run on pull requests first")
      .option('--lefthook', 'Also write lefthook.yml: `hf-core fix --check` on staged generated tests')
      .option('--base <ref>', 'changed: the branch the change goes into')
      .example('  hf-core ci init --github')
      .example('  hf-core ci init --github --backends cpu,cuda --gpu-runner self-hosted,gpu --shards 8')
      .example('  hf-core ci init --github --dir ../my-project --force --lefthook')
      .example('  hf-core run $(hf-core ci changed --base origin/main)')
      .action((action: string | undefined, flags: CiFlags) => {
        if (action === 'init') return done(ciInit(flags, io));
        if (action === 'changed') return done(ciChanged(flags, io));
        io.stderr(
          `hf-core ci: ${action ? `unknown action "${action}"` : 'name an action'}: \`hf-core ci init --github\` or \`hf-core ci changed --base REF\`.`,
        );
        return done(2);
      });
  },
};
export default command;
