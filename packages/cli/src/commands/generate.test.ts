import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listEntries, writeSyncFile, type CatalogEntry } from '@hf-core/catalog';
import { uncoveredRows } from '@hf-core/core';
import { createCore, defaultPlugins } from '../context.ts';
import { runCli } from '../test-fixtures/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'hf-core-cli-new-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cli = (...argv: string[]) => runCli(argv, { cwd: root, env: {} });

const zorblax: CatalogEntry = {
  modelType: 'zorblax',
  family: 'vision',
  tasks: ['image-classification'],
  hfMappings: ['MODEL_FOR_IMAGE_CLASSIFICATION'],
  runtimeSupport: 'unsupported',
  configKeys: {},
};

describe('the release check: catalog sync, then generate --new and run --new', () => {
  it('say so and do nothing when no sync ran here', async () => {
    const g = await cli('generate', '--new', '--plugins', 'cpu');
    expect([g.code, g.err]).toEqual([0, expect.stringContaining('found no new types (or none was run here)')]);
    const r = await cli('run', '--new', '--plugins', 'cpu', '--out', 'out');
    expect(r.code).toBe(0);
    expect(r.err).toContain('No `hf-core catalog sync` was run in this folder');
  });

  it('take exactly the new types: a type no loaded family synthesizes is a row that says why', async () => {
    writeSyncFile(
      root,
      { release: { version: '5.19.0', origin: 'x' }, added: [zorblax], removed: [], returned: [], remapped: [] },
      ['x'],
    );
    writeSyncFile(
      root,
      {
        tjs: {
          version: '9',
          origin: 'y',
          added: [{ modelType: 'gpt2', categories: ['DecoderOnly'] }],
          removed: [],
          changed: [],
        },
      },
      ['y'],
    );
    const g = await cli('generate', '--new', '--plugins', 'cpu', '--json', '--out', 'tests-out');
    expect(g.code, g.err).toBe(0);
    const rows = JSON.parse(g.out).results as { ref: string; status: string; reason: string }[];
    expect(rows.map((r) => [r.ref, r.status])).toEqual([
      ['zorblax', 'not-covered'],
      ['gpt2', 'not-covered'],
    ]);
    expect(rows[0].reason).toBe('no family covers it yet: transformers.js does not register it');
    expect(rows[1].reason).toBe(
      'no family covers it yet: no decoder-only family plugin is loaded; add decoder to --plugins (installed here, not loaded), e.g. --plugins decoder,cpu',
    );

    const r = await cli('run', '--new', '--plugins', 'cpu', '--out', 'out', '--quiet', '--reporters', 'json');
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(readFileSync(join(root, 'out', 'summary.json'), 'utf8'));
    expect(summary.results.map((x: { ref: string; status: string }) => [x.ref, x.status])).toEqual([
      ['zorblax', 'skip'],
      ['gpt2', 'skip'],
    ]);
    expect(summary.results[0].reason).toBe(
      'not covered yet: new in transformers 5.19.0; no family covers it yet: transformers.js does not register it',
    );
  });
});

describe('the default run', () => {
  it('gives every catalog type a row: the built-in families run theirs, every other type is a skip row', async () => {
    // The default plugins are the installed ones: those of the workspace root here.
    const io = { stdout: () => {}, stderr: () => {}, cwd: process.cwd(), env: {} };
    const core = await createCore(io, await defaultPlugins(io, 'run'));
    const runs = core.synthesizableTypes();
    const skips = uncoveredRows(core).map((r) => r.classification.ref);
    expect(new Set([...runs, ...skips]).size).toBe(runs.length + skips.length);
    const missing = listEntries()
      .map((e) => e.modelType)
      .filter((t) => !runs.includes(t) && !skips.includes(t));
    expect(missing).toEqual([]);
  });
});
