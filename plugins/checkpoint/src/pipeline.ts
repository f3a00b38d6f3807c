/**
 * The pipeline level of a checkpoint: transformers.js loads the folder offline at the dtype under
 * test and runs it the way the folder's files allow: generate for decoders and encoder-decoders,
 * a forward of tokenized text, of a processed image, of processed audio, or of both text and an
 * image for a model that takes both.
 */
import type { TensorData } from '@hf-core/core';
import { assertFinite, expectThat, gradientImage, SkipCheck, tone, type Harness } from '@hf-core/harness';
import type { CheckpointPlan } from './plan.ts';

type Tf = Awaited<ReturnType<Harness['pipelineEnv']>>['tf'];
type Loaded = { dispose(): Promise<unknown> };
type Generated = { dims: number[]; data: BigInt64Array };

function finiteOutputs(out: Record<string, unknown>, what: string) {
  const tensors: Record<string, TensorData> = {};
  for (const [k, v] of Object.entries(out)) {
    const t = v as { type?: string; dims?: number[]; data?: unknown };
    if (t && typeof t.type === 'string' && Array.isArray(t.dims) && t.type.startsWith('float'))
      tensors[k] = { type: t.type as TensorData['type'], dims: t.dims, data: t.data as Float32Array };
  }
  expectThat(Object.keys(tensors).length > 0, `${what} returned no float tensor (got ${Object.keys(out).join(', ')})`);
  assertFinite(tensors);
  return Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.dims]));
}

const takes = (plan: CheckpointPlan, name: string) =>
  plan.files.some((f) => f.header.inputs.some((i) => i.name === name));

/**
 * The pipeline level: transformers.js loads the folder offline at this dtype and runs it. A
 * skip, with the reason, where the folder lacks what transformers.js needs.
 */
export async function checkPipeline(h: Harness, plan: CheckpointPlan) {
  if (plan.pipeline.kind === 'none') throw new SkipCheck(plan.pipeline.reason);
  const components = new Set(plan.files.map((f) => f.component));
  const multimodal = ['vision_encoder', 'embed_tokens', 'audio_encoder'].filter((c) => components.has(c));
  if (multimodal.length)
    throw new SkipCheck(
      `pipeline level for multi-file multimodal exports (${multimodal.join(', ')}) is not covered yet; session level ran on each file`,
    );
  const { tf, modelId, device } = await h.pipelineEnv();
  const opts = {
    device: device as 'cpu',
    dtype: plan.dtype as 'fp32',
    subfolder: plan.subfolder,
    local_files_only: true,
  };
  const loaded: Loaded[] = [];
  const load = async <M extends Loaded>(p: Promise<M>) => {
    const m = await p;
    loaded.push(m);
    return m;
  };
  try {
    const image = () => {
      const img = gradientImage(64, 48);
      return new (tf as Tf).RawImage(img.data, img.width, img.height, img.channels);
    };
    if (plan.pipeline.kind === 'audio') {
      const processor = await tf.AutoProcessor.from_pretrained(modelId);
      const inputs = await processor(tone(440, 0.5));
      if (plan.seq2seq) {
        const model = await load(tf.AutoModelForSpeechSeq2Seq.from_pretrained(modelId, opts));
        const out = (await model.generate({ ...inputs, max_new_tokens: 4, do_sample: false })) as Generated;
        return { level: 'pipeline', class: 'AutoModelForSpeechSeq2Seq', tokens: Array.from(out.data, Number) };
      }
      const model = await load(tf.AutoModel.from_pretrained(modelId, opts));
      return {
        level: 'pipeline',
        class: 'AutoModel',
        input: 'audio',
        outputs: finiteOutputs(await model(inputs), 'AutoModel'),
      };
    }
    if (plan.pipeline.kind === 'vision') {
      const processor = await tf.AutoProcessor.from_pretrained(modelId);
      const model = await load(tf.AutoModel.from_pretrained(modelId, opts));
      const out = (await model(await processor(image()))) as Record<string, unknown>;
      return { level: 'pipeline', class: 'AutoModel', input: 'image', outputs: finiteOutputs(out, 'AutoModel') };
    }
    const tokenizer = await tf.AutoTokenizer.from_pretrained(modelId);
    const inputs = tokenizer('hello world', { return_tensor: true, padding: true }) as Record<string, unknown> & {
      input_ids: { dims: number[] };
    };
    if (plan.seq2seq) {
      const model = await load(tf.AutoModelForSeq2SeqLM.from_pretrained(modelId, opts));
      const out = (await model.generate({ ...inputs, max_new_tokens: 4, do_sample: false })) as Generated;
      expectThat(
        out.dims[1]! >= 2 && out.dims[1]! <= 5,
        `seq2seq generate returned [${out.dims}] for max_new_tokens 4 (expected the start token and 1 to 4 more)`,
      );
      return { level: 'pipeline', class: 'AutoModelForSeq2SeqLM', tokens: Array.from(out.data, Number) };
    }
    if (plan.pipeline.generate) {
      const model = await load(tf.AutoModelForCausalLM.from_pretrained(modelId, opts));
      const out = (await model.generate({ ...inputs, max_new_tokens: 4, do_sample: false })) as Generated;
      const n = inputs.input_ids.dims[1]!;
      expectThat(
        out.dims[1]! > n && out.dims[1]! <= n + 4,
        `generate returned [${out.dims}] for a prompt of ${n} tokens and max_new_tokens 4`,
      );
      const vocab = plan.feed.vocabSize ?? Number.MAX_SAFE_INTEGER;
      const tokens = Array.from(out.data, Number);
      expectThat(
        tokens.every((t) => t >= 0 && t < vocab),
        `generate returned a token id outside the vocabulary (${vocab}): ${tokens.join(', ')}`,
      );
      return { level: 'pipeline', class: 'AutoModelForCausalLM', tokens };
    }
    const model = await load(tf.AutoModel.from_pretrained(modelId, opts));
    if (takes(plan, 'pixel_values')) {
      // Text and an image into one model (CLIP-like): the processor makes pixel_values.
      const processor = await tf.AutoProcessor.from_pretrained(modelId);
      const pixels = (await processor(image())) as Record<string, unknown>;
      const out = (await model({ ...inputs, pixel_values: pixels.pixel_values })) as Record<string, unknown>;
      return { level: 'pipeline', class: 'AutoModel', input: 'text+image', outputs: finiteOutputs(out, 'AutoModel') };
    }
    const out = (await model(inputs)) as Record<string, unknown>;
    return { level: 'pipeline', class: 'AutoModel', input: 'text', outputs: finiteOutputs(out, 'AutoModel') };
  } finally {
    for (const m of loaded) await m.dispose().catch(() => undefined);
  }
}
