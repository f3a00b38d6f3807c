import { describe, expect, it } from 'vitest';
import { Tokenizer } from '@huggingface/tokenizers';
import { byteLevelBpeTokenizer, unigramTokenizer, wordPieceTokenizer } from './tokenizer.ts';

// The same tokenizer library transformers.js 4 loads tokenizer.json with.
describe('tokenizer builders', () => {
  it('WordPiece wraps text in [CLS] ... [SEP] and knows every ASCII letter', () => {
    const t = wordPieceTokenizer();
    const tok = new Tokenizer(t.tokenizerJson, t.tokenizerConfig);
    const enc = tok.encode('Hello world zebra!');
    expect(enc.ids[0]).toBe(t.special.cls_token!.id);
    expect(enc.ids.at(-1)).toBe(t.special.sep_token!.id);
    expect(enc.ids).not.toContain(t.special.unk_token!.id);
    expect(tok.decode(enc.ids, { skip_special_tokens: true })).toBe('hello world zebra!');
  });
  it('byte-level BPE round-trips arbitrary text, merges known words', () => {
    const t = byteLevelBpeTokenizer();
    const tok = new Tokenizer(t.tokenizerJson, t.tokenizerConfig);
    const text = 'hello world, Ünïcode 🙂';
    const enc = tok.encode(text);
    expect(tok.decode(enc.ids, { skip_special_tokens: true })).toBe(text);
    expect(tok.encode('hello').ids).toHaveLength(1);
  });
  it('Unigram appends </s> and decodes back', () => {
    const t = unigramTokenizer();
    const tok = new Tokenizer(t.tokenizerJson, t.tokenizerConfig);
    const enc = tok.encode('the cat sat on the mat');
    expect(enc.ids.at(-1)).toBe(t.special.eos_token!.id);
    expect(tok.decode(enc.ids, { skip_special_tokens: true })).toBe('the cat sat on the mat');
  });
});
