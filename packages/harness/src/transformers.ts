import { basename, dirname } from 'node:path';
import { CheckFailure, SkipCheck } from './errors.ts';
import { generatedTensor, type TfTensorLike } from './tf-tensors.ts';

type Transformers = typeof import('@huggingface/transformers');

let tfPromise: Promise<Transformers> | undefined;

/**
 * transformers.js configured to load `modelDir` offline: remote models off, the folder's parent
 * as the local model path; the folder name is the model id.
 */
export async function offlineTransformers(modelDir: string): Promise<{ tf: Transformers; modelId: string }> {
  const tf = await (tfPromise ??= import('@huggingface/transformers'));
  tf.env.allowRemoteModels = false;
  tf.env.allowLocalModels = true;
  tf.env.localModelPath = `${dirname(modelDir)}/`;
  tf.env.useFSCache = false;
  return { tf, modelId: basename(modelDir) };
}

export function requireDevice(device: string | undefined, backend: string): string {
  if (!device)
    throw new SkipCheck(
      `pipeline level does not run on ${backend}: transformers.js in Node drives only cpu, cuda and webgpu`,
    );
  return device;
}

/**
 * A part of a loaded transformers.js processor that a check needs (`image_processor`,
 * `feature_extractor`, `tokenizer`), or a CheckFailure naming what the model's processor lacks.
 * transformers.js types processors and their parts as callables returning `any`, so a check names
 * the view it relies on in its own type and gets the part through here rather than by a cast.
 */
export function processorPart<T>(part: T | null | undefined, name: string): T {
  if (part === undefined || part === null)
    throw new CheckFailure(
      `the model's processor has no ${name}: check its preprocessor_config.json / processor_config.json`,
    );
  return part;
}

/** Greedy `generate` of exactly `newTokens` tokens (min = max, no sampling): the ids, prompt first. */
export async function generateGreedy(
  model: { generate(args: Record<string, unknown>): Promise<unknown> },
  inputs: object,
  newTokens: number,
): Promise<TfTensorLike> {
  return generatedTensor(
    await model.generate({ ...inputs, max_new_tokens: newTokens, min_new_tokens: newTokens, do_sample: false }),
  );
}

const idList = (v: unknown): number[] | undefined =>
  typeof v === 'number' ? [v] : Array.isArray(v) && v.every((x) => typeof x === 'number') ? v : undefined;
const fieldOf = (o: unknown, key: string): unknown =>
  o && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined;

/**
 * The end-of-sequence ids a loaded transformers.js model holds back while min_new_tokens applies:
 * generation_config.json's eos_token_id, else config.json's (its decoder / generator /
 * text_config first), as transformers.js's _prepare_generation_config merges them. A raw greedy
 * loop compared with `generateGreedy` suppresses these.
 */
export function generationEosIds(model: { config?: unknown; generation_config?: unknown }): number[] {
  const fromGeneration = idList(fieldOf(model.generation_config, 'eos_token_id'));
  if (fromGeneration) return fromGeneration;
  for (const key of ['text_config', 'generator', 'decoder']) {
    const ids = idList(fieldOf(fieldOf(model.config, key), 'eos_token_id'));
    if (ids) return ids;
  }
  return idList(fieldOf(model.config, 'eos_token_id')) ?? [];
}
