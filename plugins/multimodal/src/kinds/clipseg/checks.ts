import type { EngineSession, Feeds } from '@hf-core/core';
import {
  assertClose,
  expectThat,
  maxAbsDiff,
  SeededFeeds,
  tensor,
  toNumbers,
  type Harness,
  fromTfTensor as plain,
} from '@hf-core/harness';
import { imageInputs, rawImages, type ImageFacts, type TfTensor } from '../../shared/images.ts';

/** Facts a CLIPSeg test is rendered with. */
export interface ClipSegFacts extends ImageFacts {
  kind: 'clipseg';
  vocabSize: number;
}

/** `texts` seeded prompts of `seq` tokens and one seeded image. */
export function clipSegFeeds(facts: ClipSegFacts, texts: number, seq = 6, seed = 1): Feeds {
  const rng = new SeededFeeds(seed);
  const dims = [texts, seq];
  return {
    input_ids: tensor(
      'int64',
      Array.from({ length: texts * seq }, () => rng.int(2, facts.vocabSize)),
      dims,
    ),
    attention_mask: tensor('int64', new Array(texts * seq).fill(1), dims),
    ...imageInputs(facts, 1, seed + 7),
  };
}

const PROMPTS = ['a cat', 'the dog', 'a mat'];

/**
 * AutoModelForImageSegmentation (CLIPSegForImageSegmentation): one mask per prompt at the
 * config's image size, equal to the raw session; different prompts give different masks; the
 * same inputs give the same masks twice.
 */
export async function checkClipSegMasks(
  h: Harness,
  session: EngineSession,
  facts: ClipSegFacts,
): Promise<Record<string, unknown>> {
  const { tf, modelId, device } = await h.pipelineEnv();
  const tokenizer = await tf.AutoTokenizer.from_pretrained(modelId);
  const processor = await tf.AutoProcessor.from_pretrained(modelId);
  const model = await tf.AutoModelForImageSegmentation.from_pretrained(modelId, {
    device: device as 'cpu',
    dtype: 'fp32',
  });
  try {
    const size = Number((h.config.vision_config as Record<string, unknown>).image_size);
    const text = tokenizer(PROMPTS, { padding: true, truncation: true }) as Record<string, TfTensor>;
    const { pixel_values } = (await processor(rawImages<InstanceType<typeof tf.RawImage>>(tf, facts)[0])) as {
      pixel_values: TfTensor;
    };
    const out = (await model({ ...text, pixel_values })) as Record<string, TfTensor>;
    const logits = out.logits;
    expectThat(
      logits && logits.dims.join() === [PROMPTS.length, size, size].join(),
      `CLIPSeg logits are [${logits?.dims}], expected [${PROMPTS.length}, ${size}, ${size}] (one mask per prompt at vision_config.image_size)`,
    );
    const raw = await session.run({
      input_ids: plain(text.input_ids!),
      attention_mask: plain(text.attention_mask!),
      pixel_values: plain(pixel_values),
    });
    const d = assertClose('logits', plain(logits), raw.logits!, 1e-5, 'transformers.js vs the raw session');
    const v = toNumbers(plain(logits));
    const per = size * size;
    let spread = 0;
    for (let i = 0; i < per; i++)
      spread = Math.max(spread, Math.abs(v[i]! - v[per + i]!), Math.abs(v[i]! - v[2 * per + i]!));
    expectThat(
      spread > 1e-4,
      `the masks for "${PROMPTS[0]}", "${PROMPTS[1]}" and "${PROMPTS[2]}" are identical (max difference ${spread}); the prompt does not condition the mask`,
    );
    const again = (await model({ ...text, pixel_values })) as Record<string, TfTensor>;
    const twice = maxAbsDiff(plain(again.logits!), plain(logits));
    expectThat(twice === 0, `the same inputs gave masks that differ by ${twice} on a second call`);
    return { dims: [...logits.dims], maxAbsDiff: d, promptSpread: spread };
  } finally {
    await model.dispose();
  }
}
