/**
 * The workspace's dependency rules, read from every manifest (packages/*, plugins/*, examples/*)
 * and every source import: no package depends on a plugin, no plugin on another plugin (test-only
 * devDependencies included), every workspace package a source file imports is declared, and
 * there is no circle between workspace packages.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEP_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'] as const;

/**
 * The one package allowed to list plugins: `hf-core`, a manifest and a bin shim that brings
 * @hf-core/cli with the default plugins, which the CLI loads by name through core's plugin
 * loader; its source never imports one (checked below).
 */
const DISTRIBUTIONS: Readonly<Record<string, string>> = {
  'hf-core': '@hf-core/cli plus the default plugins, loaded by name',
};

interface Workspace {
  name: string;
  dir: string;
  plugin: boolean;
  /** Workspace packages named in any dependency field, with the field. */
  declared: Map<string, string>;
  /** Workspace packages its source files import, with one file that does. */
  imported: Map<string, string>;
}

const isPluginName = (name: string) => /^(@hf-core\/plugin-|hf-core-plugin-)/.test(name);

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|mts|mjs|js|eta)$/.test(f) && !f.split('/').includes('node_modules'))
    .map((f) => join(dir, f));
}

/** Package names a file imports (static, dynamic, require), read by TypeScript's scanner, so code in strings is not counted. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  // eta templates are generated test files: their imports are the generated test's, scanned the same way.
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

const packageOf = (specifier: string) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;

function readWorkspaces(root = ROOT): Workspace[] {
  const dirs = ['packages', 'plugins', 'examples'].flatMap((group) =>
    existsSync(join(root, group))
      ? readdirSync(join(root, group))
          .map((d) => join(root, group, d))
          .filter((d) => existsSync(join(d, 'package.json')))
      : [],
  );
  const manifests = dirs.map((dir) => ({
    dir,
    json: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>,
  }));
  const names = new Set(manifests.map((m) => m.json.name as string));
  return manifests.map(({ dir, json }) => {
    const name = json.name as string;
    const declared = new Map<string, string>();
    for (const field of DEP_FIELDS) {
      for (const dep of Object.keys((json[field] as Record<string, string> | undefined) ?? {})) {
        if (names.has(dep)) declared.set(dep, field);
      }
    }
    const imported = new Map<string, string>();
    for (const file of [...sourceFiles(join(dir, 'src')), ...sourceFiles(join(dir, 'templates'))]) {
      for (const spec of importsOf(file)) {
        const pkg = packageOf(spec);
        if (names.has(pkg) && pkg !== name && !imported.has(pkg)) imported.set(pkg, relative(root, file));
      }
    }
    return {
      name,
      dir: relative(root, dir),
      plugin: dir.includes('/plugins/') || isPluginName(name),
      declared,
      imported,
    };
  });
}

/** Edges onto a plugin that the rules forbid, one line each. */
function pluginEdges(workspaces: Workspace[]): string[] {
  const plugins = new Set(workspaces.filter((w) => w.plugin).map((w) => w.name));
  const bad: string[] = [];
  for (const w of workspaces) {
    for (const [dep, field] of w.declared) {
      if (!plugins.has(dep)) continue;
      if (!w.plugin && DISTRIBUTIONS[w.name]) continue;
      bad.push(`${w.name} (${w.dir}/package.json ${field}) -> plugin ${dep}`);
    }
    for (const [dep, file] of w.imported) {
      if (plugins.has(dep)) bad.push(`${w.name} imports plugin ${dep} (${file})`);
    }
  }
  return bad;
}

/** Imports of a workspace package that the importer's manifest does not declare. */
function undeclaredImports(workspaces: Workspace[]): string[] {
  return workspaces.flatMap((w) =>
    [...w.imported].filter(([dep]) => !w.declared.has(dep)).map(([dep, file]) => `${w.name}: ${file} imports ${dep}`),
  );
}

/** Every circle in the graph of declared and imported edges, each as `a -> b -> a`. */
function circles(workspaces: Workspace[]): string[] {
  const edges = new Map(workspaces.map((w) => [w.name, new Set([...w.declared.keys(), ...w.imported.keys()])]));
  const found = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const visit = (node: string, path: string[]) => {
    if (state.get(node) === 'done') return;
    if (state.get(node) === 'open') {
      const loop = path.slice(path.indexOf(node));
      const start = loop.indexOf([...loop].sort()[0]!);
      const canonical = [...loop.slice(start), ...loop.slice(0, start)];
      found.add([...canonical, canonical[0]].join(' -> '));
      return;
    }
    state.set(node, 'open');
    for (const next of edges.get(node) ?? []) visit(next, [...path, node]);
    state.set(node, 'done');
  };
  for (const node of edges.keys()) visit(node, []);
  return [...found].sort();
}

describe('workspace dependency rules', () => {
  const workspaces = readWorkspaces();

  it('reads every package, plugin and example', () => {
    const dirs = workspaces.map((w) => w.dir);
    expect(dirs).toEqual(
      expect.arrayContaining(['packages/core', 'packages/ort', 'plugins/cpu', 'examples/custom-family']),
    );
    expect(workspaces.find((w) => w.dir === 'plugins/cpu')!.plugin).toBe(true);
    expect(workspaces.find((w) => w.dir === 'packages/harness')!.plugin).toBe(false);
  });

  it('no package depends on a plugin and no plugin on another plugin, devDependencies and imports included', () => {
    expect(pluginEdges(workspaces)).toEqual([]);
  });

  it('every workspace package a source file imports is declared in its manifest', () => {
    expect(undeclaredImports(workspaces)).toEqual([]);
  });

  it('no circle between workspace packages', () => {
    expect(circles(workspaces)).toEqual([]);
  });

  it('the distribution exception holds only while its source imports no plugin', () => {
    for (const name of Object.keys(DISTRIBUTIONS)) {
      const w = workspaces.find((x) => x.name === name)!;
      expect([...w.imported.keys()].filter(isPluginName)).toEqual([]);
    }
  });
});

describe('the rules reject what they should (broken twins)', () => {
  const ws = (
    name: string,
    deps: string[],
    imported: string[] = [],
    dir = `plugins/${name.split('-').pop()}`,
  ): Workspace => ({
    name,
    dir,
    plugin: dir.startsWith('plugins/') || isPluginName(name),
    declared: new Map(deps.map((d) => [d, 'devDependencies'])),
    imported: new Map(imported.map((d) => [d, `${dir}/src/x.ts`])),
  });

  it('a family plugin that lists the cpu plugin for its tests, and a package that imports a plugin', () => {
    const graph = [
      ws('@hf-core/plugin-cpu', []),
      ws('@hf-core/plugin-decoder', ['@hf-core/plugin-cpu']),
      ws('@hf-core/harness', ['@hf-core/plugin-cpu'], ['@hf-core/plugin-cpu'], 'packages/harness'),
    ];
    expect(pluginEdges(graph)).toEqual([
      '@hf-core/plugin-decoder (plugins/decoder/package.json devDependencies) -> plugin @hf-core/plugin-cpu',
      '@hf-core/harness (packages/harness/package.json devDependencies) -> plugin @hf-core/plugin-cpu',
      '@hf-core/harness imports plugin @hf-core/plugin-cpu (packages/harness/src/x.ts)',
    ]);
  });

  it('an import the manifest does not declare, and a circle through a devDependency', () => {
    const graph = [
      ws('@hf-core/core', ['@hf-core/harness'], [], 'packages/core'),
      ws('@hf-core/harness', [], ['@hf-core/core'], 'packages/harness'),
    ];
    expect(undeclaredImports(graph)).toEqual(['@hf-core/harness: packages/harness/src/x.ts imports @hf-core/core']);
    expect(circles(graph)).toEqual(['@hf-core/core -> @hf-core/harness -> @hf-core/core']);
  });
});
