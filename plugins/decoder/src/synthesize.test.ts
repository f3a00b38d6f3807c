import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCpuEngine } from '@hf-core/ort';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCacheInputs, checkConfigKeys, checkKvCache, checkSessionLeftPadding } from './checks.ts';
import { synthesizeDecoder } from './synthesize.ts';
import type { GraphFaults } from './graph.ts';

const root = mkdtempSync(join(tmpdir(), 'hf-core-decoder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function synth(type: string, faults?: GraphFaults, name = type) {
  const dir = join(root, name);
  const prepared = await synthesizeDecoder(type, dir, { size: 'tiny', seed: 42, faults });
  const session = await createCpuEngine().createSession(join(dir, 'onnx', 'model.onnx'));
  return { dir, facts: prepared.facts, session };
}

describe('synthesizeDecoder', () => {
  it.each(['gpt2', 'gpt_bigcode', 'bloom', 'lfm2', 'falcon_h1', 'olmo_hybrid', 'zaya', 'trocr'])(
    '%s: onnxruntime-node loads the graph with the inputs and outputs transformers.js uses',
    async (type) => {
      const { dir, facts, session } = await synth(type);
      try {
        expect([...session.inputNames].sort()).toEqual([...facts.inputNames].sort());
        expect(session.outputNames[0]).toBe('logits');
        expect(session.outputNames.length - 1).toBe(facts.pastNames.length);
        expect(checkCacheInputs(session, facts).cacheInputs).toBe(facts.pastNames.length);
        const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
        expect(config.model_type).toBe(type);
        expect(checkConfigKeys(config, type).keys).toBeGreaterThan(0);
      } finally {
        await session.release();
      }
    },
  );

  it('writes the cache names each type really uses (gpt_bigcode key_value, lfm2 conv, falcon_h1 conv+ssm+kv)', async () => {
    expect((await synth('gpt_bigcode')).facts.pastNames).toEqual([
      'past_key_values.0.key_value',
      'past_key_values.1.key_value',
    ]);
    expect((await synth('lfm2')).facts.pastNames).toEqual([
      'past_conv.0',
      'past_key_values.1.key',
      'past_key_values.1.value',
    ]);
    expect((await synth('falcon_h1')).facts.pastNames.slice(0, 4)).toEqual([
      'past_key_values.0.key',
      'past_key_values.0.value',
      'past_conv.0',
      'past_ssm.0',
    ]);
  });
});

describe('KV-cache consistency check', () => {
  it.each(['llama', 'gpt_bigcode', 'bloom', 'qwen3_next'])(
    '%s: step-by-step logits equal one forward within 1e-4',
    async (type) => {
      const { facts, session } = await synth(type);
      const r = (await checkKvCache(session, facts)) as { maxAbsDiff: number; steps: number };
      expect(r.maxAbsDiff).toBeLessThanOrEqual(1e-4);
      expect(r.steps).toBeGreaterThan(0);
      await session.release();
    },
  );

  it.each(['llama', 'gpt_bigcode'])('%s: fails when present is not concatenated with the past', async (type) => {
    const { facts, session } = await synth(type, { dropPast: true }, `${type}-drop-past`);
    await expect(checkKvCache(session, facts)).rejects.toThrow(
      /KV cache: after 5 tokens "present\.0\.key(_value)?" has shape .* 1 cached positions where 5 were expected/,
    );
    await session.release();
  });

  it('fails when the cache holds keys before rotary embedding (same shapes, wrong values)', async () => {
    const { facts, session } = await synth('llama', { cacheBeforeRope: true }, 'llama-unrotated-cache');
    await expect(checkKvCache(session, facts)).rejects.toThrow(
      /KV cache: logits at position \d+ computed step by step with the cache differ from one forward/,
    );
    await session.release();
  });
});

describe('bad input', () => {
  it('a decoder exported without cache inputs fails, naming the missing input', async () => {
    const good = await synth('llama', undefined, 'llama-expected');
    const { session } = await synth('llama', { noCache: true }, 'llama-no-cache');
    expect(() => checkCacheInputs(session, good.facts)).toThrow(
      /lacks inputs past_key_values\.0\.key, past_key_values\.0\.value.*text-generation-with-past/,
    );
    await session.release();
    await good.session.release();
  });

  it('a config without the keys its type needs fails, naming the key', async () => {
    const { dir, session } = await synth('gpt2', undefined, 'gpt2-bad-config');
    await session.release();
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    delete config.n_head;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    expect(() => checkConfigKeys(config, 'gpt2')).toThrow(/config\.json \(model_type "gpt2"\) lacks "n_head"/);
    expect(() =>
      checkConfigKeys(
        { model_type: 'lfm2', num_key_value_heads: 2, num_hidden_layers: 2, hidden_size: 32, num_attention_heads: 4 },
        'lfm2',
      ),
    ).toThrow(/lacks "layer_types"/);
  });
});

describe('session-level left padding', () => {
  it.each(['gpt2', 'bloom', 'lfm2', 'falcon_h1'])(
    '%s: a left-padded batch generates what each prompt generates alone',
    async (type) => {
      const { facts, session } = await synth(type);
      expect((await checkSessionLeftPadding(session, facts)).rows).toBe(2);
      await session.release();
    },
  );

  it('fails when attention ignores the padding mask', async () => {
    const { facts, session } = await synth('gpt2', { ignorePadding: true }, 'gpt2-ignores-padding');
    await expect(checkSessionLeftPadding(session, facts)).rejects.toThrow(
      /left padding: row 0 \(3 tokens, 4 pad\) generates \[[\d,]+\] in the batch but \[[\d,]+\] alone/,
    );
    await session.release();
  });
});
