import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listEntries, readSyncedNewTypes, releaseFromCatalog, type Release } from '@hf-core/catalog';
import { runCli } from '../test-fixtures/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'hf-core-cli-catalog-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * A transformers 5 checkout written from the catalog's record of 5.18.0 with `lxmert` dropped
 * and `zorblax` added: auto_mappings.py holds the dicts, configuration_auto.py imports and
 * updates them, as upstream does.
 */
function writeCheckout(dir: string, edit: (r: Release) => void) {
  const r = releaseFromCatalog('5.18.0')!;
  edit(r);
  const types = [...r.types];
  const auto = join(dir, 'src', 'transformers', 'models', 'auto');
  mkdirSync(auto, { recursive: true });
  writeFileSync(join(dir, 'src', 'transformers', '__init__.py'), '__version__ = "5.19.0.dev0"\n');
  const row = ([t, x]: (typeof types)[number]) => `        ("${t}", "${x.configClass ?? 'X'}"),`;
  writeFileSync(
    join(auto, 'auto_mappings.py'),
    `CONFIG_MAPPING_NAMES = OrderedDict(\n    [\n${types.slice(1).map(row).join('\n')}\n    ]\n)\n`,
  );
  writeFileSync(
    join(auto, 'configuration_auto.py'),
    `from .auto_mappings import CONFIG_MAPPING_NAMES\n\nCONFIG_MAPPING_NAMES.update({"${types[0][0]}": "${types[0][1].configClass}"})\n`,
  );
  const tables = new Map<string, string[]>();
  for (const [t, x] of types) for (const m of x.mappings) tables.set(m, [...(tables.get(m) ?? []), t]);
  const name = (t: string) => (t === 'MODEL_FOR_AUDIO_TOKENIZATION' ? `${t}_NAMES` : `${t}_MAPPING_NAMES`);
  writeFileSync(
    join(auto, 'modeling_auto.py'),
    [...tables]
      .map(
        ([t, ns]) =>
          `${name(t)} = OrderedDict(\n    [\n${ns.map((n) => `        ("${n}", "Cls"),`).join('\n')}\n    ]\n)\n`,
      )
      .join('\n'),
  );
  return auto;
}

const cli = (...argv: string[]) =>
  runCli(argv, {
    cwd: root,
    env: { HF_CORE_CACHE: join(root, 'cache'), HF_CORE_PIP: 'hf-core-no-such-pip' },
  });

describe('hf-core catalog list', () => {
  it('lists every type, or one family, or only transformers.js types, with parents and removals', async () => {
    const all = await cli('catalog', 'list');
    expect(all.out).toContain(`${listEntries().length} model types (transformers 5.18.0, plus 24 it removed).`);
    expect(all.out).toMatch(/\nblip_vision_model +vision .* the vision tower of blip\n/);
    expect(all.out).toMatch(/\ncode_llama +decoder-only .* removed in 5\.17\.0 \(last in 4\.57\.6\)\n/);
    const speech = await cli('catalog', 'list', '--family', 'speech', '--json');
    const rows = JSON.parse(speech.out) as { family: string; modelType: string }[];
    expect(rows.every((r) => r.family === 'speech')).toBe(true);
    expect(rows.map((r) => r.modelType)).toContain('whisper');
    expect(JSON.parse((await cli('catalog', 'list', '--tjs', '--json')).out)).toHaveLength(216);
  });

  it('exits 2 for a family no catalog type has, listing the families', async () => {
    const r = await cli('catalog', 'list', '--family', 'audio');
    expect(r.code).toBe(2);
    expect(r.err).toContain('Families: encoder-only, decoder-only');
  });
});

describe('hf-core catalog sync', () => {
  it('reports exactly the added and the removed type of a 5.x checkout, and saves the new one for generate --new', async () => {
    const auto = writeCheckout(join(root, 'transformers'), (r) => {
      r.types.delete('lxmert');
      r.types.set('zorblax', {
        configClass: 'ZorblaxConfig',
        mappings: ['MODEL', 'MODEL_FOR_IMAGE_CLASSIFICATION'],
        classes: [],
      });
    });
    const r = await cli('catalog', 'sync', 'transformers');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('transformers 5.19.0.dev0');
    expect(r.out).toContain('new (1):\n  zorblax  vision  image-classification');
    expect(r.out).toContain(
      'removed (1): the catalog lists them, transformers 5.19.0.dev0 does not\n  lxmert  multimodal',
    );
    expect(r.out).toContain('re-mapped to another family (0)');
    expect(readSyncedNewTypes(root)).toEqual(['zorblax']);

    const json = await cli(
      'catalog',
      'sync',
      join(auto, 'modeling_auto.py'),
      join(auto, 'configuration_auto.py'),
      '--json',
    );
    const diff = JSON.parse(json.out);
    expect(diff.added.map((e: { modelType: string }) => e.modelType)).toEqual(['zorblax']);
    expect(diff.removed).toEqual([{ modelType: 'lxmert', family: 'multimodal' }]);
  });

  it('says so loudly and writes nothing when a sync would remove more than a tenth of the catalog, unless --force', async () => {
    writeCheckout(join(root, 'partial'), (r) => {
      for (const t of [...r.types.keys()].slice(0, 100)) r.types.delete(t);
    });
    rmSync(join(root, '.hf-core'), { recursive: true, force: true });
    const r = await cli('catalog', 'sync', 'partial');
    expect(r.code).toBe(2);
    expect(r.err).toContain('NOTHING WAS WRITTEN');
    expect(r.err).toContain("lacks 100 of the catalog's 725 current types (14%)");
    expect(existsSync(join(root, '.hf-core', 'catalog-sync.json'))).toBe(false);
    const forced = await cli('catalog', 'sync', 'partial', '--force');
    expect(forced.code).toBe(0);
    expect(JSON.parse(readFileSync(join(root, '.hf-core', 'catalog-sync.json'), 'utf8')).removed).toHaveLength(100);
  });

  it('exits 2 saying what was expected: a folder that is not transformers, auto files without dicts, a version pip cannot get', async () => {
    writeFileSync(join(root, 'a.py'), 'x = 1\n');
    writeFileSync(join(root, 'b.py'), 'y = 2\n');
    const files = await cli('catalog', 'sync', 'a.py', 'b.py');
    expect(files.code).toBe(2);
    expect(files.err).toContain('no CONFIG_MAPPING_NAMES dict literal');
    mkdirSync(join(root, 'not-transformers'), { recursive: true });
    const folder = await cli('catalog', 'sync', 'not-transformers');
    expect(folder.code).toBe(2);
    expect(folder.err).toContain('is not a transformers tree');
    expect(folder.err).toContain('Expected a transformers git checkout, an installed transformers package');
    const version = await cli('catalog', 'sync', '--release', '9.99.0');
    expect(version.code).toBe(2);
    expect(version.err).toContain('transformers==9.99.0: no pip to download it with');
  });

  it('--tjs compares the installed transformers.js registry with the catalog', async () => {
    const r = await cli('catalog', 'sync', '--tjs');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('newly registered (0)');
    expect(r.out).toContain('no longer registered (0)');
  });
});

describe('hf-core catalog diff', () => {
  it('shows what changed between two releases the catalog read, offline', async () => {
    const r = await cli('catalog', 'diff', '5.17.0', '5.18.0');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('transformers 5.17.0 (718 config types) -> 5.18.0 (725).');
    expect(r.out).toContain('added (7):\n  gte  encoder-only');
    expect(r.out).toContain('removed (0):');
    const old = JSON.parse((await cli('catalog', 'diff', '4.57.6', '5.18.0', '--json')).out);
    expect([old.added.length, old.removed.length]).toEqual([328, 24]);
  });
});
