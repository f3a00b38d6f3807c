import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  type BackendDefinition,
  defineBackendPlugin,
  FALLBACK_SIZE,
  type HfCore,
  type PluginFactory,
  PREPARE_STAGE,
  RUN_STAGE,
  type RunJob,
  safeName,
  siblingModule,
  TEMPLATE_STAGE,
} from '@hf-core/core';
import { DETECTION_ENV, detectTorch, type TorchDevice } from './engine.ts';
import { exportTorchModel } from './export.ts';
import { renderPlaceholderTest, renderReferenceTest } from './render.ts';
import { setupTorch } from './setup.ts';
import type { ReferenceSpec } from './suite.ts';

export const PLUGIN_NAME = 'hf-core:pytorch';

const BACKENDS: { backend: string; device: TorchDevice; engine: string }[] = [
  { backend: 'pytorch', device: 'cpu', engine: 'engine' },
  { backend: 'pytorch-cuda', device: 'cuda', engine: 'engine-cuda' },
];
const OURS = new Set(BACKENDS.map((b) => b.backend));

/**
 * The job's own reference test, beside the family's test: tests/<name>.<backend>.test.ts. With
 * other backends loaded, the model is exported too and each of them runs the export.
 */
function referenceJob(core: HfCore, job: RunJob, b: (typeof BACKENDS)[number], detection: unknown): RunJob {
  const c = job.classification;
  const testsDir = dirname(job.testFile);
  const outDir = dirname(testsDir);
  const parity = [...core.backends.values()]
    .filter((r) => !OURS.has(r.name))
    .map((r) => ({ backend: r.name, engineModule: r.engineModule }));
  const spec: ReferenceSpec = {
    ref: c.ref,
    modelType: c.modelType ?? '',
    family: c.family,
    backend: b.backend,
    engineModule: siblingModule(import.meta.url, b.engine),
    device: b.device,
    seed: 0,
    size: c.ref.endsWith(`.${FALLBACK_SIZE}`) ? FALLBACK_SIZE : 'tiny',
    ...(parity.length ? { exportDir: join(outDir, 'exports', safeName(c.ref)) } : {}),
    parity,
  };
  const testFile = join(testsDir, `${basename(job.testFile, '.test.ts')}.${b.backend}.test.ts`);
  writeFileSync(testFile, renderReferenceTest(spec, siblingModule(import.meta.url, 'suite')));
  return { ...job, testFile, env: { ...job.env, [DETECTION_ENV]: JSON.stringify(detection) } };
}

/**
 * pytorch and pytorch-cuda: PyTorch transformers, the reference implementation, in a Python
 * worker inside each model's isolated test process. Every catalog type transformers can build
 * runs from a tiny config; its ONNX export is held to it on the other loaded backends.
 */
const pytorchPlugin: PluginFactory = () => ({
  name: PLUGIN_NAME,
  apply(core) {
    for (const b of BACKENDS) {
      let detection: ReturnType<typeof detectTorch> | undefined;
      const detect = () => (detection ??= detectTorch(b.device));
      const def: BackendDefinition = {
        pluginName: PLUGIN_NAME,
        backend: b.backend,
        engineModule: siblingModule(import.meta.url, b.engine),
        detect,
        env: { HF_CORE_TORCH_THREADS: process.env.HF_CORE_TORCH_THREADS ?? '1' },
        setup: (opts) => setupTorch(opts),
        exportModel: (opts) => exportTorchModel(opts),
      };
      defineBackendPlugin(def).apply(core);
      // Right after the engine is set (RUN_STAGE.CONFIGURE): the family's ONNX test is swapped
      // for the reference test of the same model.
      core.hooks.run
        .for(b.backend)
        .tapPromise({ name: PLUGIN_NAME, stage: RUN_STAGE.CONFIGURE + 1 }, async (job) =>
          job.skip ? job : referenceJob(core, job, b, await detect()),
        );
    }
    // A catalog type no loaded family synthesizes still has a reference: an empty model folder
    // (the worker builds the model) and, for the ONNX backends, a test that says why it skips.
    core.hooks.prepare.tapPromise({ name: PLUGIN_NAME, stage: PREPARE_STAGE.SYNTHESIZE + 1 }, async (ctx) => {
      const c = ctx.classification;
      if (c.modelDir || !c.modelType) return undefined;
      mkdirSync(ctx.targetDir, { recursive: true });
      return { dir: ctx.targetDir, files: [], synthesized: false, facts: { referenceOnly: true } };
    });
    core.hooks.template.tapPromise({ name: PLUGIN_NAME, stage: TEMPLATE_STAGE.RENDER + 1 }, async (out, ctx) => {
      if (out.source || !(ctx.prepared.facts && 'referenceOnly' in ctx.prepared.facts)) return out;
      return renderPlaceholderTest(ctx);
    });
  },
});

export default pytorchPlugin;
export { detectTorch, DETECTION_ENV } from './engine.ts';
export { choosePython, defaultVenvDir, PIP_PACKAGES, probePython, TRANSFORMERS_VERSION, whyNot } from './python.ts';
export { compareCase, PARITY_TOLERANCE, readReferenceFile, type ReferenceFile } from './reference-json.ts';
export { REFERENCE_CHECKS, type ReferenceSpec } from './suite.ts';
export { TorchWorker, type ReferenceRequest, type ReferenceResult } from './worker.ts';
