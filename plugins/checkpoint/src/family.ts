import type { Family, ModelFolder } from '@hf-core/core';
import { join } from 'node:path';
import { readOnnxHeader } from './onnx-header.ts';

/**
 * The family a folder's graph suggests when no config says: multi-file layouts by their file
 * names (encoder_model + decoder_model_merged, vision_encoder, embed_tokens), a single model by
 * the inputs it takes.
 */
export function familyFromGraph(folder: ModelFolder): { family: Family; reason: string } {
  const components = new Set(folder.files.map((f) => f.component));
  const first = folder.files.find((f) => f.dtype === 'fp32') ?? folder.files[0]!;
  const names = new Set(readOnnxHeader(join(folder.dir, first.path)).inputs.map((i) => i.name));
  const has = (...n: string[]) => n.some((x) => names.has(x));
  const say = (family: Family, why: string) => ({ family, reason: `family ${family} from the graph: ${why}` });
  if (components.has('vision_encoder') || components.has('embed_tokens') || components.has('audio_encoder'))
    return say('multimodal', 'it has vision_encoder / embed_tokens / audio_encoder files');
  if (components.has('vision') && (components.has('embedding') || components.has('text')))
    return say('multimodal', 'it has vision and embedding / text files (an onnxruntime-genai split export)');
  if (components.has('encoder_model') && [...components].some((c) => c.startsWith('decoder_model'))) {
    if (has('input_features', 'input_values')) return say('speech', `${first.path} takes audio features`);
    if (has('pixel_values')) return say('multimodal', `${first.path} takes pixel_values`);
    return say('encoder-decoder', 'it has encoder_model and decoder_model files');
  }
  if (has('pixel_values')) return say('vision', `${first.path} takes pixel_values`);
  if (has('input_features', 'input_values')) return say('speech', `${first.path} takes audio`);
  if ([...names].some((n) => /^past_key_values\.|^past_\d+$/.test(n)))
    return say('decoder-only', `${first.path} takes a KV cache`);
  if (has('input_ids')) return say('encoder-only', `${first.path} takes input_ids and no cache`);
  return say('other', `${first.path} takes ${[...names].join(', ') || 'no inputs'}`);
}
