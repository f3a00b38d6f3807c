import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HfCoreError } from './errors.ts';
import { installedPlugins, loadPlugin, pluginCandidates } from './plugin.ts';

// Resolve from the CLI package, which depends on every built-in plugin.
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
