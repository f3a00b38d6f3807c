import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './test-fixtures/cli.ts';

// When no loaded plugin claims or prepares a model, the message names the installed plugin that
// would (issue: `--plugins cpu,wasm` on an export ended with "No plugin can prepare" and no fix).
const shared = fileURLToPath(new URL('../../../../shared/fixtures/real-exports', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'hf-core-plugin-fix-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cli = (...argv: string[]) => runCli(argv, { cwd: root, env: { ...process.env, HF_HUB_OFFLINE: '1' } });

const reasons = (json: string) =>
  (JSON.parse(json) as { results: { status: string; reason?: string }[] }).results.map((r) => r.reason ?? r.status);

describe.skipIf(!existsSync(shared))('errors name the plugin to add (skipped without ../shared)', () => {
  const exported = join(shared, 'optimum__tests_assets_onnx');

  it('a folder the loaded plugins cannot prepare: add checkpoint to --plugins', async () => {
    const r = await cli('generate', exported, '--plugins', 'cpu', '--out', join(root, 'a'), '--json');
    expect(r.code).toBe(1);
    expect(reasons(r.out)).toEqual([
      `No plugin can prepare "${exported}" (distilbert, family encoder-only): add checkpoint to --plugins (installed here, not loaded), e.g. --plugins checkpoint,cpu.`,
    ]);
    // Its twin: the catalog claims the folder (it has config.json), so classify names no plugin.
    const claimed = JSON.parse((await cli('classify', exported, '--plugins', 'cpu', '--json')).out) as {
      reason: string;
    }[];
    expect(claimed[0]!.reason).not.toMatch(/--plugins/);
  });

  it('a folder with no config.json nothing loaded classifies: add checkpoint to --plugins', async () => {
    const dir = join(root, 'no-config');
    mkdirSync(dir);
    copyFileSync(join(exported, 'model.onnx'), join(dir, 'model.onnx'));
    const r = await cli('classify', dir, '--plugins', 'cpu', '--json');
    expect(r.code).toBe(2);
    const [row] = JSON.parse(r.out) as { family: string | null; reason: string }[];
    expect(row!.family).toBeNull();
    expect(row!.reason).toMatch(/; add checkpoint to --plugins \(installed here, not loaded\)/);
    const ok = await cli('classify', dir, '--plugins', 'checkpoint', '--json');
    expect((JSON.parse(ok.out) as { family: string | null }[])[0]!.family).toBe('encoder-only');
  });

  it('a type no loaded plugin synthesizes: add its family plugin', async () => {
    const r = await cli('generate', 'bert', '--plugins', 'cpu', '--out', join(root, 'c'), '--json');
    expect(reasons(r.out)).toEqual([
      'no family covers it yet: no encoder-only family plugin is loaded; add encoder to --plugins (installed here, not loaded), e.g. --plugins encoder,cpu',
    ]);
    // Its twin: a type no installed plugin synthesizes names no plugin.
    const none = await cli('generate', 'mamba', '--plugins', 'cpu', '--out', join(root, 'd'), '--json');
    expect(reasons(none.out)[0]).not.toMatch(/--plugins/);
  });
});
