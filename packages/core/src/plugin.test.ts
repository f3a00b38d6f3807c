import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HfCoreError } from './errors.ts';
import { installedPlugins, loadPlugin, pluginCandidates } from './plugin.ts';
import { exportsTarget, importConditions } from './plugin-resolve.ts';

// Resolve from the CLI package: in the monorepo every built-in plugin is installed above it.
const cliDir = fileURLToPath(new URL('../../cli/src/', import.meta.url));

describe('plugin resolution', () => {
  it('turns a short name into @hf-core/plugin-<name>, then hf-core-plugin-<name>, then the name', () => {
    expect(pluginCandidates('vision')).toEqual(['@hf-core/plugin-vision', 'hf-core-plugin-vision', 'vision']);
    expect(pluginCandidates('@acme/hf-plugin')).toEqual(['@acme/hf-plugin']);
    expect(pluginCandidates('./local.ts')).toEqual(['./local.ts']);
  });

  it('loads a built-in plugin by short name and calls its factory', async () => {
    const loaded = await loadPlugin('encoder', [cliDir]);
    expect(loaded.plugin.name).toBe('hf-core:encoder');
    expect(loaded.resolved).toMatch(/plugins\/encoder\/src\/index\.ts$/);
  });

  it('loads a plugin by path, with options from the spec', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-plugin-'));
    writeFileSync(join(dir, 'mine.mjs'), 'export default (o) => ({ name: "mine:" + o.flavour, apply() {} });\n');
    const loaded = await loadPlugin(['./mine.mjs', { flavour: 'x' }], [dir]);
    expect(loaded.plugin.name).toBe('mine:x');
  });

  it('an unknown name fails with exit code 2, the names tried and the plugins installed', async () => {
    const err = await loadPlugin('nope', [cliDir]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HfCoreError);
    const e = err as HfCoreError;
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain('"@hf-core/plugin-nope", "hf-core-plugin-nope", "nope"');
    expect(e.hint).toMatch(/Installed plugins: .*cpu.*encoder/);
    expect(installedPlugins([cliDir])).toEqual(expect.arrayContaining(['cpu', 'encoder', 'wasm']));
  });

  it('a module without a default-exported factory, or a factory returning junk, is refused with what to do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-plugin-'));
    mkdirSync(join(dir, 'p'));
    writeFileSync(join(dir, 'p', 'none.mjs'), 'export const x = 1;\n');
    writeFileSync(join(dir, 'p', 'junk.mjs'), 'export default () => 42;\n');
    await expect(loadPlugin('./p/none.mjs', [dir])).rejects.toThrow(/no default-exported factory/);
    await expect(loadPlugin('./p/junk.mjs', [dir])).rejects.toThrow(/did not return \{ name, apply \}/);
  });
});

/** A folder of files, each written with its content: { 'a/b.mjs': '...' }. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'hf-plugin-'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

const PLUGIN_MJS = (name: string) => `export default () => ({ name: ${JSON.stringify(name)}, apply() {} });\n`;

describe('plugins by path: folders, .js/.mjs and TypeScript files', () => {
  it('a folder loads through its package.json exports (conditions in order), main, or index file', async () => {
    const dir = project({
      'by-exports/package.json': JSON.stringify({
        type: 'module',
        exports: { '.': { types: './index.d.ts', import: './lib/entry.mjs', default: './nope.js' } },
      }),
      'by-exports/lib/entry.mjs': PLUGIN_MJS('by-exports'),
      'by-main/package.json': JSON.stringify({ type: 'module', main: './main.js' }),
      'by-main/main.js': PLUGIN_MJS('by-main'),
      'by-index/index.mjs': PLUGIN_MJS('by-index'),
    });
    for (const name of ['by-exports', 'by-main', 'by-index'])
      expect((await loadPlugin(`./${name}`, [dir])).plugin.name).toBe(name);
  });

  it('a TypeScript file, and a folder whose exports point at TypeScript, load with their imports', async () => {
    const dir = project({
      'plug.ts': `import { suffix } from './lib/suffix.ts';\nconst n: string = 'ts-file' + suffix;\nexport default () => ({ name: n, apply(): void {} });\n`,
      'lib/suffix.ts': `export const suffix: string = '!';\n`,
      'ts-folder/package.json': JSON.stringify({ type: 'module', exports: { '.': './src/index.ts' } }),
      'ts-folder/src/index.ts': `export default (o?: { x?: number }) => ({ name: 'ts-folder:' + (o?.x ?? 0), apply(): void {} });\n`,
    });
    expect((await loadPlugin('./plug.ts', [dir])).plugin.name).toBe('ts-file!');
    expect((await loadPlugin(['./ts-folder', { x: 3 }], [dir])).plugin.name).toBe('ts-folder:3');
    expect((await loadPlugin(join(dir, 'ts-folder'), [tmpdir()])).resolved).toBe(
      realpathSync(join(dir, 'ts-folder', 'src', 'index.ts')),
    );
  });

  it('a folder without an entry, or exports pointing at a missing file, fails with exit 2 and each place tried', async () => {
    const dir = project({
      'empty/README.md': 'no code here',
      'unbuilt/package.json': JSON.stringify({ exports: { '.': './dist/index.js' } }),
      'bad-main/package.json': JSON.stringify({ main: './gone.js' }),
    });
    const fail = async (spec: string) => (await loadPlugin(spec, [dir]).catch((e: unknown) => e)) as HfCoreError;
    const empty = await fail('./empty');
    expect(empty).toBeInstanceOf(HfCoreError);
    expect(empty.exitCode).toBe(2);
    expect(empty.message).toContain(`${join(dir, 'empty')} has no package.json`);
    expect(empty.message).toContain('has no index.js, index.mjs, index.ts, index.mts');
    expect(empty.hint).toMatch(/a \.js, \.mjs or \.ts file, or a folder with a package\.json/);
    expect((await fail('./unbuilt')).message).toMatch(/"exports" points at \.\/dist\/index\.js, which does not exist/);
    expect((await fail('./bad-main')).message).toMatch(/"main" points at \.\/gone\.js, which does not exist/);
    expect((await fail('./not-there.ts')).message).toContain(`${join(dir, 'not-there.ts')} does not exist`);
  });

  it('a plugin that throws while loading, or imports what is not installed, is exit 2 saying which file and why', async () => {
    const dir = project({
      'throws.mjs': `throw new Error('boom at load');\n`,
      'missing-dep.mjs': `import 'hf-core-no-such-dependency';\nexport default () => ({ name: 'x', apply() {} });\n`,
      'syntax.ts': `export default () => ({ name: 'x', apply() {} ;\n`,
    });
    const fail = async (spec: string) => (await loadPlugin(spec, [dir]).catch((e: unknown) => e)) as HfCoreError;
    const threw = await fail('./throws.mjs');
    expect(threw).toMatchObject({ code: 'PLUGIN_LOAD_FAILED', exitCode: 2 });
    expect(threw.message).toBe(
      `Plugin "./throws.mjs" (${realpathSync(join(dir, 'throws.mjs'))}) failed to load: boom at load`,
    );
    const missing = await fail('./missing-dep.mjs');
    expect(missing).toMatchObject({ code: 'PLUGIN_LOAD_FAILED', exitCode: 2 });
    expect(missing.hint).toContain('`npm i -D hf-core-no-such-dependency`');
    expect(await fail('./syntax.ts')).toMatchObject({ code: 'PLUGIN_LOAD_FAILED', exitCode: 2 });
  });

  it('an installed package is read through its exports like a folder; a broken one says so rather than "not installed"', async () => {
    const dir = project({
      'node_modules/hf-core-plugin-good/package.json': JSON.stringify({ exports: { '.': { import: './x.mjs' } } }),
      'node_modules/hf-core-plugin-good/x.mjs': PLUGIN_MJS('good'),
      'node_modules/@acme/hf-broken/package.json': JSON.stringify({ exports: { './other': './o.mjs' } }),
    });
    expect((await loadPlugin('good', [dir])).plugin.name).toBe('good');
    const broken = (await loadPlugin('@acme/hf-broken', [dir]).catch((e: unknown) => e)) as HfCoreError;
    expect(broken.message).toContain('"@acme/hf-broken" is installed at');
    expect(broken.message).toContain('"exports" has no "." entry');
    expect(installedPlugins([dir])).toContain('good');
  });

  it('the not-installed hint speaks to an npm user', async () => {
    const err = (await loadPlugin('nope', [cliDir]).catch((e: unknown) => e)) as HfCoreError;
    expect(err.hint).toContain('`npm i -D @hf-core/plugin-nope`');
    expect(err.hint).toContain('./my-plugin.ts');
  });
});

describe('exports resolution', () => {
  it('picks the first matching condition in the object order, nested, for "." or a subpath', () => {
    const exp = {
      '.': { types: './i.d.ts', node: { import: './n.mjs', require: './n.cjs' }, default: './d.js' },
      './x': './x.js',
    };
    expect(exportsTarget(exp, '.', importConditions([], ''))).toBe('./n.mjs');
    expect(exportsTarget(exp, './x', importConditions([], ''))).toBe('./x.js');
    expect(exportsTarget(exp, './y', importConditions([], ''))).toBeUndefined();
    expect(exportsTarget({ require: './r.cjs' }, '.', importConditions([], ''))).toBeUndefined();
    const src = { '.': { 'hf-core-source': './src/index.ts', default: './dist/index.js' } };
    expect(exportsTarget(src, '.', importConditions([], ''))).toBe('./dist/index.js');
    expect(exportsTarget(src, '.', importConditions(['--conditions=hf-core-source'], ''))).toBe('./src/index.ts');
    expect(exportsTarget(src, '.', importConditions([], '-C hf-core-source'))).toBe('./src/index.ts');
  });
});
