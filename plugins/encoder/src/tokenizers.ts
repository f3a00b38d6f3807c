import {
  byteLevelBpeTokenizer,
  unigramTokenizer,
  wordPieceTokenizer,
  type TokenizerFiles,
} from '@hf-core/onnx-builder';
import type { EncoderSpec } from './specs.ts';

/** Roles of special tokens, read from their spelling (`[PAD]`, `<pad>`, `<|pad|>`, `<s>`, ...). */
function rolesOf(specials: string[]): Record<string, string> {
  const roles: Record<string, string> = {};
  for (const t of specials) {
    const l = t.toLowerCase();
    if (l.includes('pad')) roles.pad_token = t;
    else if (l.includes('unk')) roles.unk_token = t;
    else if (l.includes('mask')) roles.mask_token = t;
    else if (l.includes('cls') || l === '<s>' || l.includes('begin')) {
      roles.cls_token = t;
      roles.bos_token = t;
    } else if (l.includes('sep') || l === '</s>' || l.includes('end')) {
      roles.sep_token = t;
      roles.eos_token = t;
    }
  }
  roles.cls_token ??= roles.bos_token ?? specials[0]!;
  roles.sep_token ??= roles.eos_token ?? specials[0]!;
  roles.unk_token ??= specials[0]!;
  return roles;
}

/** The tokenizer files a type really uses (WordPiece, byte-level BPE or Unigram). */
export function encoderTokenizer(spec: EncoderSpec): TokenizerFiles {
  if (spec.tokenizer === 'wordpiece') return wordPieceTokenizer({ tokenizerClass: spec.tokenizerClass });
  const specials = spec.specials ?? ['<s>', '<pad>', '</s>', '<unk>', '<mask>'];
  const roles = rolesOf(specials);
  const single = [roles.cls_token!, '$A', roles.sep_token!];
  const pair = [...single, roles.sep_token!, '$B', roles.sep_token!];
  if (spec.tokenizer === 'roberta-bpe') {
    return byteLevelBpeTokenizer({
      tokenizerClass: spec.tokenizerClass,
      specials,
      roles,
      postProcessor: { single, pair },
      addPrefixSpace: false,
    });
  }
  return unigramTokenizer({
    tokenizerClass: spec.tokenizerClass,
    specials,
    roles,
    unkToken: roles.unk_token,
    single,
    pair,
  });
}
