import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { listEntries, writeSyncFile } from '@hf-core/catalog';
import { CATALOG_FALLBACK_PLUGIN, catalogFallbackPlugin, classifyModelConfig, classifyRefs } from './classify.ts';
import { HfCore } from './core.ts';
import { CLASSIFY_STAGE } from './hooks.ts';
import type { HfCorePlugin } from './plugin.ts';

const root = mkdtempSync(join(tmpdir(), 'hf-core-classify-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const write = (rel: string, body: unknown) => {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  writeFileSync(join(root, rel), typeof body === 'string' ? body : JSON.stringify(body));
};
write('whisper/config.json', {
  model_type: 'whisper',
  architectures: ['WhisperForConditionalGeneration'],
  num_mel_bins: 80,
  is_encoder_decoder: true,
});
write('no-type/config.json', { architectures: ['MistralForCausalLM'], vocab_size: 32000, num_key_value_heads: 8 });
write('clip.json', { model_type: 'clip', text_config: {}, vision_config: {} });
write('broken/config.json', '{"model_type": ');
mkdirSync(join(root, 'no-config'));

const opts = { cwd: root, env: { HF_HUB_CACHE: join(root, 'empty-cache') } };
async function coreWith(...plugins: HfCorePlugin[]): Promise<HfCore> {
  const core = new HfCore();
  for (const p of plugins) await core.use(p);
  return core;
}

/** A family plugin as others write them: claims the llama type refs it synthesizes. */
const llamaFamily: HfCorePlugin = {
  name: 'test:llama-family',
  apply(core) {
    core.hooks.classify.tapPromise({ name: 'test:llama-family', stage: CLASSIFY_STAGE.FAMILY }, async (ctx) =>
      ctx.ref.kind === 'type' && ctx.ref.modelType === 'llama'
        ? {
            ref: ctx.ref.ref,
            modelType: 'llama',
            family: 'decoder-only',
            tasks: ['text-generation'],
            runtimeSupport: 'DecoderOnly',
            confidence: 'high',
            reason: 'synthesized by test',
          }
        : undefined,
    );
  },
};

describe('classifyRefs with only the catalog fallback', () => {
  it('classifies types, aliases, folders and config files, and says which plugin answered', async () => {
    const core = await coreWith(catalogFallbackPlugin);
    const [bert, gptj, whisper, noType, clip] = await classifyRefs(
      core,
      ['bert', 'gpt-j', 'whisper', './no-type', 'clip.json'],
      opts,
    );
    expect(bert).toMatchObject({
      ref: 'bert',
      modelType: 'bert',
      family: 'encoder-only',
      confidence: 'high',
      claimedBy: CATALOG_FALLBACK_PLUGIN,
    });
    expect(gptj).toMatchObject({ ref: 'gpt-j', modelType: 'gptj', family: 'decoder-only' });
    expect(whisper).toMatchObject({
      modelType: 'whisper',
      family: 'speech',
      modelDir: join(root, 'whisper'),
      config: { num_mel_bins: 80 },
    });
    expect(noType).toMatchObject({ modelType: 'mistral', family: 'decoder-only', confidence: 'medium' });
    expect(clip).toMatchObject({ modelType: 'clip', family: 'multimodal' });
    expect(clip.modelDir).toBeUndefined();
  });

  it('reads a GenAI config (only a model block) and a custom-code config (only auto_map) as configs', async () => {
    write('genai.json', { model: { type: 'phi3v', decoder: { filename: 'd.onnx' }, vision: { filename: 'v.onnx' } } });
    write('custom.json', { auto_map: { AutoModelForImageSegmentation: 'birefnet.BiRefNet' } });
    const core = await coreWith(catalogFallbackPlugin);
    const [genai, custom] = await classifyRefs(core, ['genai.json', 'custom.json'], opts);
    expect(genai).toMatchObject({ modelType: 'phi3_v', family: 'multimodal', decidedBy: 'genai-model' });
    expect(custom).toMatchObject({ family: 'vision', decidedBy: 'auto_map' });
  });

  it('never throws for a bad ref: it gets family null and the reason', async () => {
    const core = await coreWith(catalogFallbackPlugin);
    const results = await classifyRefs(
      core,
      ['gpt-jx', './broken', './no-config', 'missing.json', 'org/uncached', 'bert'],
      opts,
    );
    expect(results.map((r) => r.family)).toEqual([null, null, null, null, null, 'encoder-only']);
    expect(results[0].reason).toContain('nearest known types: gptj');
    expect(results[1].reason).toContain(join(root, 'broken', 'config.json'));
    expect(results[1].reason).toContain('not valid JSON');
    expect(results[2].reason).toContain('has no config.json');
    expect(results[3].reason).toContain(`${join(root, 'missing.json')} does not exist`);
    expect(results[4].reason).toContain('offline');
  });
});

describe('classifyRefs with family plugins', () => {
  it('lets a FAMILY-stage plugin claim first, whatever the order plugins were loaded in', async () => {
    const core = await coreWith(catalogFallbackPlugin, llamaFamily);
    const [llama, bert] = await classifyRefs(core, ['llama', 'bert'], opts);
    expect(llama).toMatchObject({
      family: 'decoder-only',
      reason: 'synthesized by test',
      claimedBy: 'test:llama-family',
    });
    expect(bert.claimedBy).toBe(CATALOG_FALLBACK_PLUGIN);
  });

  it('says so when no plugin is loaded to answer', async () => {
    const [r] = await classifyRefs(new HfCore(), ['bert'], opts);
    expect(r.family).toBeNull();
    expect(r.reason).toContain('no plugin claimed it');
  });
});

describe('classifyRefs over the whole catalog', () => {
  it('classifies every catalog type through the hook to its catalog family', async () => {
    const core = await coreWith(catalogFallbackPlugin);
    const entries = listEntries();
    const results = await classifyRefs(
      core,
      entries.map((e) => e.modelType),
      opts,
    );
    expect(results.filter((r, i) => r.family !== entries[i].family || r.modelType !== entries[i].modelType)).toEqual(
      [],
    );
  });
});

describe('classifyRefs with --allow-network', () => {
  it('fetches config.json of an uncached hub id from HF_ENDPOINT, and reports a missing one', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/acme/tiny-gpt2/resolve/main/config.json') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'] }));
      } else res.writeHead(404).end('not found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const core = await coreWith(catalogFallbackPlugin);
      const env = { ...opts.env, HF_ENDPOINT: endpoint };
      const [ok, missing] = await classifyRefs(core, ['acme/tiny-gpt2', 'acme/gone'], {
        cwd: root,
        env,
        allowNetwork: true,
      });
      expect(ok).toMatchObject({ modelType: 'gpt2', family: 'decoder-only', config: { model_type: 'gpt2' } });
      expect(missing.family).toBeNull();
      expect(missing.reason).toContain('acme/gone/resolve/main/config.json answered 404');
      const [offline] = await classifyRefs(core, ['acme/tiny-gpt2'], {
        cwd: root,
        env: { ...env, HF_HUB_OFFLINE: '1' },
        allowNetwork: true,
      });
      expect(offline.reason).toContain('HF_HUB_OFFLINE is set');
    } finally {
      server.close();
    }
  });
});

describe('classifyRefs after catalog sync', () => {
  it('classifies the types sync found new, from .hf-core/catalog-sync.json in cwd', async () => {
    const cwd = join(root, 'synced-project');
    mkdirSync(cwd);
    const zorblax = {
      modelType: 'zorblax',
      family: 'vision' as const,
      tasks: ['image-classification'],
      hfMappings: ['MODEL_FOR_IMAGE_CLASSIFICATION'],
      runtimeSupport: 'unsupported',
      configKeys: {},
      familyRule: 'mapping tables',
    };
    writeSyncFile(cwd, { upstreamCount: 421, catalogCount: 420, added: [zorblax], removed: [], remapped: [] }, []);
    const core = await coreWith(catalogFallbackPlugin);
    const [r] = await classifyRefs(core, ['zorblax'], { ...opts, cwd });
    expect(r).toMatchObject({ modelType: 'zorblax', family: 'vision', confidence: 'medium' });
    expect(r.reason).toContain('new in transformers');
    const [elsewhere] = await classifyRefs(core, ['zorblax'], opts);
    expect(elsewhere.family).toBeNull();
    // A config of the new type, as a file and through the exported config classifier.
    writeFileSync(join(cwd, 'zorblax.json'), JSON.stringify({ model_type: 'zorblax', image_size: 224 }));
    const [file] = await classifyRefs(core, ['zorblax.json'], { ...opts, cwd });
    expect(file).toMatchObject({ modelType: 'zorblax', family: 'vision', decidedBy: 'synced' });
    expect(classifyModelConfig({ model_type: 'zorblax' }, 'cfg', { cwd })).toMatchObject({ family: 'vision' });
    expect(classifyModelConfig({ model_type: 'zorblax' }, 'cfg', { cwd: root }).family).toBeNull();
  });
});
