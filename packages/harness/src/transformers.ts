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
