import { byteLevelBpeTokenizer, type TokenizerFiles } from '@hf-core/onnx-builder';
import type { DecoderSpec } from './specs.ts';
import type { TokenIds } from './configs.ts';

/**
 * Byte-level BPE tokenizers in three styles: GPT-2 (one <|endoftext|> for bos/eos/pad, nothing
 * added), Llama (<unk> <s> </s>, <s> prepended) and ChatML (Qwen: <|endoftext|> <|im_start|>
 * <|im_end|>). Decoder-only generation pads on the left.
 */
export function decoderTokenizer(spec: DecoderSpec): { files: TokenizerFiles; ids: TokenIds } {
  let files: TokenizerFiles;
  const extraConfig = { padding_side: 'left' };
  if (spec.tokenizer === 'llama') {
    files = byteLevelBpeTokenizer({
      tokenizerClass: spec.tokenizerClass,
      specials: ['<unk>', '<s>', '</s>'],
      roles: { unk_token: '<unk>', bos_token: '<s>', eos_token: '</s>', pad_token: '</s>' },
      postProcessor: { single: ['<s>', '$A'], pair: ['<s>', '$A', '<s>', '$B'] },
      extraConfig: { ...extraConfig, add_bos_token: true, add_eos_token: false },
    });
  } else if (spec.tokenizer === 'chatml') {
    files = byteLevelBpeTokenizer({
      tokenizerClass: spec.tokenizerClass,
      specials: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'],
      roles: {
        eos_token: '<|im_end|>',
        pad_token: '<|endoftext|>',
        unk_token: '<|endoftext|>',
        bos_token: '<|endoftext|>',
      },
      postProcessor: 'none',
      extraConfig,
    });
  } else {
    files = byteLevelBpeTokenizer({
      tokenizerClass: spec.tokenizerClass,
      specials: ['<|endoftext|>'],
      roles: {
        bos_token: '<|endoftext|>',
        eos_token: '<|endoftext|>',
        unk_token: '<|endoftext|>',
        pad_token: '<|endoftext|>',
      },
      postProcessor: 'none',
      extraConfig,
    });
  }
  const s = files.special;
  return { files, ids: { bos: s.bos_token!.id, eos: s.eos_token!.id, pad: s.pad_token!.id } };
}
