import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyModelType, familyFromMappings, getEntry, listEntries, suggestTypes, FAMILIES } from './index.ts';

const dataDir = join(import.meta.dirname, '..', 'data');
function tsv(name: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(join(dataDir, name), 'utf8').trimEnd().split('\n');
  const cols = head.split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i], v.trim()])));
}
const hf = tsv('hf_model_types.tsv');
const tjs = tsv('tjs_model_types.tsv');
const tjsFamilies = tsv('tjs_families.tsv');

describe('catalog coverage', () => {
  it('has every Hugging Face type (420) and every transformers.js type (216)', () => {
    expect(hf).toHaveLength(420);
    expect(tjs).toHaveLength(216);
    const missing = [...hf, ...tjs].map((r) => r.model_type).filter((t) => getEntry(t)?.modelType !== t);
    expect(missing).toEqual([]);
    expect(listEntries()).toHaveLength(new Set([...hf, ...tjs].map((r) => r.model_type)).size);
  });

  it('classifies all 420 HF types to their catalog family, the proposed one unless a note says why not', () => {
    for (const row of hf) {
      const c = classifyModelType(row.model_type);
      const entry = getEntry(row.model_type)!;
      expect(c.family, row.model_type).toBe(entry.family);
      expect(c.confidence).toBe('high');
      if (entry.family !== row.family) expect(entry.familyNote?.length, row.model_type).toBeGreaterThan(40);
      else expect(entry.familyNote, row.model_type).toBeUndefined();
    }
  });

  it('keeps the proposed family of the 53 types only transformers.js has', () => {
    const hfTypes = new Set(hf.map((r) => r.model_type));
    const newer = tjsFamilies.filter((r) => !hfTypes.has(r.model_type));
    expect(newer).toHaveLength(53);
    for (const r of newer) expect(getEntry(r.model_type)?.family, r.model_type).toBe(r.family);
  });

  it('records transformers.js support exactly as its registry does', () => {
    for (const r of tjs) expect(getEntry(r.model_type)!.runtimeSupport, r.model_type).toBe(r.categories);
    expect(getEntry('afmoe')!.runtimeSupport).toBe('DecoderOnlyWithoutHead,DecoderOnly');
    expect(getEntry('layoutxlm')!.runtimeSupport).toBe('unsupported');
  });

  it('derives the family rule from the mapping tables the same way the reference did', () => {
    const byTables = hf.filter((r) => !/^(basename|same-config|unmapped|text-heads)/.test(r.reason));
    expect(byTables.length).toBeGreaterThan(350);
    const wrong = byTables
      .filter((r) => familyFromMappings(r.mappings.split(',')) !== r.family)
      .map((r) => r.model_type);
    expect(wrong).toEqual([]);
  });

  it('derives pipeline tasks from the mapping tables', () => {
    expect(getEntry('llama')!.tasks[0]).toBe('text-generation');
    expect(getEntry('bert')!.tasks).toEqual(
      expect.arrayContaining(['fill-mask', 'text-classification', 'question-answering']),
    );
    expect(getEntry('bert')!.tasks[0]).toBe('fill-mask');
    expect(getEntry('t5')!.tasks[0]).toBe('text2text-generation');
    expect(getEntry('whisper')!.tasks[0]).toBe('automatic-speech-recognition');
    expect(getEntry('vit')!.tasks).toContain('image-classification');
    expect(getEntry('clip')!.tasks[0]).toBe('zero-shot-image-classification');
    expect(getEntry('llava')!.tasks[0]).toBe('image-text-to-text');
  });

  it('carries the config keys transformers.js reads, resolving its special cases', () => {
    expect(getEntry('gpt2')!.configKeys).toEqual({ num_heads: 'n_head', num_layers: 'n_layer', hidden_size: 'n_embd' });
    expect(getEntry('llava')!.configKeys).toEqual({ recurse: 'text_config' });
    expect(getEntry('deepseek_v4')!.configKeys.dim_kv).toBe('head_dim');
    expect(getEntry('deepseek_v3')!.configKeys.dim_kv).toBe('qk_head_dim');
    expect(getEntry('trocr')!.configKeys.num_encoder_layers).toBe('decoder_layers');
    expect(getEntry('cohere_asr')!.configKeys.num_encoder_heads).toBe('encoder_config.num_attention_heads');
  });

  it('names small real checkpoints for common types', () => {
    expect(getEntry('bert')!.checkpoint).toBe('Xenova/bert-base-uncased');
    expect(getEntry('whisper')!.checkpoint).toBe('Xenova/whisper-tiny.en');
    expect(listEntries().filter((e) => e.checkpoint).length).toBeGreaterThan(30);
  });
});

describe('lookups', () => {
  it('accepts aliases and other spellings', () => {
    expect(getEntry('gpt-j')!.modelType).toBe('gptj');
    expect(getEntry('Llama')!.modelType).toBe('llama');
    expect(getEntry('xlm_roberta')!.modelType).toBe('xlm-roberta');
    expect(getEntry('RefinedWebModel')!.modelType).toBe('falcon');
    expect(getEntry('not-a-model')).toBeUndefined();
    expect(classifyModelType('gpt-j').reason).toContain('another name for model type "gptj"');
  });

  it('filters by family and by transformers.js support', () => {
    for (const f of FAMILIES) expect(listEntries({ family: f }).every((e) => e.family === f)).toBe(true);
    expect(listEntries({ family: 'speech' }).map((e) => e.modelType)).toContain('whisper');
    expect(listEntries({ tjs: true })).toHaveLength(216);
  });

  it('suggests near misses for unknown names', () => {
    expect(suggestTypes('gpt-jj')[0]).toBe('gptj');
    expect(suggestTypes('lama')[0]).toBe('llama');
    expect(suggestTypes('mistrall', 1)).toEqual(['mistral']);
    expect(suggestTypes('qwen', 5)).toEqual(expect.arrayContaining(['qwen2', 'qwen3']));
    expect(suggestTypes('zzzzzzzzzzzz')).toEqual([]);
    const c = classifyModelType('whisperr');
    expect(c.family).toBeNull();
    expect(c.reason).toContain('nearest known types: whisper');
  });
});
