import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listEntries, readSyncedNewTypes } from '@hf-core/catalog';
import { main } from '../index.ts';

const root = mkdtempSync(join(tmpdir(), 'hf-core-cli-catalog-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A transformers checkout's two auto files, written from the catalog with `lxmert` dropped and `zorblax` added. */
function writeCheckout(dir: string) {
  const types = listEntries()
    .filter((e) => e.sources?.includes('transformers') && e.modelType !== 'lxmert')
    .map((e) => ({ type: e.modelType, configClass: e.configClass ?? 'X', mappings: e.hfMappings }));
  types.push({ type: 'zorblax', configClass: 'ZorblaxConfig', mappings: ['MODEL', 'MODEL_FOR_IMAGE_CLASSIFICATION'] });
  const auto = join(dir, 'src', 'transformers', 'models', 'auto');
  mkdirSync(auto, { recursive: true });
  writeFileSync(
    join(auto, 'configuration_auto.py'),
    `CONFIG_MAPPING_NAMES = OrderedDict(\n    [\n${types.map((t) => `        ("${t.type}", "${t.configClass}"),`).join('\n')}\n    ]\n)\n`,
  );
  const tables = new Map<string, string[]>();
  for (const t of types) for (const m of t.mappings) tables.set(m, [...(tables.get(m) ?? []), t.type]);
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

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (s) => out.push(s), stderr: (s) => err.push(s), cwd: root, env: {} });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('hf-core catalog list', () => {
  it('lists every type, or one family, or only transformers.js types', async () => {
    expect((await cli('catalog', 'list')).out).toContain('473 model types.');
    const speech = await cli('catalog', 'list', '--family', 'speech', '--json');
    const rows = JSON.parse(speech.out) as { family: string; modelType: string }[];
    expect(rows.every((r) => r.family === 'speech')).toBe(true);
    expect(rows.map((r) => r.modelType)).toContain('whisper');
    expect(JSON.parse((await cli('catalog', 'list', '--tjs', '--json')).out)).toHaveLength(216);
  });

  it('exits 2 for an unknown family, listing the families', async () => {
    const r = await cli('catalog', 'list', '--family', 'audio');
    expect(r.code).toBe(2);
    expect(r.err).toContain('Families: encoder-only, decoder-only');
  });
});

describe('hf-core catalog sync', () => {
  it('reports exactly the added and the removed type, and saves the new one for generate --new', async () => {
    const checkout = join(root, 'transformers');
    const auto = writeCheckout(checkout);
    const r = await cli('catalog', 'sync', 'transformers');
    expect(r.code).toBe(0);
    expect(r.out).toContain('new (1):\n  zorblax  vision  image-classification');
    expect(r.out).toContain('removed (1):\n  lxmert  multimodal');
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
    expect(diff.remapped).toEqual([]);
  });

  it('exits 2 naming the path when the sources are not auto files', async () => {
    writeFileSync(join(root, 'a.py'), 'x = 1\n');
    writeFileSync(join(root, 'b.py'), 'y = 2\n');
    const r = await cli('catalog', 'sync', 'a.py', 'b.py');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${join(root, 'a.py')}: no CONFIG_MAPPING_NAMES`);
    const missing = await cli('catalog', 'sync', 'no-such-folder');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`${join(root, 'no-such-folder')} is not a folder`);
    expect(existsSync(join(root, '.hf-core', 'catalog-sync.json'))).toBe(true);
  });
});
