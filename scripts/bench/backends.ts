/**
 * Benchmark: is hf-core's latency number the model's latency? For a few tiny synthesized
 * encoders and one larger one (hidden 512, 6 layers, seq 128), p50 forward latency through
 * hf-core's timing path (the cpu engine's createSession + the harness's timeRuns/latencyStats)
 * beside a plain onnxruntime-node loop over the same file, feeds, threads and options.
 * Prints both and their ratio; the goal is a ratio within 5% of 1. The two loops alternate in
 * rounds (and in which goes first) so machine noise falls on both alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildEncoderGraph, saveGraph } from '../../packages/onnx-builder/src/index.ts';
import { latencyStats, percentile, timeRuns } from '../../packages/harness/src/measure.ts';
import { createCpuEngine, DEFAULT_THREADS, loadOrtNode } from '../../packages/ort/src/index.ts';
import { synthesizeEncoder } from '../../plugins/encoder/src/index.ts';
import { encoderFeeds, type EncoderFacts } from '../../plugins/encoder/src/checks.ts';
import type { Feeds } from '../../packages/core/src/index.ts';

interface Case {
  name: string;
  file: string;
  facts: EncoderFacts;
  seq: number;
  /** Timed runs per round, per loop. */
  runs: number;
}

export interface BackendBenchRow {
  model: string;
  seq: number;
  hfCoreP50Ms: number;
  plainP50Ms: number;
  ratio: number;
  n: number;
  /** The ratio of each round alone: their spread shows how much of the gap is machine noise. */
  roundRatios: number[];
}

const ROUNDS = Number(process.env.HF_CORE_BENCH_ROUNDS ?? 5);

async function cases(dir: string): Promise<Case[]> {
  const out: Case[] = [];
  for (const type of ['bert', 'roberta', 'distilbert']) {
    const p = await synthesizeEncoder(type, join(dir, type), { size: 'tiny', seed: 42 });
    out.push({
      name: `${type} (tiny)`,
      file: join(p.dir, 'onnx/model.onnx'),
      facts: p.facts as unknown as EncoderFacts,
      seq: 16,
      runs: 400,
    });
  }
  const dims = { vocab: 1000, hidden: 512, layers: 6, heads: 8, inner: 2048, maxPos: 512 };
  const file = join(dir, 'bert-large', 'onnx', 'model.onnx');
  await saveGraph(buildEncoderGraph({ ...dims, tokenTypeIds: true }, 42), file);
  out.push({
    name: 'bert (hidden 512, 6 layers)',
    file,
    facts: { hidden: 512, vocabSize: 1000, padId: 0, head: 'mlm' } as unknown as EncoderFacts,
    seq: 128,
    runs: 15,
  });
  return out;
}

/** hf-core's path: the cpu engine's session and the harness's timing loop. */
async function hfCoreSamples(
  session: Awaited<ReturnType<ReturnType<typeof createCpuEngine>['createSession']>>,
  feeds: Feeds,
  runs: number,
): Promise<number[]> {
  return timeRuns(() => session.run(feeds), { warmup: 2, minRuns: runs, minMs: 0, maxRuns: runs });
}

/** What a user would write: one InferenceSession, tensors built once, run in a loop. */
async function plainSamples(
  session: { run(f: Record<string, unknown>): Promise<unknown> },
  tensors: Record<string, unknown>,
  runs: number,
): Promise<number[]> {
  for (let i = 0; i < 2; i++) await session.run(tensors);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await session.run(tensors);
    samples.push(performance.now() - t0);
  }
  return samples;
}

export default async function benchBackends(): Promise<{ rows: BackendBenchRow[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'hf-core-bench-backends-'));
  const ort = await loadOrtNode();
  const rows: BackendBenchRow[] = [];
  try {
    for (const c of await cases(dir)) {
      const hf = await createCpuEngine().createSession(c.file);
      const plain = await ort.InferenceSession.create(c.file, {
        executionProviders: ['cpu'],
        intraOpNumThreads: DEFAULT_THREADS,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
      });
      const feeds = encoderFeeds(hf, c.facts, { rows: 1, seq: c.seq, seed: 3 });
      const tensors = Object.fromEntries(
        Object.entries(feeds).map(([k, t]) => [
          k,
          new ort.Tensor(t.type as 'int64', t.data as BigInt64Array, [...t.dims]),
        ]),
      );
      const a: number[] = [];
      const b: number[] = [];
      const roundRatios: number[] = [];
      // Alternate which loop goes first, so neither always runs on a warmer (or busier) machine.
      for (let r = 0; r < ROUNDS; r++) {
        if (r % 2 === 0) {
          a.push(...(await hfCoreSamples(hf, feeds, c.runs)));
          b.push(...(await plainSamples(plain, tensors, c.runs)));
        } else {
          b.push(...(await plainSamples(plain, tensors, c.runs)));
          a.push(...(await hfCoreSamples(hf, feeds, c.runs)));
        }
        const last = (xs: number[]) => latencyStats(xs.slice(-c.runs)).p50;
        roundRatios.push(last(a) / last(b));
      }
      await hf.release();
      await plain.release();
      const hfP50 = latencyStats(a).p50;
      const plainP50 = percentile(
        [...b].sort((x, y) => x - y),
        50,
      );
      rows.push({
        model: c.name,
        seq: c.seq,
        hfCoreP50Ms: hfP50,
        plainP50Ms: Math.round(plainP50 * 1000) / 1000,
        ratio: Math.round((hfP50 / plainP50) * 1000) / 1000,
        n: a.length,
        roundRatios: roundRatios.map((r) => Math.round(r * 1000) / 1000),
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `backends: p50 forward latency on cpu (onnxruntime-node, ${DEFAULT_THREADS} thread), hf-core timing path vs a plain loop; goal: ratio within 0.95..1.05`,
  );
  const w = Math.max(...rows.map((r) => r.model.length));
  console.log(
    `  ${'model'.padEnd(w)}  seq  hf-core p50 ms  plain p50 ms  ratio  runs each  ratio per round (min..max)`,
  );
  for (const r of rows) {
    const ok = Math.abs(r.ratio - 1) <= 0.05 ? 'ok' : 'OUTSIDE 5%';
    console.log(
      `  ${r.model.padEnd(w)}  ${String(r.seq).padStart(3)}  ${r.hfCoreP50Ms.toFixed(3).padStart(14)}  ${r.plainP50Ms.toFixed(3).padStart(12)}  ${r.ratio.toFixed(3)}  ${String(r.n).padStart(9)}  ${Math.min(...r.roundRatios).toFixed(3)}..${Math.max(...r.roundRatios).toFixed(3)}  ${ok}`,
    );
  }
  return { rows };
}

if (import.meta.url === `file://${process.argv[1]}`) await benchBackends();
