import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listEntries } from './catalog.ts';
import { classifyModelType } from './classify.ts';
import { parseMappingDicts } from './python-dicts.ts';
import { diffAutoFiles, readSyncFile, readSyncedNewTypes, SyncSourceError, writeSyncFile, SYNC_FILE } from './sync.ts';

const hfEntries = listEntries().filter((e) => e.sources?.includes('transformers'));
const pyName = (table: string) =>
  table === 'MODEL_FOR_AUDIO_TOKENIZATION' ? `${table}_NAMES` : `${table}_MAPPING_NAMES`;
const pascal = (t: string) => t.replace(/(^|[-_])(\w)/g, (_, __, c: string) => c.toUpperCase());

/** Writes auto files in transformers' own layout from the catalog, with the edits a test asks for. */
function autoFiles(edit: { drop?: string; add?: [string, string, string[]]; move?: [string, string[]] }) {
  const types = hfEntries
    .filter((e) => e.modelType !== edit.drop)
    .map((e) => ({
      type: e.modelType,
      configClass: e.configClass ?? `${pascal(e.modelType)}Config`,
      mappings: edit.move?.[0] === e.modelType ? edit.move[1] : e.hfMappings,
    }));
  if (edit.add) types.push({ type: edit.add[0], configClass: edit.add[1], mappings: edit.add[2] });
  const configuration = [
    '# coding=utf-8',
    'from collections import OrderedDict',
    '',
    'CONFIG_MAPPING_NAMES = OrderedDict[str, str](',
    '    [',
    '        # Add configs here',
    ...types.map((t) => `        ("${t.type}", "${t.configClass}"),`),
    '    ]',
    ')',
    '',
    'MODEL_NAMES_MAPPING = OrderedDict([("bert", "BERT")])',
  ].join('\n');
  const tables = new Map<string, string[]>();
  for (const t of types) for (const m of t.mappings) tables.set(m, [...(tables.get(m) ?? []), t.type]);
  const modeling = [...tables]
    .map(([table, names], i) => {
      const rows = names.map((n) =>
        i % 2
          ? `        ("${n}", ("${pascal(n)}Model", "${pascal(n)}BaseModel")),  # tuple value`
          : `        ("${n}", "${pascal(n)}For${pascal(table.toLowerCase())}"),`,
      );
      return `${pyName(table)} = OrderedDict(\n    [\n        # ${table}\n${rows.join('\n')}\n    ]\n)\n`;
    })
    .join('\n');
  return {
    configuration: { path: 'configuration_auto.py', source: configuration },
    modeling: { path: 'modeling_auto.py', source: modeling },
  };
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('catalog sync', () => {
  it('reads tuple lists, tuple values, comments and plain dict literals', () => {
    const src = `X_MAPPING_NAMES = OrderedDict(\n  [\n    # c\n    ("a", "A"),\n    ("b", ("B1", 'B2')),  # x\n  ]\n)\nY_NAMES = {"c": "C", 'd': "D"}\n`;
    const d = parseMappingDicts(src);
    expect([...d.get('X_MAPPING_NAMES')!]).toEqual([
      ['a', ['A']],
      ['b', ['B1', 'B2']],
    ]);
    expect([...d.get('Y_NAMES')!]).toEqual([
      ['c', ['C']],
      ['d', ['D']],
    ]);
  });

  it('finds no differences between the catalog and auto files written from it', () => {
    const { configuration, modeling } = autoFiles({});
    const diff = diffAutoFiles(configuration, modeling);
    expect(diff).toMatchObject({ upstreamCount: 420, catalogCount: 420, added: [], removed: [], remapped: [] });
  });

  it('reports exactly one added and one removed type, and saves the new one for generate --new', () => {
    const { configuration, modeling } = autoFiles({
      drop: 'xglm',
      add: ['zorblax', 'ZorblaxConfig', ['MODEL', 'MODEL_FOR_CAUSAL_LM']],
    });
    const diff = diffAutoFiles(configuration, modeling);
    expect(diff.added.map((e) => [e.modelType, e.family, e.tasks[0]])).toEqual([
      ['zorblax', 'decoder-only', 'text-generation'],
    ]);
    expect(diff.removed).toEqual([{ modelType: 'xglm', family: 'decoder-only' }]);
    expect(diff.remapped).toEqual([]);

    const cwd = mkdtempSync(join(tmpdir(), 'hf-core-sync-'));
    dirs.push(cwd);
    expect(readSyncedNewTypes(cwd)).toEqual([]);
    expect(readSyncFile(cwd)).toBeNull();
    const file = writeSyncFile(cwd, diff, ['configuration_auto.py', 'modeling_auto.py']);
    expect(file).toBe(join(cwd, SYNC_FILE));
    expect(readSyncedNewTypes(cwd)).toEqual(['zorblax']);
    const synced = readSyncFile(cwd)!.added;
    expect(classifyModelType('zorblax', 'zorblax', synced)).toMatchObject({
      family: 'decoder-only',
      confidence: 'medium',
      tasks: ['text-generation', 'feature-extraction'],
    });
    expect(classifyModelType('zorblax').family).toBeNull();
    expect(JSON.parse(readFileSync(file, 'utf8')).removed).toEqual([{ modelType: 'xglm', family: 'decoder-only' }]);
  });

  it('reports a type whose tables moved it to another family', () => {
    const { configuration, modeling } = autoFiles({
      move: ['gpt2', ['MODEL', 'MODEL_FOR_CAUSAL_LM', 'MODEL_FOR_IMAGE_TEXT_TO_TEXT']],
    });
    const diff = diffAutoFiles(configuration, modeling);
    expect(diff.remapped).toHaveLength(1);
    expect(diff.remapped[0]).toMatchObject({
      modelType: 'gpt2',
      from: 'decoder-only',
      to: 'multimodal',
      mappingsAdded: ['MODEL_FOR_IMAGE_TEXT_TO_TEXT'],
    });
  });

  it('says which table is missing from a file that is not an auto file', () => {
    const bad = { path: '/x/configuration_auto.py', source: 'print("hello")\n' };
    expect(() => diffAutoFiles(bad, autoFiles({}).modeling)).toThrow(SyncSourceError);
    expect(() => diffAutoFiles(bad, autoFiles({}).modeling)).toThrow(
      /\/x\/configuration_auto.py: no CONFIG_MAPPING_NAMES/,
    );
  });

  it('names the sync file when it is corrupt', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'hf-core-sync-'));
    dirs.push(cwd);
    mkdirSync(join(cwd, '.hf-core'));
    writeFileSync(join(cwd, SYNC_FILE), '{ not json');
    expect(() => readSyncedNewTypes(cwd)).toThrow(/catalog-sync.json is not valid JSON/);
  });
});
