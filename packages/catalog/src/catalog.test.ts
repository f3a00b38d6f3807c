import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  catalogMeta,
  classifyModelType,
  exactEntry,
  familyFromMappings,
  getEntry,
  listEntries,
  suggestTypes,
  FAMILIES,
} from './index.ts';
import { releaseFromTsv } from './upstream/release.ts';

const dataDir = join(import.meta.dirname, '..', 'data');
function tsv(name: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(join(dataDir, name), 'utf8').trimEnd().split('\n');
  const cols = head.split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i], v.trim()])));
}
const hf = tsv('hf_model_types.tsv');
const tjs = tsv('tjs_model_types.tsv');
const tjsFamilies = tsv('tjs_families.tsv');
const releases = Object.fromEntries(
  catalogMeta().transformersReleases.map((v) => [
    v,
    releaseFromTsv(readFileSync(join(dataDir, 'releases', `transformers-${v}.tsv`), 'utf8'), v),
  ]),
);

describe('catalog coverage', () => {
  it('follows transformers 5.18.0: every config type of it, of the older releases it read, and of transformers.js', () => {
    expect(catalogMeta()).toMatchObject({
      transformers: '5.18.0',
      transformersReleases: ['4.57.6', '5.17.0', '5.18.0'],
    });
    const current = [...releases['5.18.0'].types.keys()];
    expect(current).toHaveLength(725);
    for (const t of current) expect(exactEntry(t)?.removedIn, t).toBeUndefined();
    const older = new Set([
      ...Object.values(releases).flatMap((r) => [...r.types.keys()]),
      ...hf.map((r) => r.model_type),
    ]);
    const missing = [...older, ...tjs.map((r) => r.model_type)].filter((t) => !exactEntry(t));
    expect(missing).toEqual([]);
    expect(listEntries()).toHaveLength(new Set([...older, ...tjs.map((r) => r.model_type)]).size);
    const removed = listEntries().filter((e) => e.removedIn);
    expect(
      removed.every((e) => !releases['5.18.0'].types.has(e.modelType) && e.lastIn && e.releases?.includes(e.lastIn)),
    ).toBe(true);
  });

  it('gives every sub-config its parent (a catalog type) and role', () => {
    const subs = listEntries().filter((e) => e.parent);
    expect(subs.length).toBeGreaterThan(200);
    for (const e of subs) {
      expect(exactEntry(e.parent!), `${e.modelType} -> ${e.parent}`).toBeDefined();
      expect(['text', 'vision', 'audio', 'encoder', 'decoder', 'other']).toContain(e.role);
    }
    expect(getEntry('blip_vision_model')).toMatchObject({ parent: 'blip', role: 'vision', family: 'vision' });
    expect(getEntry('clap_audio_model')).toMatchObject({ parent: 'clap', role: 'audio', family: 'speech' });
    expect(getEntry('siglip_text_model')).toMatchObject({ parent: 'siglip', role: 'text', family: 'encoder-only' });
    expect(getEntry('qwen2_5_vl_text')).toMatchObject({ parent: 'qwen2_5_vl', role: 'text', family: 'decoder-only' });
  });

  it('classifies every type to its catalog family; the proposed one unless a note says why not', () => {
    for (const e of listEntries()) {
      const c = classifyModelType(e.modelType);
      expect(c.family, e.modelType).toBe(e.family);
      expect(c.confidence).toBe('high');
      if (e.family !== e.proposedFamily) expect(e.familyNote?.length, e.modelType).toBeGreaterThan(40);
      else expect(e.familyNote, e.modelType).toBeUndefined();
    }
  });

  it('keeps the reference family of the 420 types of the reference table, except where 5.18.0 tables moved them', () => {
    const moved = hf.filter((r) => getEntry(r.model_type)!.proposedFamily !== r.family).map((r) => r.model_type);
    expect(moved).toEqual(['pixtral']);
  });

  it('keeps the proposed family of the types only transformers.js has', () => {
    const only = listEntries().filter((e) => e.sources?.join() === 'transformers.js');
    expect(only).toHaveLength(31);
    const proposed = new Map(tjsFamilies.map((r) => [r.model_type, r.family]));
    for (const e of only) expect(e.family, e.modelType).toBe(proposed.get(e.modelType));
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
