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

/** Facts a JinaCLIP test is rendered with. */
export interface JinaFacts extends ImageFacts {
  kind: 'jina';
  projection: number;
  vocabSize: number;
}

export function jinaFeeds(facts: JinaFacts, rows: number, seq = 6, seed = 1): Feeds {
  const rng = new SeededFeeds(seed);
  return {
    input_ids: tensor(
      'int64',
      Array.from({ length: rows * seq }, () => rng.int(5, facts.vocabSize)),
      [rows, seq],
    ),
    ...imageInputs(facts, rows, seed + 30),
  };
}

export function expectedJinaShapes(facts: JinaFacts, texts: number, images: number): Record<string, number[]> {
  const p = facts.projection;
  return {
    text_embeddings: [texts, p],
    image_embeddings: [images, p],
    l2norm_text_embeddings: [texts, p],
    l2norm_image_embeddings: [images, p],
  };
}

const TEXTS = ['a photo of a cat', 'a dog'];

/**
 * AutoModel (JinaCLIPModel): text + images equal the raw session; l2norm_* rows have unit norm;
 * an image-only call (transformers.js feeds dummy input_ids) and a text-only call (zero-size
 * pixel_values) give the same embeddings as the joint call; the same image embeds the same twice.
 */
export async function checkJinaAutoModel(
  h: Harness,
  session: EngineSession,
  facts: JinaFacts,
): Promise<Record<string, unknown>> {
  const { tf, modelId, device } = await h.pipelineEnv();
  const processor = await tf.AutoProcessor.from_pretrained(modelId);
  const model = await tf.AutoModel.from_pretrained(modelId, { device: device as 'cpu', dtype: 'fp32' });
  try {
    const images = rawImages<InstanceType<typeof tf.RawImage>>(tf, facts);
    const inputs = (await processor(TEXTS, images, { padding: true })) as Record<string, TfTensor>;
    const out = (await model({ input_ids: inputs.input_ids, pixel_values: inputs.pixel_values })) as Record<
      string,
      TfTensor
    >;
    const raw = await session.run({ input_ids: plain(inputs.input_ids!), pixel_values: plain(inputs.pixel_values!) });
    let worst = 0;
    for (const name of ['text_embeddings', 'image_embeddings', 'l2norm_text_embeddings', 'l2norm_image_embeddings']) {
      expectThat(out[name], `JinaCLIPModel returned no ${name} (got ${Object.keys(out).join(', ')})`);
      worst = Math.max(
        worst,
        assertClose(name, plain(out[name]!), raw[name]!, 1e-5, 'transformers.js vs the raw session'),
      );
    }
    const unit = toNumbers(plain(out.l2norm_image_embeddings!));
    for (let r = 0; r < images.length; r++) {
      const norm = Math.hypot(...unit.slice(r * facts.projection, (r + 1) * facts.projection));
      expectThat(Math.abs(norm - 1) < 1e-4, `l2norm_image_embeddings row ${r} has norm ${norm}, expected 1`);
    }
    const imageOnly = (await model({ pixel_values: inputs.pixel_values })) as Record<string, TfTensor>;
    const textOnly = (await model({ input_ids: inputs.input_ids })) as Record<string, TfTensor>;
    expectThat(
      imageOnly.image_embeddings && !imageOnly.text_embeddings,
      `an image-only call returned ${Object.keys(imageOnly).join(', ')}, expected image embeddings only`,
    );
    expectThat(
      textOnly.text_embeddings && !textOnly.image_embeddings,
      `a text-only call returned ${Object.keys(textOnly).join(', ')}, expected text embeddings only`,
    );
    assertClose(
      'image_embeddings',
      plain(imageOnly.image_embeddings!),
      plain(out.image_embeddings!),
      1e-5,
      'image-only call vs joint call',
    );
    assertClose(
      'text_embeddings',
      plain(textOnly.text_embeddings!),
      plain(out.text_embeddings!),
      1e-5,
      'text-only call vs joint call',
    );
    const twice = maxAbsDiff(
      plain(((await model({ pixel_values: inputs.pixel_values })) as Record<string, TfTensor>).image_embeddings!),
      plain(imageOnly.image_embeddings!),
    );
    expectThat(twice === 0, `the same images gave image embeddings that differ by ${twice} on a second call`);
    return { maxAbsDiff: worst, sameImageTwice: twice };
  } finally {
    await model.dispose();
  }
}

/**
 * JinaCLIPVisionModel (AutoModelForImageFeatureExtraction, vision_model.onnx) on the processor's
 * pixels: image_embeds [1, projection] equal to model.onnx's image embedding for that image.
 * (transformers.js 4.3.2's image-feature-extraction pipeline calls the processor with the images
 * as its first argument, which JinaCLIPProcessor takes as text, so the model class is used here.)
 */
export async function checkJinaImageFeatures(h: Harness, facts: JinaFacts): Promise<Record<string, unknown>> {
  const { tf, modelId, device } = await h.pipelineEnv();
  const processor = await tf.AutoProcessor.from_pretrained(modelId);
  const vision = await tf.AutoModelForImageFeatureExtraction.from_pretrained(modelId, {
    device: device as 'cpu',
    dtype: 'fp32',
  });
  try {
    const image = rawImages<InstanceType<typeof tf.RawImage>>(tf, facts)[0]!;
    const { pixel_values } = (await processor(null, image)) as { pixel_values: TfTensor };
    const out = (await vision({ pixel_values })) as Record<string, TfTensor>;
    const features = out.image_embeds;
    expectThat(features, `JinaCLIPVisionModel returned no image_embeds (got ${Object.keys(out).join(', ')})`);
    expectThat(
      features.dims.join() === [1, facts.projection].join(),
      `JinaCLIPVisionModel image_embeds are [${features.dims}], expected [1, ${facts.projection}]`,
    );
    const joint = await (await h.session()).run({
      input_ids: tensor('int64', [1], [1, 1]),
      pixel_values: plain(pixel_values),
    });
    const d = assertClose(
      'image_embeds',
      plain(features),
      joint.image_embeddings!,
      1e-5,
      'vision_model.onnx vs model.onnx',
    );
    return { dims: [...features.dims], maxAbsDiff: d };
  } finally {
    await vision.dispose();
  }
}
