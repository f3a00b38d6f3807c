import { describe, expect, it } from 'vitest';
import { generationEosIds } from './transformers.ts';

describe('generationEosIds', () => {
  it('takes generation_config first, then text_config, generator, decoder, then the top level', () => {
    expect(generationEosIds({ generation_config: { eos_token_id: 0 }, config: { eos_token_id: 7 } })).toEqual([0]);
    expect(
      generationEosIds({ generation_config: {}, config: { eos_token_id: 7, text_config: { eos_token_id: [2, 3] } } }),
    ).toEqual([2, 3]);
    expect(
      generationEosIds({ generation_config: null, config: { decoder: { eos_token_id: 5 }, eos_token_id: 7 } }),
    ).toEqual([5]);
    expect(generationEosIds({ config: { eos_token_id: 7 } })).toEqual([7]);
    expect(generationEosIds({ config: { eos_token_id: 'x' } })).toEqual([]);
  });
});
