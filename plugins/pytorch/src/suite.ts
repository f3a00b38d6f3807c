import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BackendEngine, Level } from '@hf-core/core';
import { CheckFailure, harness, measureOptions, SkipCheck } from '@hf-core/harness';
import { compareCase, readReferenceFile } from './reference-json.ts';
import { type ReferenceRequest, type ReferenceResult, TorchWorker } from './worker.ts';

/** The reference checks, in the order the worker runs them (hf_core_torch/reference.py). */
export const REFERENCE_CHECKS = [
  'output-shapes',
  'finite',
  'determinism',
  'batch-equivalence',
  'padding-invariance',
  'save-load',
  'generate-cache',
] as const;

/** What a generated reference test hands the suite (every value an escaped literal). */
export interface ReferenceSpec {
  ref: string;
  modelType: string;
  family: string | null;
  backend: string;
  /** The engine module of this backend, for a plain `vitest run` of the file. */
  engineModule: string;
  device: 'cpu' | 'cuda';
  seed: number;
  size: 'tiny' | 'micro';
  /** Where to export the model (onnx/model.onnx + reference.json); absent: no export. */
  exportDir?: string;
  /** Other loaded backends that run the export, each held to PyTorch's outputs. */
  parity: { backend: string; engineModule: string }[];
}

/** A broken twin of the worker (faults.py: crash, hang, alloc, ...), for hf-core's own tests only. */
export const FAULT_ENV = 'HF_CORE_TORCH_FAULT';

/** The vitest functions the suite registers with (passed in, so this module needs no vitest of its own). */
export interface SuiteApi {
  describe: (name: string, fn: () => void) => void;
  it: (name: string, fn: (ctx: { skip: (note?: string) => void }) => Promise<void>) => void;
  afterAll: (fn: () => Promise<void> | void) => void;
}

const LEVEL: Level = 'reference';

/** HF_CORE_MEASURE, read the harness's way, in the worker's terms. */
function measure(): ReferenceRequest['measure'] {
  const o = measureOptions();
  return { warmup: o.warmup, runs: o.minRuns, ms: o.minMs };
}

/**
 * Registers one model's reference test: the Python worker builds the tiny model and runs the
 * ModelTesterMixin-style checks, each recorded as its own check; then the export's parity on
 * every other backend. Metrics are the worker's (its process ran the model).
 */
export function referenceSuite(testFileUrl: string, spec: ReferenceSpec, t: SuiteApi): void {
  process.env.HF_CORE_BACKEND ??= spec.backend;
  process.env.HF_CORE_BACKEND_MODULE ??= spec.engineModule;
  let result: ReferenceResult | undefined;
  // Registered before the harness's own afterAll, so it runs after it (vitest runs after-hooks
  // in reverse): the worker's metrics are the row's, not the Node process's.
  t.afterAll(() => {
    for (const [name, value] of Object.entries(result?.metrics ?? {})) h.metric(name, value);
  });
  const h = harness(testFileUrl, { ref: spec.ref, modelType: spec.modelType, family: spec.family, modelDir: '.' });
  let running: Promise<ReferenceResult> | undefined;
  const run = () => {
    running ??= (async () => {
      const worker = new TorchWorker();
      try {
        result = await worker.reference({
          modelType: spec.modelType,
          seed: spec.seed,
          size: spec.size,
          device: spec.device,
          measure: measure(),
          export: spec.exportDir,
          ...(process.env[FAULT_ENV] ? { fault: process.env[FAULT_ENV] } : {}),
        });
        return result;
      } finally {
        worker.close();
      }
    })();
    return running;
  };

  t.describe(h.title, () => {
    t.it('build', async (ctx) => {
      // Outside the check: a worker that died is this process's crash, not a failed check.
      const r = await run();
      await h.check(ctx, 'build', LEVEL, async () => {
        if (r.status === 'skip') throw new SkipCheck(r.reason);
        if (r.status === 'error') {
          h.recorder.write({ t: 'error', phase: 'load', message: `${spec.modelType}: ${r.reason}` });
          throw new CheckFailure(r.reason);
        }
        return { modelClass: r.modelClass, task: r.task, ...(r.fellBackFrom ? { fellBackFrom: r.fellBackFrom } : {}) };
      });
    });
    for (const name of REFERENCE_CHECKS) {
      t.it(name, async (ctx) => {
        const r = await run();
        const c = r.checks.find((x) => x.name === name);
        if (!c) return ctx.skip(`not run: ${r.reason || r.status}`);
        await h.check(ctx, name, LEVEL, async () => {
          if (c.status === 'skip') throw new SkipCheck(c.message);
          if (c.status === 'fail') throw new CheckFailure(c.message, c.details);
          return c.details;
        });
      });
    }
    if (!spec.exportDir) return;
    const dir = spec.exportDir;
    t.it('onnx-export', async (ctx) => {
      const r = await run();
      if (!r.export) return ctx.skip(`no export: the reference did not build (${r.status})`);
      const e = r.export;
      await h.check(ctx, 'onnx-export', LEVEL, async () => {
        if (e.status !== 'pass') throw new CheckFailure(e.reason);
        return { dir, files: e.files, exportMs: e.exportMs };
      });
    });
    for (const p of spec.parity) {
      t.it(`onnx-parity:${p.backend}`, async (ctx) => {
        const r = await run();
        if (r.export?.status !== 'pass') return ctx.skip('no export to hold to PyTorch');
        await h.check(ctx, `onnx-parity:${p.backend}`, 'session', () => parityOn(p, dir));
      });
    }
  });
}

/** Runs each reference.json case on another backend's engine; a backend that cannot run here is a skip. */
async function parityOn(p: { backend: string; engineModule: string }, dir: string): Promise<Record<string, unknown>> {
  const mod = (await import(pathToFileURL(p.engineModule).href)) as { default: () => BackendEngine };
  const engine = mod.default();
  const d = await engine.detect();
  if (!d.available) throw new SkipCheck(`${p.backend} unavailable: ${d.reason}`);
  const reference = readReferenceFile(dir);
  const perCase: Record<string, unknown> = {};
  let worst = 0;
  for (const c of reference.cases) {
    const session = await engine.createSession(join(dir, c.file)).catch((err: Error) => {
      throw new CheckFailure(`${p.backend} could not load ${c.file}: ${err.message}`);
    });
    try {
      const got = await compareCase(session, c, reference.dtype);
      perCase[c.name] = got;
      worst = Math.max(worst, got.maxAbsDiff);
    } finally {
      await session.release();
    }
  }
  return { maxAbsDiff: worst, perCase };
}
