/**
 * What a generated checkpoint test calls: session-level checks of any ONNX file from its
 * metadata, dtype parity against fp32, config and tokenizer against the graph; generation
 * (session-generation.ts), the pipeline level (pipeline.ts) and parity with reference.json
 * outputs (reference.ts) are re-exported for the generated test.
 */
import { resolve } from 'node:path';
import type { EngineSession, Feeds } from '@hf-core/core';
import {
  assertFinite,
  cacheLayout,
  checkDeterminism,
  checkOutputsAgainstMetadata,
  CheckFailure,
  feedsFromMetadata,
  maxAbsDiff,
  SkipCheck,
  toNumbers,
  type FeedShape,
  type Harness,
} from '@hf-core/harness';
import { inputsOf, outputsOf, type CheckpointPlan, type PlannedFile } from './plan.ts';

export { planCheckpoint, contribOps, type CheckpointPlan, type PlannedFile } from './plan.ts';
export { checkPipeline } from './pipeline.ts';
export { checkSeq2SeqSessionGeneration, checkSessionGeneration } from './session-generation.ts';
export { checkReferenceParity, hasReference } from './reference.ts';

/** Environment variable a generated test without a model folder reads its folder from. */
export const MODEL_DIR_ENV = 'HF_CORE_MODEL_DIR';

/** The folder named by HF_CORE_MODEL_DIR, resolved from the current folder; undefined when unset. */
export const modelDirFromEnv = (env = process.env): string | undefined =>
  env[MODEL_DIR_ENV] ? resolve(env[MODEL_DIR_ENV]) : undefined;

const hasCache = (plan: CheckpointPlan, f: PlannedFile) =>
  cacheLayout(f.header.inputs, f.header.outputs, plan.cachePatterns).kind !== 'none';

/**
 * Feed shapes a file is tested with: batch 2, 4 new tokens over an empty cache, or the plan's
 * step size (4, or 1 where the graph decodes one token at a time) over a short (2) cache.
 */
export const shapeFor = (plan: CheckpointPlan, f: PlannedFile, past: number, seed = 1): FeedShape => {
  const cached = hasCache(plan, f) && past > 0;
  return { batch: 2, seq: cached ? plan.stepTokens : 4, past: cached ? past : 0, seed };
};

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
  const { session, feeds, symbols } = await feedsFor(h, plan, f, shapeFor(plan, f, past));
  const out = await session.run(feeds);
  const shapes = checkOutputsAgainstMetadata(out, outputsOf(session, f), symbols, f.path);
  return { feeds: Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, [...v.dims]])), outputs: shapes };
}

export async function checkFiniteFromMetadata(h: Harness, plan: CheckpointPlan, f: PlannedFile) {
  const { session, feeds } = await feedsFor(h, plan, f, shapeFor(plan, f, 2, 3));
  assertFinite(await session.run(feeds));
}

export async function checkDeterminismFromMetadata(h: Harness, plan: CheckpointPlan, f: PlannedFile) {
  const { session, feeds } = await feedsFor(h, plan, f, shapeFor(plan, f, 2, 5));
  return checkDeterminism(session, feeds);
}

/** Latency metrics of one file, prefixed by its component when the folder has several. */
export async function measureFromMetadata(h: Harness, plan: CheckpointPlan, f: PlannedFile) {
  const { session, feeds } = await feedsFor(h, plan, f, { ...shapeFor(plan, f, 2), batch: 1 });
  await h.measure(session, feeds, plan.files.length > 1 && f !== plan.files[0] ? `${f.component}.` : '');
}

/** Feeds for `f`, for the cross-backend parity check. */
export async function parityFeeds(h: Harness, plan: CheckpointPlan, f: PlannedFile): Promise<Feeds> {
  return (await feedsFor(h, plan, f, shapeFor(plan, f, 2, 9))).feeds;
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
  const shape = shapeFor(plan, f, 2, 13);
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
    const scale = toNumbers(w).reduce((m, x) => Math.max(m, Math.abs(x)), 1e-6);
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

/** config.json (or genai_config.json) agrees with the graph on vocabulary size and layer count. */
export function checkConfigMatchesGraph(plan: CheckpointPlan) {
  if (!plan.config && !plan.genai)
    throw new SkipCheck(plan.configProblem ?? 'no config.json or genai_config.json to compare with the graph');
  if (plan.mismatches.length) throw new CheckFailure(plan.mismatches.join('; '), { mismatches: plan.mismatches });
  return { vocabSize: plan.feed.vocabSize };
}

/**
 * The tokenizer cannot produce ids past the embedding: fails when the pipeline level would
 * tokenize with it; when only the session level runs (ids made within the embedding), it is a
 * skip that says what is wrong, since nothing uses the tokenizer.
 */
export function checkTokenizerMatchesGraph(plan: CheckpointPlan) {
  if (plan.tokenizerIds === undefined) throw new SkipCheck('no readable tokenizer.json to compare with the embedding');
  if (plan.feed.vocabSize === undefined) throw new SkipCheck('the graph does not say how many embedding rows it has');
  if (!plan.tokenizerProblem) return { tokenizerIds: plan.tokenizerIds, embeddingRows: plan.feed.vocabSize };
  if (plan.pipeline.kind === 'none')
    throw new SkipCheck(
      `${plan.tokenizerProblem} (not used: only the session level runs, on ids within the embedding)`,
    );
  throw new CheckFailure(plan.tokenizerProblem);
}

/** True when the file declares a KV cache (it is then also run with a short, non-empty cache). */
export const hasKvCache = (plan: CheckpointPlan, f: PlannedFile) => hasCache(plan, f);
