import type { EngineSession, Feeds } from '@hf-core/core';
import { expectThat, maxAbsDiff, SeededFeeds, tensor, type Harness } from '@hf-core/harness';

export interface OtherFacts {
  kind: 'forecast' | 'decision';
  inputs: Record<string, number[]>;
  outputs: Record<string, number[]>;
}

/** Seeded feeds: float inputs of the declared sizes, plus timesteps and mask for episodes. */
export function otherFeeds(
  facts: OtherFacts,
  opts: { rows: number; steps?: number; seed?: number; validSteps?: number },
): Feeds {
  const rng = new SeededFeeds(opts.seed ?? 1);
  const feeds: Feeds = {};
  const steps = opts.steps ?? 6;
  for (const [name, dims] of Object.entries(facts.inputs)) {
    const shape = facts.kind === 'decision' ? [opts.rows, steps, ...dims] : [opts.rows, ...dims];
    const size = shape.reduce((a, b) => a * b, 1);
    feeds[name] = tensor(
      'float32',
      Array.from({ length: size }, () => rng.float()),
      shape,
    );
  }
  if (facts.kind === 'decision') {
    const valid = opts.validSteps ?? steps;
    feeds.timesteps = tensor(
      'int64',
      Array.from({ length: opts.rows * steps }, (_, i) => i % steps),
      [opts.rows, steps],
    );
    feeds.attention_mask = tensor(
      'int64',
      Array.from({ length: opts.rows * steps }, (_, i) => (i % steps < valid ? 1 : 0)),
      [opts.rows, steps],
    );
  }
  return feeds;
}

export function expectedShapes(facts: OtherFacts, rows: number, steps = 6): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [name, dims] of Object.entries(facts.outputs))
    out[name] = facts.kind === 'decision' ? [rows, steps, ...dims] : [rows, ...dims];
  return out;
}

/**
 * Causality of a decision transformer: changing the last timestep's inputs leaves every earlier
 * timestep's predictions unchanged.
 */
export async function checkCausality(session: EngineSession, facts: OtherFacts) {
  const a = otherFeeds(facts, { rows: 1, seed: 4 });
  const b = otherFeeds(facts, { rows: 1, seed: 4 });
  for (const name of Object.keys(facts.inputs)) {
    const data = b[name]!.data as Float32Array;
    const per = data.length / 6;
    for (let i = data.length - per; i < data.length; i++) data[i] = data[i]! + 5;
  }
  const x = await session.run(a);
  const y = await session.run(b);
  let worst = 0;
  for (const [name, dims] of Object.entries(facts.outputs)) {
    const per = dims.reduce((p, q) => p * q, 1);
    const early = (t: Float32Array) => ({ type: 'float32' as const, dims: [5 * per], data: t.slice(0, 5 * per) });
    const d = maxAbsDiff(early(x[name]!.data as Float32Array), early(y[name]!.data as Float32Array));
    expectThat(
      d <= 1e-5,
      `${name} at earlier timesteps changed by ${d} when only the last timestep changed: the model sees the future`,
    );
    worst = Math.max(worst, d);
  }
  return { maxAbsDiff: worst };
}

/** AutoModel through transformers.js gives the same outputs as the raw session on the same feeds. */
export async function checkAutoModel(h: Harness, session: EngineSession, facts: OtherFacts) {
  const { tf, modelId, device } = await h.pipelineEnv();
  const model = await tf.AutoModel.from_pretrained(modelId, { device: device as 'cpu', dtype: 'fp32' });
  try {
    const feeds = otherFeeds(facts, { rows: 2, seed: 9 });
    const inputs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(feeds))
      inputs[k] = new tf.Tensor(v.type as 'float32', v.data as Float32Array, [...v.dims]);
    const out = (await model(inputs)) as Record<string, { dims: number[]; data: Float32Array }>;
    const raw = await session.run(feeds);
    let worst = 0;
    for (const name of Object.keys(facts.outputs)) {
      expectThat(out[name], `AutoModel returned no "${name}" (got ${Object.keys(out).join(', ')})`);
      const d = maxAbsDiff({ type: 'float32', dims: out[name].dims, data: out[name].data }, raw[name]!);
      expectThat(d <= 1e-5, `transformers.js and the raw session disagree on ${name} by ${d}`);
      worst = Math.max(worst, d);
    }
    return { maxAbsDiff: worst, model: model.constructor.name };
  } finally {
    await model.dispose();
  }
}
