import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModelResult } from '@hf-core/core';
import { runCli } from '../test-fixtures/cli.ts';

// A project with hf-core installed: the workspace's node_modules stands in for the user's.
const root = mkdtempSync(join(tmpdir(), 'hf-core-plugin-new-'));
symlinkSync(fileURLToPath(new URL('../../../../node_modules', import.meta.url)), join(root, 'node_modules'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cli = (...argv: string[]) => runCli(argv, { cwd: root, env: {} });

describe('hf-core plugin new', () => {
  it('scaffolds a family and a backend plugin that run at once, by folder and by .ts path', async () => {
    expect((await cli('plugin', 'new', 'acme-enc', '--family')).code).toBe(0);
    const backend = await cli('plugin', 'new', 'acme-be', '--backend', '--dir', 'plugins/acme-be');
    expect(backend.code).toBe(0);
    expect(backend.out).toContain('npx hf-core run --plugins encoder,./plugins/acme-be --models bert');
    const manifest = JSON.parse(readFileSync(join(root, 'acme-enc', 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: 'hf-core-plugin-acme-enc', exports: { '.': './src/index.ts' } });
    // The family's model type, on the scaffolded backend: both plugins work as written.
    const out = join(root, 'out');
    const flags = '--models acme_enc --quiet --runs 2 --warmup 0 --min-ms 0'.split(' ');
    const r = await cli('run', '--plugins', './acme-enc/src/index.ts,./plugins/acme-be', ...flags, '--out', out);
    expect(r.code, r.err).toBe(0);
    const [row] = readFileSync(join(out, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ModelResult);
    expect(row).toMatchObject({ modelType: 'acme_enc', backend: 'acme-be', status: 'pass', level: 'session' });
    expect(row!.checks.map((c) => c.name)).toEqual(['output-shapes', 'determinism', 'latency']);
    const listed = await cli('plugins', '--plugins', './acme-enc', '--json');
    expect(JSON.parse(listed.out)[0]).toMatchObject({
      kind: 'family encoder-only',
      provides: '1 model types: acme_enc',
    });
  });

  it('refuses a bad name, a missing or double kind, an unknown action and a folder that is not empty, with exit 2', async () => {
    mkdirSync(join(root, 'taken'));
    writeFileSync(join(root, 'taken', 'x.txt'), 'mine');
    const cases = [
      [['plugin', 'new', 'Bad_Name', '--family'], /must be lower-case letters, digits and dashes/],
      [['plugin', 'new', '../escape', '--family'], /must be lower-case letters/],
      [['plugin', 'new', 'ok'], /Say which kind: --family or --backend/],
      [['plugin', 'new', 'ok', '--family', '--backend'], /Say which kind/],
      [['plugin', 'make', 'ok', '--family'], /Unknown plugin action "make"/],
      [['plugin', 'new', 'taken', '--family'], /exists and is not empty/],
    ] as const;
    for (const [argv, message] of cases) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
    }
    expect(readFileSync(join(root, 'taken', 'x.txt'), 'utf8')).toBe('mine');
    expect(existsSync(join(root, 'ok'))).toBe(false);
  });
});
