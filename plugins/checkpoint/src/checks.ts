/**
 * What a generated checkpoint test calls: session-level checks of any ONNX file from its
 * metadata, dtype parity against fp32, greedy generation over the KV cache the graph declares,
 * and the transformers.js pipeline level where the folder has what it needs.
 */
import { resolve } from 'node:path';
import type { EngineSession, Feeds, TensorData, ValueInfo } from '@hf-core/core';
import {
  assertFinite,
  cacheLayout,
  checkDeterminism,
  checkOutputsAgainstMetadata,
  CheckFailure,
  expectThat,
  feedsFromMetadata,
  gradientImage,
  maxAbsDiff,
  SkipCheck,
  tensor,
  timedSection,
  toNumbers,
  type FeedShape,
  type Harness,
} from '@hf-core/harness';
import type { CheckpointPlan, PlannedFile } from './plan.ts';

export { planCheckpoint, contribOps, type CheckpointPlan, type PlannedFile } from './plan.ts';

/** Environment variable a generated test without a model folder reads its folder from. */
export const MODEL_DIR_ENV = 'HF_CORE_MODEL_DIR';

/** The folder named by HF_CORE_MODEL_DIR, resolved from the current folder; undefined when unset. */
export const modelDirFromEnv = (env = process.env): string | undefined =>
  env[MODEL_DIR_ENV] ? resolve(env[MODEL_DIR_ENV]) : undefined;

/** Declared inputs: from the engine's session metadata, else from the file's header. */
const inputsOf = (s: EngineSession, f: PlannedFile): readonly ValueInfo[] =>
  s.inputs?.length ? s.inputs : f.header.inputs;
const outputsOf = (s: EngineSession, f: PlannedFile): readonly ValueInfo[] =>
  s.outputs?.length ? s.outputs : f.header.outputs;
const hasCache = (f: PlannedFile) => cacheLayout(f.header.inputs, f.header.outputs).kind !== 'none';

/** Feed shapes a file is tested with: batch 2, 4 new tokens, an empty (0) or short (2) cache. */
export const shapeFor = (f: PlannedFile, past: number, seed = 1): FeedShape => ({
  batch: 2,
  seq: 4,
  past: hasCache(f) ? past : 0,
  seed,
});

async function feedsFor(
  h: Harness,
  plan: CheckpointPlan,
  f: PlannedFile,
  shape: FeedShape,
): Promise<{ session: EngineSession; feeds: Feeds; symbols: Record<string, number> }> {
  const session = await h.session(f.path);
  return { session, ...feedsFromMetadata(inputsOf(session, f), shape, plan.feed, f.path) };
}

/** The session runs on feeds made from its metadata; outputs match the declared names and dims. */
export async function checkRunsFromMetadata(h: Harness, plan: CheckpointPlan, f: PlannedFile, past = 0) {
  const { session, feeds, symbols } = await feedsFor(h, plan, f, shapeFor(f, past));
  const out = await session.run(feeds);
  const shapes = checkOutputsAgainstMetadata(out, outputsOf(session, f), symbols, f.path);
  return { feeds: Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, [...v.dims]])), outputs: shapes };
}

export async function checkFiniteFromMetadata(h: Harness, plan: CheckpointPlan, f: PlannedFile) {
  const { session, feeds } = await feedsFor(h, plan, f, shapeFor(f, 2, 3));
  assertFinite(await session.run(feeds));
}

export async function checkDeterminismFromMetadata(h: Harness, plan: CheckpointPlan, f: PlannedFile) {
  const { session, feeds } = await feedsFor(h, plan, f, shapeFor(f, 2, 5));
  return checkDeterminism(session, feeds);
}

/** Latency metrics of one file, prefixed by its component when the folder has several. */
export async function measureFromMetadata(h: Harness, plan: CheckpointPlan, f: PlannedFile) {
  const { session, feeds } = await feedsFor(h, plan, f, { ...shapeFor(f, 2), batch: 1 });
  await h.measure(session, feeds, plan.files.length > 1 && f !== plan.files[0] ? `${f.component}.` : '');
}

/** Feeds for `f`, for the cross-backend parity check. */
export async function parityFeeds(h: Harness, plan: CheckpointPlan, f: PlannedFile): Promise<Feeds> {
  return (await feedsFor(h, plan, f, shapeFor(f, 2, 9))).feeds;
}

/**
 * This dtype's outputs against the fp32 file of the same component on the same feeds: max
 * |a - b| / max |fp32| per output within the dtype's tolerance (stated in the result).
 */
export async function checkDtypeParity(h: Harness, plan: CheckpointPlan, f: PlannedFile) {
  if (plan.noReference) throw new SkipCheck(plan.noReference);
  const refPath = plan.reference[f.component];
  if (!refPath) throw new SkipCheck(`no fp32 ${f.component} file to compare ${plan.dtype} with`);
  const tol = plan.tolerance ?? 1e-2;
  const shape = shapeFor(f, 2, 13);
  const { session, feeds } = await feedsFor(h, plan, f, shape);
  const reference = await h.session(refPath);
  const got = await session.run(feeds);
  const want = await reference.run(
    feedsFromMetadata(reference.inputs?.length ? reference.inputs : f.header.inputs, shape, plan.feed, refPath).feeds,
  );
  const perOutput: Record<string, number> = {};
  for (const [name, w] of Object.entries(want)) {
    const g = got[name];
    if (!g) throw new CheckFailure(`${f.path} returned no "${name}" (the fp32 file ${refPath} did)`);
    if (!w.type.startsWith('float')) continue;
    const scale = Math.max(1e-6, ...toNumbers(w).map(Math.abs));
    perOutput[name] = maxAbsDiff(g, w) / scale;
  }
  const bad = Object.entries(perOutput).filter(([, d]) => !(d <= tol));
  const message = `${plan.dtype} vs fp32 (relative difference max|a-b|/max|fp32|, tolerance ${tol} for ${plan.dtype})`;
  if (bad.length)
    throw new CheckFailure(`${message}: ${bad.map(([n, d]) => `${n} differs by ${d.toExponential(3)}`).join(', ')}`, {
      perOutput,
      tolerance: tol,
    });
  return { perOutput, tolerance: tol, rule: message };
}

/** config.json agrees with the graph on vocabulary size and layer count. */
export function checkConfigMatchesGraph(plan: CheckpointPlan) {
  if (!plan.config) throw new SkipCheck('no config.json to compare with the graph');
  if (plan.mismatches.length) throw new CheckFailure(plan.mismatches.join('; '), { mismatches: plan.mismatches });
  return { vocabSize: plan.feed.vocabSize };
}

function argmaxLast(logits: TensorData): number {
  const v = toNumbers(logits);
  const vocab = logits.dims[logits.dims.length - 1]!;
  const last = v.slice(v.length - vocab);
  let best = 0;
  for (let i = 1; i < vocab; i++) if (last[i]! > last[best]!) best = i;
  return best;
}

function argmaxAt(logits: TensorData, pos: number): number {
  const vocab = logits.dims[logits.dims.length - 1]!;
  const v = toNumbers(logits).slice(pos * vocab, (pos + 1) * vocab);
  let best = 0;
  for (let i = 1; i < vocab; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

const ids = (type: string, values: number[]) =>
  type === 'int32' ? tensor('int32', values, [1, values.length]) : tensor('int64', values, [1, values.length]);

/**
 * Greedy generation at session level over the cache the graph declares (per-layer or stacked):
 * prefill a prompt with an empty cache, then feed each new token with the returned presents.
 * The tokens must equal a cache-free greedy run over the whole sequence. Records prefill_ms,
 * decode_ms_per_token and tokens_per_s.
 */
export async function checkSessionGeneration(h: Harness, plan: CheckpointPlan, steps = 4) {
  if (!plan.generation) throw new SkipCheck('no decoder file takes input_ids and a KV cache and returns logits');
  const f = plan.files.find((x) => x.path === plan.generation!.path)!;
  const session = await h.session(f.path);
  const inputs = inputsOf(session, f);
  const layout = cacheLayout(inputs, outputsOf(session, f));
  if (layout.kind === 'none') throw new SkipCheck(`${f.path} declares no KV cache`);
  const idType = inputs.find((i) => i.name === 'input_ids')!.type;
  const prompt = feedsFromMetadata(inputs, { batch: 1, seq: 5, past: 0, seed: 17 }, plan.feed, f.path).feeds;
  const sequence = toNumbers(prompt.input_ids!);
  // The prefill and decode steps are one timed section: no other model of the run is timed meanwhile.
  const { generated, prefillMs, decodeMs } = await timedSection(async () => {
    let t0 = performance.now();
    let out = await session.run(prompt);
    const prefillMs = performance.now() - t0;
    const generated = [argmaxLast(out.logits!)];
    let decodeMs = 0;
    for (let s = 1; s < steps; s++) {
      const total = sequence.length + generated.length;
      const step = feedsFromMetadata(
        inputs,
        { batch: 1, seq: 1, past: total - 1, seed: 17 + s },
        plan.feed,
        f.path,
      ).feeds;
      step.input_ids = ids(idType, [generated[generated.length - 1]!]);
      for (const [past, present] of Object.entries(layout.pastToPresent)) step[past] = out[present]!;
      t0 = performance.now();
      out = await session.run(step);
      decodeMs += performance.now() - t0;
      generated.push(argmaxLast(out.logits!));
    }
    return { generated, prefillMs, decodeMs };
  });
  // The same greedy run without the cache: the whole sequence at once, empty past.
  const full = [...sequence, ...generated.slice(0, -1)];
  const nocache = feedsFromMetadata(inputs, { batch: 1, seq: full.length, past: 0, seed: 17 }, plan.feed, f.path).feeds;
  nocache.input_ids = ids(idType, full);
  const ref = await session.run(nocache);
  const logits = ref.logits!;
  if (logits.dims.length === 3 && logits.dims[1] === full.length) {
    const expected = generated.map((_, i) => argmaxAt(logits, sequence.length - 1 + i));
    expectThat(
      expected.join() === generated.join(),
      `greedy tokens with the KV cache (${generated.join(', ')}) differ from the cache-free run (${expected.join(', ')}) on ${f.path}`,
      { cached: generated, uncached: expected },
    );
  }
  const perToken = steps > 1 ? decodeMs / (steps - 1) : 0;
  h.metric('prefill_ms', round(prefillMs));
  h.metric('decode_ms_per_token', round(perToken));
  h.metric('tokens_per_s', round(perToken > 0 ? 1000 / perToken : 0));
  return { layout: layout.kind, layers: layout.layers, prompt: sequence, generated };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

type Tf = Awaited<ReturnType<Harness['pipelineEnv']>>['tf'];
type Loaded = { dispose(): Promise<unknown> };

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

/**
 * The pipeline level: transformers.js loads the folder offline at this dtype and runs it — a
 * short greedy generation for decoders, a forward of tokenized text or a processed image
 * otherwise. A skip, with the reason, where the folder lacks what transformers.js needs.
 */
export async function checkPipeline(h: Harness, plan: CheckpointPlan) {
  if (plan.pipeline.kind === 'none' || plan.pipeline.kind === 'audio')
    throw new SkipCheck(
      plan.pipeline.kind === 'audio'
        ? 'pipeline level for audio checkpoints is not covered yet; session level ran'
        : plan.pipeline.reason,
    );
  const { tf, modelId, device } = await h.pipelineEnv();
  const opts = {
    device: device as 'cpu',
    dtype: plan.dtype as 'fp32',
    subfolder: plan.subfolder,
    local_files_only: true,
  };
  const loaded: Loaded[] = [];
  try {
    if (plan.pipeline.kind === 'vision') {
      const processor = await tf.AutoProcessor.from_pretrained(modelId);
      const model = await tf.AutoModel.from_pretrained(modelId, opts);
      loaded.push(model);
      const img = gradientImage(64, 48);
      const raw = new (tf as Tf).RawImage(img.data, img.width, img.height, img.channels);
      const out = (await model(await processor(raw))) as Record<string, unknown>;
      return { level: 'pipeline', class: 'AutoModel', outputs: finiteOutputs(out, 'AutoModel') };
    }
    const components = new Set(plan.files.map((f) => f.component));
    const multimodal = ['vision_encoder', 'embed_tokens', 'audio_encoder'].filter((c) => components.has(c));
    if (multimodal.length)
      throw new SkipCheck(
        `pipeline level for multi-file multimodal exports (${multimodal.join(', ')}) is not covered yet; session level ran on each file`,
      );
    const tokenizer = await tf.AutoTokenizer.from_pretrained(modelId);
    const inputs = tokenizer('hello world', { return_tensor: true }) as Record<string, unknown> & {
      input_ids: { dims: number[] };
    };
    if (components.has('encoder_model') && [...components].some((c) => c.startsWith('decoder_model'))) {
      const model = await tf.AutoModelForSeq2SeqLM.from_pretrained(modelId, opts);
      loaded.push(model);
      const out = (await model.generate({ ...inputs, max_new_tokens: 4, do_sample: false } as never)) as {
        dims: number[];
        data: BigInt64Array;
      };
      expectThat(
        out.dims[1]! >= 2 && out.dims[1]! <= 5,
        `seq2seq generate returned [${out.dims}] for max_new_tokens 4 (expected the start token and 1 to 4 more)`,
      );
      return { level: 'pipeline', class: 'AutoModelForSeq2SeqLM', tokens: Array.from(out.data, Number) };
    }
    if (plan.pipeline.generate) {
      const model = await tf.AutoModelForCausalLM.from_pretrained(modelId, opts);
      loaded.push(model);
      const out = (await model.generate({ ...inputs, max_new_tokens: 4, do_sample: false } as never)) as {
        dims: number[];
        data: BigInt64Array;
      };
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
    const model = await tf.AutoModel.from_pretrained(modelId, opts);
    loaded.push(model);
    const out = (await model(inputs)) as Record<string, unknown>;
    return { level: 'pipeline', class: 'AutoModel', outputs: finiteOutputs(out, 'AutoModel') };
  } finally {
    for (const m of loaded) await m.dispose().catch(() => undefined);
  }
}

/** True when the file declares a KV cache (it is then also run with a short, non-empty cache). */
export const hasKvCache = (f: PlannedFile) => cacheLayout(f.header.inputs, f.header.outputs).kind !== 'none';
