/**
 * What every published package must carry, checked from the tree (before packing) and from each
 * packed tarball: a README that says what it is, how to install it and shows an example; engines,
 * repository, keywords; a changeset naming it; no `workspace:` range left in what is published;
 * and every entry point (main, bin, exports) inside the tarball.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  description?: string;
  keywords?: string[];
  license?: string;
  engines?: { node?: string };
  repository?: { type?: string; url?: string; directory?: string } | string;
  main?: string;
  bin?: string | Record<string, string>;
  exports?: unknown;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

export interface PublishedPackage {
  /** Folder relative to the repo root: packages/core, plugins/cpu. */
  dir: string;
  manifest: Manifest;
}

/** Folders whose packages may publish. */
export const PACKAGE_ROOTS = ['packages', 'plugins'];

/** Every package under PACKAGE_ROOTS that is not private. */
export function publishedPackages(repo: string): PublishedPackage[] {
  const out: PublishedPackage[] = [];
  for (const root of PACKAGE_ROOTS) {
    if (!existsSync(join(repo, root))) continue;
    for (const name of readdirSync(join(repo, root)).sort()) {
      const file = join(repo, root, name, 'package.json');
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
      if (!manifest.private) out.push({ dir: `${root}/${name}`, manifest });
    }
  }
  return out;
}

/** Package names in the front matter of each .changeset/*.md. */
export function changesetPackages(repo: string): Set<string> {
  const dir = join(repo, '.changeset');
  const names = new Set<string>();
  if (!existsSync(dir)) return names;
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.md') || f === 'README.md') continue;
    const front = /^---\n([\s\S]*?)\n---/.exec(readFileSync(join(dir, f), 'utf8'))?.[1] ?? '';
    for (const m of front.matchAll(/^\s*["']?([^"':\s]+)["']?\s*:\s*(major|minor|patch)\s*$/gm)) names.add(m[1]!);
  }
  return names;
}

/** What a package's metadata and README lack; empty when it is fit to publish. */
export function manifestProblems(repo: string, pkg: PublishedPackage, inChangesets: Set<string>): string[] {
  const m = pkg.manifest;
  const problems: string[] = [];
  const readme = join(repo, pkg.dir, 'README.md');
  if (!existsSync(readme)) problems.push('no README.md');
  else {
    const text = readFileSync(readme, 'utf8');
    if (!text.startsWith(`# ${m.name}`)) problems.push(`README.md does not start with "# ${m.name}"`);
    const installs = text.split('\n').filter((l) => /^\s*npm i(nstall)? /.test(l));
    if (!installs.some((l) => l.split(/\s+/).includes(m.name)))
      problems.push(`README.md does not say how to install it (a line \`npm i -D ... ${m.name}\`)`);
    if (!/```(ts|js|sh)\n/.test(text)) problems.push('README.md has no example (a ```sh, ```ts or ```js block)');
  }
  if (!m.description) problems.push('no "description"');
  if (!m.engines?.node) problems.push('no "engines": { "node": ... }');
  const repoField = typeof m.repository === 'string' ? { url: m.repository } : m.repository;
  if (!repoField?.url) problems.push('no "repository"');
  else if (repoField.directory !== pkg.dir) problems.push(`"repository.directory" is not "${pkg.dir}"`);
  if (!m.keywords?.includes('hf-core')) problems.push('"keywords" lack "hf-core"');
  if (!m.license) problems.push('no "license"');
  if (!inChangesets.has(m.name)) problems.push('no changeset in .changeset/ names it');
  return problems.map((p) => `${m.name} (${pkg.dir}): ${p}`);
}

/** Every string leaf of an `exports` value that a runtime would load (types and source conditions aside). */
function exportTargets(exp: unknown): string[] {
  if (typeof exp === 'string') return [exp];
  if (!exp || typeof exp !== 'object') return [];
  return Object.entries(exp).flatMap(([k, v]) => (k === 'types' || k === 'hf-core-source' ? [] : exportTargets(v)));
}

/** An entry is in the tarball; a subpath pattern (one star, as in multimodal's kinds export) when some file matches it. */
function hasEntry(have: Set<string>, entry: string): boolean {
  if (!entry.includes('*')) return have.has(entry);
  const [head, tail] = entry.split('*', 2) as [string, string];
  return [...have].some((f) => f.length > head.length + tail.length && f.startsWith(head) && f.endsWith(tail));
}

/** What a packed tarball lacks: files is its listing (paths under package/), manifest its package.json. */
export function tarballProblems(name: string, files: string[], manifest: Manifest): string[] {
  const have = new Set(files.map((f) => f.replace(/^package\//, '')));
  const problems: string[] = [];
  const ranges = { ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.optionalDependencies };
  for (const [dep, range] of Object.entries(ranges))
    if (range.startsWith('workspace:')) problems.push(`dependency ${dep} is still "${range}"`);
  if (!have.has('README.md')) problems.push('README.md is not in the tarball');
  const bins = typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin ?? {});
  const entries = [manifest.main, ...bins, ...exportTargets(manifest.exports)].filter((x): x is string => !!x);
  for (const entry of new Set(entries.map((e) => e.replace(/^\.\//, ''))))
    if (!hasEntry(have, entry)) problems.push(`entry ${entry} is not in the tarball`);
  if ([...have].some((f) => f.endsWith('.test.ts') || f.endsWith('.test.js'))) problems.push('test files are packed');
  return problems.map((p) => `${name}: ${p}`);
}
