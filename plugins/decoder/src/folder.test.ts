import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decoderFactsFromFolder, expectedCacheNames } from './folder.ts';
import { DECODER_TYPES } from './specs.ts';
import { synthesizeDecoder } from './synthesize.ts';

const root = mkdtempSync(join(tmpdir(), 'hf-core-decoder-folder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('expectedCacheNames (transformers.js getCacheNames, read from config.json)', () => {
  it('names exactly the cache inputs each synthesized graph declares, for every covered type', async () => {
    const mismatches: string[] = [];
    for (const type of DECODER_TYPES) {
      const dir = join(root, type);
      const facts = (await synthesizeDecoder(type, dir, { size: 'micro', seed: 1 })).facts;
      const fromConfig = expectedCacheNames(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')));
      if ([...fromConfig].sort().join() !== [...facts.pastNames].sort().join())
        mismatches.push(`${type}: config says [${fromConfig}], graph has [${facts.pastNames}]`);
    }
    expect(mismatches).toEqual([]);
  }, 60_000);

  it('gives gpt_bigcode one key_value per layer and trocr none', () => {
    expect(expectedCacheNames({ model_type: 'gpt_bigcode', n_layer: 2, multi_query: true })).toEqual([
      'past_key_values.0.key_value',
      'past_key_values.1.key_value',
    ]);
    expect(expectedCacheNames({ model_type: 'trocr', decoder_layers: 2 })).toEqual([]);
  });

  it('rejects a layer type transformers.js does not support, naming it', () => {
    expect(() => expectedCacheNames({ model_type: 'lfm2', layer_types: ['conv', 'mamba'] })).toThrow(
      /layer type "mamba"/,
    );
  });
});

describe('decoderFactsFromFolder', () => {
  it('reads facts from a decoder folder', async () => {
    const dir = join(root, 'folder-llama');
    await synthesizeDecoder('llama', dir, { size: 'micro', seed: 1 });
    const facts = decoderFactsFromFolder(dir);
    expect(facts.pastNames).toEqual([
      'past_key_values.0.key',
      'past_key_values.0.value',
      'past_key_values.1.key',
      'past_key_values.1.value',
    ]);
    expect(facts.vocabSize).toBeGreaterThan(256);
  });

  it('fails on a config without the keys its type needs, naming the key and file', async () => {
    const dir = join(root, 'folder-mpt');
    await synthesizeDecoder('mpt', dir, { size: 'micro', seed: 1 });
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    delete config.n_layers;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    expect(() => decoderFactsFromFolder(dir)).toThrow(/config\.json \(model_type "mpt"\) lacks "n_layers"/);
  });

  it('fails on a folder without onnx/model.onnx', async () => {
    const dir = join(root, 'folder-no-onnx');
    await synthesizeDecoder('gpt2', dir, { size: 'micro', seed: 1 });
    unlinkSync(join(dir, 'onnx', 'model.onnx'));
    expect(() => decoderFactsFromFolder(dir)).toThrow(/has no onnx\/model\.onnx/);
  });
});
