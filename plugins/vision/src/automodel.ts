import {
  CheckFailure,
  expectThat,
  maxAbsDiff,
  processorPart,
  readRawImage,
  type Harness,
  type Outputs,
} from '@hf-core/harness';
import { tensorOf } from './pipelines.ts';
import { runProcessor } from './processor.ts';
import { assertVisionShapes, expectedShapes, type VisionFacts } from './session.ts';

// --- tasks without a transformers.js pipeline ----------------------------------------------------

/** VitPose image processors add post_process_pose_estimation to the image processor. */
const hasPoseEstimation = (
  p: object,
): p is {
  post_process_pose_estimation(o: unknown, boxes: number[][][]): { keypoints: number[][]; labels: number[] }[][];
} => 'post_process_pose_estimation' in p && typeof p.post_process_pose_estimation === 'function';

/**
 * Tasks without a transformers.js pipeline (matting, pose, scene text): AutoProcessor + AutoModel
 * on a test image; each expected output is present, finite, and its post-processing (where the
 * processor has one) gives one result per keypoint.
 */
export async function checkAutoModel(h: Harness, facts: VisionFacts, images: string[]) {
  const { tf, modelId, device } = await h.pipelineEnv();
  const processor = await tf.AutoProcessor.from_pretrained(modelId);
  const model = await tf.AutoModel.from_pretrained(modelId, { device: device as 'cpu', dtype: 'fp32' });
  try {
    const img = await readRawImage(tf, images[0]!);
    const inputs = await runProcessor(tf, processor, facts, img);
    // transformers.js models are callables typed `(...args: any[]) => any`: this names what the check reads.
    const forward: (x: unknown) => Promise<Record<string, { dims: number[]; data: Float32Array }>> = model;
    const out = await forward(inputs);
    const [, , H, W] = inputs.pixel_values!.dims as [number, number, number, number];
    const expected = expectedShapes(facts, 1, H);
    if (facts.head === 'matting') expected.alphas = [1, 1, H, W];
    assertVisionShapes(
      Object.fromEntries(
        facts.outputs.map((n) => [n, out[n] ? tensorOf(out[n]!) : undefined]).filter(([, v]) => v),
      ) as Outputs,
      expected,
    );
    for (const n of facts.outputs)
      expectThat(out[n]!.data.every(Number.isFinite), `AutoModel output ${n} has non-finite values`);
    if (facts.head === 'matting') {
      const a = out.alphas!.data;
      expectThat(
        a.every((v) => v >= 0 && v <= 1),
        'alphas are outside [0, 1]',
      );
    }
    if (facts.head === 'pose') {
      const post = processorPart(processor.image_processor, 'image_processor');
      if (!hasPoseEstimation(post))
        throw new CheckFailure('the image processor has no post_process_pose_estimation (VitPose image processors do)');
      const res = post.post_process_pose_estimation(out.heatmaps, [[[0, 0, img.width, img.height]]]);
      expectThat(
        res[0]?.[0]?.keypoints.length === facts.numLabels,
        `pose post-processing gave ${res[0]?.[0]?.keypoints.length} keypoints, expected ${facts.numLabels}`,
      );
    }
    return { outputs: Object.fromEntries(facts.outputs.map((n) => [n, out[n]!.dims])) };
  } finally {
    await model.dispose();
  }
}

type SamOut = {
  iou_scores: { dims: number[]; data: Float32Array };
  pred_masks: { dims: number[]; data: Float32Array };
};

/**
 * mask-generation (SAM family): AutoProcessor with a point prompt + AutoModel (vision encoder and
 * prompt decoder); iou_scores in (0, 1) for each of the candidate masks; post_process_masks gives
 * masks at the image's size; a prompt elsewhere gives different masks.
 */
export async function checkMaskGeneration(h: Harness, images: string[]) {
  const { tf, modelId, device } = await h.pipelineEnv();
  const processor: ((img: unknown, o: unknown) => Promise<Record<string, unknown>>) & {
    /** SamProcessor's own. */
    post_process_masks?(m: unknown, o: unknown, r: unknown): Promise<{ dims: number[]; type: string }[]>;
  } = await tf.AutoProcessor.from_pretrained(modelId);
  if (!processor.post_process_masks)
    throw new CheckFailure('the processor has no post_process_masks: it is not a SamProcessor');
  const model = await tf.AutoModel.from_pretrained(modelId, { device: device as 'cpu', dtype: 'fp32' });
  // transformers.js models are callables typed `(...args: any[]) => any`: this names what the check reads.
  const forward: (inputs: unknown) => Promise<SamOut> = model;
  try {
    const img = await readRawImage(tf, images[0]!);
    const prompt = async (x: number, y: number) => {
      const inputs = await processor(img, { input_points: [[[x, y]]] });
      const out = await forward(inputs);
      return { inputs, out };
    };
    const a = await prompt(img.width * 0.25, img.height * 0.25);
    const { iou_scores: iou, pred_masks: masks } = a.out;
    expectThat(
      iou && iou.dims.length === 3 && iou.dims[0] === 1 && iou.dims[1] === 1,
      `iou_scores is ${iou ? `[${iou.dims}]` : 'missing'}, expected [1, 1, masks]`,
    );
    expectThat(
      Array.from(iou.data).every((v) => v > 0 && v < 1),
      `iou_scores ${Array.from(iou.data)} are outside (0, 1)`,
    );
    expectThat(
      masks && masks.dims.length === 5 && masks.dims[2] === iou.dims[2],
      `pred_masks is ${masks ? `[${masks.dims}]` : 'missing'}, expected [1, 1, ${iou.dims[2]}, h, w]`,
    );
    const post = await processor.post_process_masks(masks, a.inputs.original_sizes, a.inputs.reshaped_input_sizes);
    const m = post[0]!;
    expectThat(
      m.dims.slice(-2).join() === [img.height, img.width].join(),
      `post-processed masks are [${m.dims}], expected the image size ${img.height}x${img.width} last`,
    );
    const b = await prompt(img.width * 0.75, img.height * 0.75);
    const diff = maxAbsDiff(tensorOf(masks), tensorOf(b.out.pred_masks));
    expectThat(diff > 0, 'two different point prompts gave identical masks: the decoder ignores its prompt');
    return { iou_scores: iou.dims, pred_masks: masks.dims, masks: m.dims };
  } finally {
    await model.dispose();
  }
}
