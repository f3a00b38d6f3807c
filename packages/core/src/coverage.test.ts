import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exactEntry, FAMILIES, listEntries, SEED_LISTS, writeSyncFile, type CatalogEntry } from '@hf-core/catalog';
import { HfCore } from './core.ts';
import { coverageOf, newTypesRun, uncoveredRows } from './coverage.ts';
import { renderMarkdown } from './reporters/markdown.ts';
import { summarize } from './results.ts';
import type { ModelResult, ResultStatus } from './types.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/**
 * A core loaded as the default run is (a plugin for every built-in family), whose decoder
 * family synthesizes `runs` and knows `mistral` without testing it.
 */
function coreRunning(...runs: string[]): HfCore {
  const core = new HfCore();
  for (const family of FAMILIES.filter((f) => f !== 'decoder-only'))
    core.registerFamily({
      plugin: `test:${family}`,
      family,
      modelTypes: runs.filter((t) => exactEntry(t)?.family === family),
    });
  core.registerFamily({
    plugin: 'test:decoder',
    family: 'decoder-only',
    modelTypes: runs.filter((t) => exactEntry(t)?.family === 'decoder-only'),
    uncovered: { mistral: 'its sliding window is not synthesized yet' },
  });
  return core;
}

describe('every catalog type is a row of the default run', () => {
  it('gives a skip row, once, to each catalog type nothing runs', () => {
    const core = coreRunning('llama', 'gpt2');
    const rows = uncoveredRows(core);
    const refs = rows.map((r) => r.classification.ref);
    expect(new Set(refs).size).toBe(refs.length);
    expect([...refs, 'llama', 'gpt2'].sort()).toEqual(
      listEntries()
        .map((e) => e.modelType)
        .sort(),
    );
    const reason = (t: string) => rows.find((r) => r.classification.ref === t)!.reason;
    expect(reason('mistral')).toBe('its sliding window is not synthesized yet');
    expect(reason('clip_vision_model')).toBe(
      'no family covers it yet: it is the vision tower of clip, which is not covered either; transformers.js does not register it',
    );
    expect(reason('code_llama')).toMatch(
      /^removed from transformers in 5\.17\.0 \(last in 4\.57\.6\); no family covers it yet/,
    );
    expect(reason('bert')).toBe('no family covers it yet: the encoder-only plugin does not synthesize it yet');
    expect(reason('qwen2')).toBe('no family covers it yet: the decoder-only plugin does not synthesize it yet');
    expect(rows.find((r) => r.classification.ref === 'bert')!.classification).toMatchObject({
      modelType: 'bert',
      family: 'encoder-only',
    });
  });

  it('says a sub-config is tested through its parent when the parent runs, and keeps to the loaded families and --family', () => {
    const core = coreRunning('clip');
    const rows = uncoveredRows(core);
    expect(rows.find((r) => r.classification.ref === 'clip_vision_model')!.reason).toBe(
      'a sub-config, the vision tower of clip: tested through clip',
    );
    const decoderOnly = new HfCore();
    decoderOnly.registerFamily({ plugin: 'test:decoder', family: 'decoder-only', modelTypes: ['llama'] });
    const scoped = uncoveredRows(decoderOnly);
    expect(scoped.every((r) => r.classification.family === 'decoder-only')).toBe(true);
    expect(scoped).toHaveLength(listEntries({ family: 'decoder-only' }).length - 1);
    const speech = uncoveredRows(core, { family: 'speech' });
    expect(speech.every((r) => r.classification.family === 'speech')).toBe(true);
    expect(speech).toHaveLength(listEntries({ family: 'speech' }).length);
  });
});

const row = (modelType: string, status: ResultStatus, backend = 'cpu'): ModelResult => ({
  ref: modelType,
  modelType,
  family: exactEntry(modelType)?.family ?? 'in-house',
  backend,
  status,
  reason: '',
  level: null,
  checks: [],
  metrics: {},
  started_at: '2026-01-01T00:00:00.000Z',
  duration_ms: 1,
});

describe('coverage over all catalog types', () => {
  const results = [
    row('llama', 'pass'),
    row('gpt2', 'fail'),
    row('bert', 'pass'),
    row('bert', 'crash', 'wasm'),
    row('vit', 'skip'),
    row('my_encoder', 'pass'),
  ];

  it('counts passing types over every catalog type, by family and over the seed-era lists', () => {
    const cov = coverageOf(results);
    expect(cov.catalog).toEqual({ types: listEntries().length, pass: 1, fail: 2, skip: listEntries().length - 3 });
    expect(cov.byFamily['decoder-only']).toMatchObject({ pass: 1, fail: 1 });
    expect(cov.byFamily['encoder-only']).toMatchObject({ pass: 0, fail: 1 });
    expect(cov.byFamily['in-house']).toEqual({ types: 1, pass: 1, fail: 0, skip: 0 });
    expect(cov.seedLists.map((l) => [l.name, l.types, l.pass, l.fail])).toEqual([
      ['high-priority', 20, 1, 2],
      ['architecture-coverage', 50, 0, 0],
    ]);
    for (const l of SEED_LISTS) for (const t of l.types) expect(exactEntry(t), `${l.name}: ${t}`).toBeDefined();
  });

  it('heads the markdown report', () => {
    const md = renderMarkdown(
      summarize(results, { tool: { name: 'hf-core', version: '0' }, started_at: '', finished_at: '', options: {} }),
    );
    expect(md).toContain(`**Coverage of the catalog**: 1 of ${listEntries().length} pass`);
    expect(md).toContain('| in-house | 1 | 1 | 0 | 0 |');
    expect(md).toContain('- seed-era high-priority types: 1 of 20 pass (5%), 2 fail, 17 not tested.');
  });
});

describe('hf-core run --new', () => {
  it('runs the new types a family synthesizes and gives the others skip rows', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'hf-core-new-'));
    dirs.push(cwd);
    expect(() => newTypesRun(coreRunning('llama'), cwd)).toThrow(/No `hf-core catalog sync` was run/);
    const zorblax: CatalogEntry = {
      modelType: 'zorblax',
      family: 'vision',
      tasks: ['image-classification'],
      hfMappings: [],
      runtimeSupport: 'unsupported',
      configKeys: {},
    };
    writeSyncFile(
      cwd,
      { release: { version: '5.19.0', origin: 'x' }, added: [zorblax], removed: [], returned: [], remapped: [] },
      ['x'],
    );
    writeSyncFile(
      cwd,
      {
        tjs: {
          version: '9',
          origin: 'y',
          added: [{ modelType: 'llama', categories: ['DecoderOnly'] }],
          removed: [],
          changed: [],
        },
      },
      ['y'],
    );
    const { refs, uncovered } = newTypesRun(coreRunning('llama'), cwd);
    expect(refs).toEqual(['llama']);
    expect(uncovered.map((u) => [u.classification.ref, u.classification.family, u.reason])).toEqual([
      [
        'zorblax',
        'vision',
        'new in transformers 5.19.0; no family covers it yet: transformers.js does not register it',
      ],
    ]);
  });
});
