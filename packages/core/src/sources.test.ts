import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HfCoreError } from './errors.ts';
import { findInHubCache, hubCacheDir, parseRef, readModelConfig } from './sources.ts';

const root = mkdtempSync(join(tmpdir(), 'hf-core-sources-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const model = join(root, 'tiny-bert');
mkdirSync(model);
writeFileSync(join(model, 'config.json'), JSON.stringify({ model_type: 'bert', architectures: ['BertModel'] }));
writeFileSync(join(root, 'broken.json'), '{ "model_type": "bert", ');
writeFileSync(
  join(root, 'tokenizer_config.json'),
  JSON.stringify({ tokenizer_class: 'BertTokenizer', do_lower_case: true }),
);
writeFileSync(join(root, 'list.json'), '[1, 2]');
writeFileSync(join(root, 'weights.bin'), 'x');
mkdirSync(join(root, 'empty-folder'));

/** A Hugging Face cache with one model: refs/main -> snapshots/<commit>/config.json. */
function cacheWith(dir: string, id: string, commit: string, extraRefs: Record<string, string> = {}): string {
  const repo = join(dir, `models--${id.replace('/', '--')}`);
  mkdirSync(join(repo, 'refs'), { recursive: true });
  mkdirSync(join(repo, 'snapshots', commit), { recursive: true });
  writeFileSync(join(repo, 'refs', 'main'), `${commit}\n`);
  for (const [name, c] of Object.entries(extraRefs)) {
    writeFileSync(join(repo, 'refs', name), c);
    mkdirSync(join(repo, 'snapshots', c), { recursive: true });
  }
  writeFileSync(join(repo, 'snapshots', commit, 'config.json'), JSON.stringify({ model_type: 'gpt2' }));
  return join(repo, 'snapshots', commit);
}
const hubCache = join(root, 'hub-cache');
const commit = 'a'.repeat(40);
const snapshot = cacheWith(hubCache, 'Xenova/gpt2', commit, { v1: 'b'.repeat(40) });

const opts = (env: NodeJS.ProcessEnv = {}, allowNetwork = false) => ({
  cwd: root,
  env: { HF_HUB_CACHE: hubCache, ...env },
  allowNetwork,
});

function thrown(fn: () => unknown): HfCoreError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HfCoreError);
    return err as HfCoreError;
  }
  throw new Error('expected an HfCoreError');
}

describe('parseRef', () => {
  it('reads an existing folder as a folder and a .json path as a parsed config', () => {
    expect(parseRef('tiny-bert', opts())).toEqual({ kind: 'folder', path: model, ref: 'tiny-bert' });
    expect(parseRef('./tiny-bert/config.json', opts())).toMatchObject({
      kind: 'config',
      path: join(model, 'config.json'),
      config: { model_type: 'bert' },
    });
  });

  it('treats names as model types', () => {
    expect(parseRef('llama', opts())).toEqual({ kind: 'type', modelType: 'llama', ref: 'llama' });
    expect(parseRef('gpt-j', opts())).toMatchObject({ kind: 'type', modelType: 'gpt-j' });
  });

  it('rejects bad config files with exit code 2, naming the path and what is missing', () => {
    const broken = thrown(() => parseRef('broken.json', opts()));
    expect(broken.exitCode).toBe(2);
    expect(broken.message).toContain(join(root, 'broken.json'));
    expect(broken.message).toContain('not valid JSON');
    const unusable = thrown(() => parseRef('tokenizer_config.json', opts()));
    expect(unusable.code).toBe('CONFIG_UNUSABLE');
    expect(unusable.message).toContain('model_type, architectures');
    expect(thrown(() => parseRef('list.json', opts())).message).toContain('an array, not a config object');
    const missing = thrown(() => parseRef('./nope/config.json', opts()));
    expect(missing.message).toBe(`${join(root, 'nope', 'config.json')} does not exist.`);
    expect(thrown(() => parseRef('weights.bin', opts())).message).toContain('is a file, not a model folder');
    expect(thrown(() => parseRef('a b c', opts())).code).toBe('REF_INVALID');
  });

  it('resolves a cached hub id to its snapshot folder, by refs/main or a named revision', () => {
    expect(parseRef('Xenova/gpt2', opts())).toEqual({ kind: 'folder', path: snapshot, ref: 'Xenova/gpt2' });
    expect(findInHubCache('Xenova/gpt2', 'v1', { HF_HUB_CACHE: hubCache })).toBe(
      join(hubCache, 'models--Xenova--gpt2', 'snapshots', 'b'.repeat(40)),
    );
    expect(findInHubCache('Xenova/gpt2', commit, { HF_HUB_CACHE: hubCache })).toBe(snapshot);
    expect(findInHubCache('Xenova/gpt2', 'nope', { HF_HUB_CACHE: hubCache })).toBeUndefined();
  });

  it('finds the cache through HF_HUB_CACHE, then HF_HOME/hub, then ~/.cache/huggingface/hub', () => {
    expect(hubCacheDir({ HF_HUB_CACHE: '/a', HF_HOME: '/b', HOME: '/h' })).toBe('/a');
    expect(hubCacheDir({ HF_HOME: '/b', HOME: '/h' })).toBe(join('/b', 'hub'));
    expect(hubCacheDir({ HOME: '/h' })).toBe(join('/h', '.cache', 'huggingface', 'hub'));
    const home = join(root, 'home');
    cacheWith(join(home, '.cache', 'huggingface', 'hub'), 'org/model', 'c'.repeat(40));
    expect(parseRef('org/model', { cwd: root, env: { HOME: home } })).toMatchObject({ kind: 'folder' });
  });

  it('is offline by default: an uncached hub id says so and how to allow the network', () => {
    const err = thrown(() => parseRef('Xenova/not-cached', opts()));
    expect(err.code).toBe('HUB_OFFLINE');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(hubCache);
    expect(err.hint).toContain('--allow-network');
    expect(err.hint).toContain('HF_HUB_CACHE');
  });

  it('allows the hub only with allowNetwork, and HF_HUB_OFFLINE=1 always wins', () => {
    expect(parseRef('Xenova/not-cached@v2', opts({}, true))).toEqual({
      kind: 'hub',
      id: 'Xenova/not-cached',
      revision: 'v2',
      ref: 'Xenova/not-cached@v2',
    });
    const err = thrown(() => parseRef('Xenova/not-cached', opts({ HF_HUB_OFFLINE: '1' }, true)));
    expect(err.message).toContain('HF_HUB_OFFLINE is set');
  });
});

describe('readModelConfig', () => {
  it('reads config.json of a folder, and names the folder when it has none', () => {
    expect(readModelConfig(model)).toMatchObject({ model_type: 'bert' });
    const err = thrown(() => readModelConfig(join(root, 'empty-folder')));
    expect(err.message).toBe(`${join(root, 'empty-folder')} has no config.json.`);
  });
});
