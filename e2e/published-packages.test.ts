import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  changesetPackages,
  manifestProblems,
  publishedPackages,
  tarballProblems,
} from '../scripts/release-check-manifests.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));

/** A repo of files: { 'packages/a/package.json': '...' }. */
const scratch: string[] = [];
afterAll(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));
function fakeRepo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'hf-core-manifests-'));
  scratch.push(dir);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

const GOOD = {
  name: '@acme/good',
  version: '1.0.0',
  description: 'a package',
  keywords: ['hf-core'],
  license: 'MIT',
  engines: { node: '>=20' },
  repository: { type: 'git', url: 'git+https://example.com/x.git', directory: 'packages/good' },
};

describe('what every published package carries', () => {
  it('every package of this repo that publishes has README, engines, repository, keywords and a changeset', () => {
    const published = publishedPackages(repo);
    expect(published.map((p) => p.manifest.name)).toEqual(expect.arrayContaining(['hf-core', '@hf-core/cli']));
    const inChangesets = changesetPackages(repo);
    expect(published.flatMap((p) => manifestProblems(repo, p, inChangesets))).toEqual([]);
  });

  it('a package without them is refused, each lack named (the broken twin)', () => {
    const dir = fakeRepo({
      'packages/good/package.json': JSON.stringify(GOOD),
      'packages/good/README.md': '# @acme/good\n\n```sh\nnpm i -D @acme/good\n```\n',
      'packages/bare/package.json': JSON.stringify({ name: '@acme/bare', version: '1.0.0' }),
      'packages/vague/package.json': JSON.stringify({ ...GOOD, name: '@acme/vague', repository: { url: 'x' } }),
      'packages/vague/README.md': '# @acme/vague\n\nIt does things.\n',
      'packages/secret/package.json': JSON.stringify({ name: '@acme/secret', version: '1.0.0', private: true }),
      '.changeset/one.md': '---\n"@acme/good": minor\n"@acme/vague": patch\n---\n\nText.\n',
    });
    const published = publishedPackages(dir);
    expect(published.map((p) => p.manifest.name)).toEqual(['@acme/bare', '@acme/good', '@acme/vague']);
    const problems = published.flatMap((p) => manifestProblems(dir, p, changesetPackages(dir)));
    expect(problems).toEqual([
      '@acme/bare (packages/bare): no README.md',
      '@acme/bare (packages/bare): no "description"',
      '@acme/bare (packages/bare): no "engines": { "node": ... }',
      '@acme/bare (packages/bare): no "repository"',
      '@acme/bare (packages/bare): "keywords" lack "hf-core"',
      '@acme/bare (packages/bare): no "license"',
      '@acme/bare (packages/bare): no changeset in .changeset/ names it',
      '@acme/vague (packages/vague): README.md does not say how to install it (a line `npm i -D ... @acme/vague`)',
      '@acme/vague (packages/vague): README.md has no example (a ```sh, ```ts or ```js block)',
      '@acme/vague (packages/vague): "repository.directory" is not "packages/vague"',
    ]);
  });

  it('a tarball with a workspace: range, no README, or an entry it does not hold is refused', () => {
    const manifest = {
      name: '@acme/t',
      version: '1.0.0',
      main: './dist/index.js',
      bin: { t: './dist/bin.js' },
      exports: { '.': { 'hf-core-source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' } },
      dependencies: { '@acme/core': '^1.0.0', '@acme/util': 'workspace:^' },
    };
    const good = ['package/package.json', 'package/README.md', 'package/dist/index.js', 'package/dist/bin.js'];
    expect(tarballProblems('@acme/t', good, { ...manifest, dependencies: { '@acme/core': '^1.0.0' } })).toEqual([]);
    expect(
      tarballProblems('@acme/t', ['package/package.json', 'package/dist/index.js', 'package/src/a.test.ts'], manifest),
    ).toEqual([
      '@acme/t: dependency @acme/util is still "workspace:^"',
      '@acme/t: README.md is not in the tarball',
      '@acme/t: entry dist/bin.js is not in the tarball',
      '@acme/t: test files are packed',
    ]);
  });

  it('a subpath pattern export is held when some packed file matches it, refused when none does', () => {
    const manifest = {
      name: '@acme/k',
      version: '1.0.0',
      exports: { './kinds/*': { types: './dist/kinds/*/checks.d.ts', default: './dist/kinds/*/checks.js' } },
    };
    const base = ['package/package.json', 'package/README.md'];
    expect(tarballProblems('@acme/k', [...base, 'package/dist/kinds/vlm/checks.js'], manifest)).toEqual([]);
    expect(tarballProblems('@acme/k', [...base, 'package/dist/kinds/vlm/index.js'], manifest)).toEqual([
      '@acme/k: entry dist/kinds/*/checks.js is not in the tarball',
    ]);
  });
});
