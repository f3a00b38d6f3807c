import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { catalogMeta, exactEntry } from './catalog.ts';
import { classifyModelType } from './classify.ts';
import { diffReleases, releaseFromCatalog } from './releases.ts';
import { diffRelease, readSyncFile, readSyncedNewTypes, removesTooMuch, writeSyncFile, SYNC_FILE } from './sync.ts';
import { GONE_SINCE_4_57, NEW_IN_5_18 } from './test-fixtures/pinned.ts';
import { releaseFromTsv, type Release } from './upstream/release.ts';

const dataDir = join(import.meta.dirname, '..', 'data', 'releases');
/** The facts extracted from the real wheels and committed (data/releases); upstream/wheels.test.ts re-reads the wheels. */
const committed = (v: string) =>
  releaseFromTsv(readFileSync(join(dataDir, `transformers-${v}.tsv`), 'utf8'), `transformers-${v}.tsv`);
const names = (xs: { modelType: string }[]) => xs.map((x) => x.modelType).sort();

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('catalog sync against the real releases (committed facts)', () => {
  it('5.18.0, the catalog release: nothing new, nothing removed', () => {
    expect(catalogMeta().transformers).toBe('5.18.0');
    const d = diffRelease(committed('5.18.0'));
    expect([d.upstreamCount, d.catalogCount, d.added.length, d.removed.length, d.returned.length]).toEqual([
      725, 725, 0, 0, 0,
    ]);
    expect(removesTooMuch(d)).toBe(false);
  });

  it('5.17.0 lacks exactly the seven types 5.18.0 added', () => {
    const d = diffRelease(committed('5.17.0'));
    expect(d.added).toEqual([]);
    expect(names(d.removed)).toEqual(NEW_IN_5_18);
    expect(removesTooMuch(d)).toBe(false);
  });

  it('4.57.6 lists the 24 types the catalog keeps as removed, and lacks 328: past the one-tenth guard', () => {
    const d = diffRelease(committed('4.57.6'));
    expect(d.added).toEqual([]);
    expect(names(d.returned)).toEqual(GONE_SINCE_4_57);
    expect(d.removed).toHaveLength(328);
    expect(names(d.removed)).toEqual(
      expect.arrayContaining(['deepseek_v4', 'qwen3_5', 'cohere_asr', 'eurobert', 'nemotron_h']),
    );
    expect(removesTooMuch(d)).toBe(true);
  });

  it('diffs release to release: 4.57.6 -> 5.18.0 and 5.17.0 -> 5.18.0', () => {
    const d = diffReleases(committed('4.57.6'), committed('5.18.0'));
    expect(names(d.removed)).toEqual(GONE_SINCE_4_57);
    expect(d.added).toHaveLength(328);
    expect(d.added.find((e) => e.modelType === 'blip_vision_model')?.family).toBe('vision');
    const recent = diffReleases(committed('5.17.0'), committed('5.18.0'));
    expect([names(recent.added), recent.removed]).toEqual([NEW_IN_5_18, []]);
  });

  it('the catalog rebuilds each release it read from its own entries', () => {
    for (const v of catalogMeta().transformersReleases)
      expect([...releaseFromCatalog(v)!.types.keys()].sort(), v).toEqual([...committed(v).types.keys()].sort());
    expect(releaseFromCatalog('5.99.0')).toBeUndefined();
  });
});

/** 5.18.0 with `xglm` dropped, a new decoder `zorblax` with a vision tower, and gpt2 given an image-text table. */
function edited(): Release {
  const r = committed('5.18.0');
  const types = new Map(r.types);
  types.delete('xglm');
  types.set('zorblax', {
    configClass: 'ZorblaxConfig',
    mappings: ['MODEL', 'MODEL_FOR_CAUSAL_LM'],
    classes: ['ZorblaxForCausalLM'],
  });
  types.set('zorblax_vision_model', {
    configClass: 'ZorblaxVisionConfig',
    mappings: [],
    classes: [],
    parent: 'zorblax',
    role: 'vision',
  });
  const gpt2 = types.get('gpt2')!;
  types.set('gpt2', { ...gpt2, mappings: [...gpt2.mappings, 'MODEL_FOR_IMAGE_TEXT_TO_TEXT'] });
  return { version: '5.19.0', origin: 'edited', types };
}

describe('catalog sync of a release with changes', () => {
  it('reports exactly the added, removed and re-mapped types, with a sub-config judged by its role', () => {
    const d = diffRelease(edited());
    expect(d.added.map((e) => [e.modelType, e.family, e.tasks[0], e.parent ?? ''])).toEqual([
      ['zorblax', 'decoder-only', 'text-generation', ''],
      ['zorblax_vision_model', 'vision', 'image-feature-extraction', 'zorblax'],
    ]);
    expect(d.removed).toEqual([{ modelType: 'xglm', family: 'decoder-only' }]);
    expect(d.remapped).toMatchObject([
      { modelType: 'gpt2', from: 'decoder-only', to: 'multimodal', mappingsAdded: ['MODEL_FOR_IMAGE_TEXT_TO_TEXT'] },
    ]);
  });

  it('saves the new types for generate --new and classifies them from the sync file', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'hf-core-sync-'));
    dirs.push(cwd);
    expect(readSyncedNewTypes(cwd)).toEqual([]);
    expect(readSyncFile(cwd)).toBeNull();
    const file = writeSyncFile(cwd, diffRelease(edited()), ['edited']);
    expect(file).toBe(join(cwd, SYNC_FILE));
    expect(readSyncedNewTypes(cwd)).toEqual(['zorblax', 'zorblax_vision_model']);
    const synced = readSyncFile(cwd)!.added;
    expect(classifyModelType('zorblax', 'zorblax', synced)).toMatchObject({
      family: 'decoder-only',
      confidence: 'medium',
    });
    expect(classifyModelType('zorblax').family).toBeNull();
    // A later `sync --tjs` keeps what the release sync saved.
    writeSyncFile(
      cwd,
      {
        tjs: {
          version: '9',
          origin: 'x',
          added: [{ modelType: 'qwen3_5_moe', categories: ['DecoderOnly'] }],
          removed: [],
          changed: [],
        },
      },
      ['x'],
    );
    expect(readSyncedNewTypes(cwd)).toEqual(['zorblax', 'zorblax_vision_model', 'qwen3_5_moe']);
    expect(JSON.parse(readFileSync(file, 'utf8')).removed).toEqual([{ modelType: 'xglm', family: 'decoder-only' }]);
  });

  it('names the sync file when it is corrupt', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'hf-core-sync-'));
    dirs.push(cwd);
    mkdirSync(join(cwd, '.hf-core'));
    writeFileSync(join(cwd, SYNC_FILE), '{ not json');
    expect(() => readSyncedNewTypes(cwd)).toThrow(/catalog-sync.json is not valid JSON/);
  });

  it('keeps removed types in the catalog, marked with the release that no longer lists them', () => {
    for (const t of GONE_SINCE_4_57) expect(exactEntry(t), t).toMatchObject({ removedIn: '5.17.0', lastIn: '4.57.6' });
    expect(exactEntry('llama')?.removedIn).toBeUndefined();
  });
});
