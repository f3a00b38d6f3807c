import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { autoFiles, wheelFiles, writeTree, zipBytes } from '../test-fixtures/layouts.ts';
import { readPythonDicts } from './python.ts';
import { readRelease, releaseFromTsv, releaseToTsv, compareVersions, type Release } from './release.ts';
import { roleOf } from './sub-configs.ts';
import { openSource, SourceError } from './source.ts';
import { openZip, ZipError } from './zip.ts';
import { isVersion, openRelease, wheelForVersion } from './pip.ts';
import { diffTjs, findTjsPackage, readTjsRegistry } from './tjs.ts';

const root = mkdtempSync(join(tmpdir(), 'hf-core-upstream-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dataDir = join(import.meta.dirname, '..', '..', 'data', 'releases');
const committed = (v: string) =>
  releaseFromTsv(readFileSync(join(dataDir, `transformers-${v}.tsv`), 'utf8'), `transformers-${v}.tsv`);

/** Types, config classes and tables of a release (what the auto files carry). */
const tables = (r: Release) =>
  [...r.types].map(([t, x]) => `${t}=${x.configClass}:${[...x.mappings].sort().join(',')}`).sort();

describe('reading Python and JavaScript dict literals without running them', () => {
  it('follows assignments, update(), ** spreads and *list(X.items()) in source order', () => {
    const base = readPythonDicts(
      'A_NAMES = OrderedDict(\n  [\n    # c\n    ("a", "A"),\n    ("b", ("B1", \'B2\')),  # x\n  ]\n)\n',
    );
    const src = [
      'from .auto_mappings import A_NAMES',
      'A_NAMES.update({"c": "C", "d": "D"})',
      'A_NAMES = OrderedDict(**{"z": "Z"}, **A_NAMES)',
      'B_MAPPING_NAMES = OrderedDict([*list(A_NAMES.items()), ("e", "E")])',
      'C: dict = {"f": "F"}',
    ].join('\n');
    const d = readPythonDicts(src, base);
    expect([...d.get('A_NAMES')!.keys()]).toEqual(['z', 'a', 'b', 'c', 'd']);
    expect(d.get('A_NAMES')!.get('b')).toEqual(['B1', 'B2']);
    expect([...d.get('B_MAPPING_NAMES')!.keys()]).toEqual(['z', 'a', 'b', 'c', 'd', 'e']);
    expect([...d.get('C')!]).toEqual([['f', ['F']]]);
    expect([...base.get('A_NAMES')!.keys()]).toEqual(['a', 'b']);
  });

  it('reads JavaScript Map literals, bundled with /* @__PURE__ */', () => {
    const d = readPythonDicts(
      'const X_NAMES = new Map([\n  [\'bert\', \'BertModel\'], // c\n]);\nvar Y = /* @__PURE__ */ new Map([["gpt2", "GPT2Model"]]);\n',
    );
    expect([...d.get('X_NAMES')!]).toEqual([['bert', ['BertModel']]]);
    expect([...d.get('Y')!]).toEqual([['gpt2', ['GPT2Model']]]);
  });
});

describe('zip archives read with node:zlib', () => {
  it('reads stored and deflated entries', () => {
    for (const store of [false, true]) {
      const file = join(root, `a${store}.zip`);
      writeFileSync(file, zipBytes({ 'x/a.txt': 'hello', 'x/b.py': 'é'.repeat(1000) }, store));
      const zip = openZip(file);
      expect(zip.names).toEqual(['x/a.txt', 'x/b.py']);
      expect(zip.readText('x/b.py')).toBe('é'.repeat(1000));
      expect(zip.readText('missing')).toBeUndefined();
      zip.close();
    }
  });

  it('refuses a file that is not a zip archive', () => {
    writeFileSync(join(root, 'not.zip'), 'just text, no central directory');
    expect(() => openZip(join(root, 'not.zip'))).toThrow(ZipError);
    expect(() => openZip(join(root, 'not.zip'))).toThrow(/not a zip archive/);
  });
});

describe('every layout transformers has shipped gives the same release', () => {
  const release = committed('5.18.0');
  const expected = tables(release);

  it('5.x: auto_mappings.py plus the updates in configuration_auto.py, as a checkout, site-packages and its auto folder', () => {
    const files = { '__init__.py': '__version__ = "5.18.0"\n', ...autoFiles(release, '5.x') };
    writeTree(join(root, 'checkout', 'src', 'transformers'), files);
    writeTree(join(root, 'site-packages', 'transformers'), files);
    for (const path of ['checkout', 'site-packages', 'site-packages/transformers/models/auto']) {
      const r = readRelease(openSource([join(root, path)]));
      expect(r.version, path).toBe('5.18.0');
      expect(tables(r), path).toEqual(expected);
    }
  });

  it('4.x: the dicts in configuration_auto.py itself', () => {
    writeTree(join(root, 'v4', 'transformers'), {
      '__init__.py': '__version__ = "4.57.6"\n',
      ...autoFiles(release, '4.x'),
    });
    expect(tables(readRelease(openSource([join(root, 'v4')])))).toEqual(expected);
  });

  it('a wheel, read directly; and the two auto files named on their own', () => {
    const whl = join(root, 'transformers-5.18.0-py3-none-any.whl');
    writeFileSync(whl, zipBytes(wheelFiles('transformers', '5.18.0', autoFiles(release, '5.x'))));
    const r = readRelease(openSource([whl]));
    expect([r.version, r.origin]).toEqual(['5.18.0', whl]);
    expect(tables(r)).toEqual(expected);
    const auto = join(root, 'site-packages', 'transformers', 'models', 'auto');
    const pair = readRelease(openSource([join(auto, 'modeling_auto.py'), join(auto, 'configuration_auto.py')]));
    expect(pair.version).toBe('5.18.0');
    expect(tables(pair)).toEqual(expected);
  });

  it('release tables round-trip through their committed TSV form', () => {
    expect(releaseToTsv(releaseFromTsv(releaseToTsv(release), 'x'))).toBe(releaseToTsv(release));
  });
});

describe('what is not a transformers release, said with what was expected', () => {
  const expectSource = (fn: () => unknown, what: RegExp) => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(SourceError);
      expect((err as SourceError).what).toMatch(what);
      expect((err as SourceError).expected.length).toBeGreaterThan(20);
      return;
    }
    throw new Error('no SourceError');
  };

  it('a folder without models/auto, a wheel of another project, a text file called .whl', () => {
    mkdirSync(join(root, 'empty'));
    expectSource(() => openSource([join(root, 'empty')]), /is not a transformers tree/);
    const other = join(root, 'tokenizers-0.1-py3-none-any.whl');
    writeFileSync(other, zipBytes(wheelFiles('tokenizers', '0.1', { '__init__.py': '' })));
    expectSource(() => openSource([other]), /a wheel of "tokenizers", not of transformers/);
    writeFileSync(join(root, 'fake.whl'), 'not a zip');
    expectSource(() => openSource([join(root, 'fake.whl')]), /not a zip archive/);
    expectSource(() => openSource([join(root, 'nowhere')]), /does not exist/);
  });

  it('auto files without the dicts, and a 5.x configuration_auto.py without its auto_mappings.py', () => {
    writeTree(join(root, 'bad', 'transformers'), {
      'models/auto/configuration_auto.py': 'x = 1\n',
      'models/auto/modeling_auto.py': 'y = 2\n',
    });
    expectSource(() => readRelease(openSource([join(root, 'bad')])), /no CONFIG_MAPPING_NAMES/);
    writeTree(join(root, 'half', 'transformers'), {
      'models/auto/configuration_auto.py': 'from .auto_mappings import CONFIG_MAPPING_NAMES\n',
      'models/auto/modeling_auto.py': 'y = 2\n',
    });
    expectSource(() => readRelease(openSource([join(root, 'half')])), /imports auto_mappings.py, which is missing/);
  });

  it('a version pip cannot download, or no pip at all; a cached wheel needs no pip', () => {
    const cacheDir = join(root, 'cache');
    const failing = `${process.execPath} -e process.stderr.write("ERROR:No_matching_distribution\\n");process.exit(1)`;
    expectSource(
      () => wheelForVersion('9.99.0', { cacheDir, env: { HF_CORE_PIP: failing } }),
      /pip could not download it.*No_matching_distribution/,
    );
    expectSource(
      () => wheelForVersion('9.99.0', { cacheDir, env: { HF_CORE_PIP: 'hf-core-no-such-pip' } }),
      /no pip to download it with/,
    );
    writeFileSync(
      join(cacheDir, 'transformers-9.98.0-py3-none-any.whl'),
      zipBytes(wheelFiles('transformers', '9.98.0', autoFiles(committed('5.17.0'), '5.x'))),
    );
    const r = readRelease(openRelease('9.98.0', { cacheDir, env: { HF_CORE_PIP: 'hf-core-no-such-pip' } }));
    expect([r.version, r.types.size]).toEqual(['9.98.0', 718]);
  });

  it('tells versions from paths', () => {
    expect(['5.18.0', '4.57.6', '5.19.0.dev0', '5.0.0rc1'].every(isVersion)).toBe(true);
    expect(['latest', './5.18.0', 'transformers'].some(isVersion)).toBe(false);
    expectSource(() => openRelease('latest', { cwd: root }), /does not exist/);
  });
});

describe('sub-configs and versions', () => {
  it('gives each sub-config key or type-name suffix its role', () => {
    expect(
      ['vision_config', 'text_config', 'audio_config', 'encoder_config', 'decoder', 'qformer_config'].map(roleOf),
    ).toEqual(['vision', 'text', 'audio', 'encoder', 'decoder', 'other']);
    const r = committed('5.18.0');
    expect(r.types.get('clip_vision_model')).toMatchObject({ parent: 'clip', role: 'vision' });
    expect(r.types.get('siglip_vision_model')).toMatchObject({ parent: 'siglip', role: 'vision' });
    expect(r.types.get('clap_audio_model')).toMatchObject({ parent: 'clap', role: 'audio' });
    expect(r.types.get('blip_2_qformer')).toMatchObject({ parent: 'blip-2', role: 'other' });
    expect(r.types.get('siglip')?.parent).toBeUndefined();
  });

  it('orders versions, a final release above its pre-releases', () => {
    const sorted = ['5.18.0', '5.19.0.dev0', '4.57.6', '5.19.0', '5.17.0'].sort(compareVersions);
    expect(sorted).toEqual(['4.57.6', '5.17.0', '5.18.0', '5.19.0.dev0', '5.19.0']);
  });
});

describe('the installed transformers.js registry', () => {
  const pkg = findTjsPackage(join(import.meta.dirname, '..', '..', '..', 'harness'));

  it('reads to exactly the registrations the catalog records (tjs_model_types.tsv came from the same registry)', () => {
    const registry = readTjsRegistry(pkg);
    expect(registry.types.size).toBe(216);
    expect(diffTjs(registry)).toMatchObject({ added: [], removed: [], changed: [] });
  });

  it('shows what an upgrade adds, drops and re-categorizes', () => {
    const source = readFileSync(join(pkg, 'src', 'models', 'registry.js'), 'utf8')
      .replace("['bert', 'BertModel'],", "['bert', 'BertModel'],\n    ['zorblax_bert', 'ZorblaxBertModel'],")
      .replace(/\['afmoe', 'AfmoeModel'\],/, '')
      .replace(/\['afmoe', 'AfmoeForCausalLM'\],/, '');
    const fake = join(root, 'tjs-next');
    writeTree(fake, {
      'package.json': JSON.stringify({ name: '@huggingface/transformers', version: '9.0.0' }),
      'src/models/registry.js': source,
    });
    const d = diffTjs(readTjsRegistry(fake));
    expect(d.version).toBe('9.0.0');
    expect(d.added).toEqual([{ modelType: 'zorblax_bert', categories: ['EncoderOnly'] }]);
    expect(d.removed.map((r) => r.modelType)).toEqual(['afmoe']);
    writeTree(join(root, 'tjs-empty'), {
      'package.json': JSON.stringify({ name: '@huggingface/transformers', version: '1' }),
    });
    expect(() => readTjsRegistry(join(root, 'tjs-empty'))).toThrow(SourceError);
  });
});
