import { byteLevelBpeTokenizer, unigramTokenizer, type TokenizerFiles } from '@hf-core/onnx-builder';
import type { TokenizerSpec } from './specs.ts';

/**
 * The tokenizer files a type really uses: SentencePiece-style Unigram (T5, mBART, Marian,
 * M2M100, Pegasus) or byte-level BPE (BART, Blenderbot), with its special tokens in the real id
 * order and its post-processing template (e.g. mBART's `$A </s> en_XX`, M2M100's `__en__ $A </s>`).
 */
export function seq2seqTokenizer(spec: TokenizerSpec): TokenizerFiles {
  const pair = [...spec.single, '$B', spec.roles.eos_token ?? spec.single.at(-1)!];
  const files =
    spec.kind === 'bpe'
      ? byteLevelBpeTokenizer({
          tokenizerClass: spec.tokenizerClass,
          specials: [...spec.specials, ...(spec.trailing ?? [])],
          roles: spec.roles,
          postProcessor: { single: spec.single, pair },
          addPrefixSpace: true,
          extraConfig: spec.extra,
        })
      : unigramTokenizer({
          tokenizerClass: spec.tokenizerClass,
          specials: spec.specials,
          trailingSpecials: spec.trailing,
          roles: spec.roles,
          unkToken: spec.roles.unk_token,
          single: spec.single,
          pair,
          extraConfig: spec.extra,
        });
  // Language roles are tokenizer_config settings, not special-token roles; M2M100 names languages without underscores.
  for (const role of ['src_lang', 'tgt_lang']) {
    const t = spec.roles[role];
    if (t) files.tokenizerConfig[role] = t.replace(/^__(.*)__$/, '$1');
  }
  return files;
}
