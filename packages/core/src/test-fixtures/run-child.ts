/**
 * A run in its own process, for the resume test to kill half-way:
 * `node --conditions=hf-core-source --import tsx run-child.ts <outDir> <type>...`.
 */
import { HfCore } from '../core.ts';
import { runModels } from '../run.ts';
import { fixtureCpuBackend, isolationFamily, RESOLVE_FROM } from './isolation.ts';

const [outDir, ...types] = process.argv.slice(2);
const core = new HfCore();
await core.use(isolationFamily());
await core.use(fixtureCpuBackend());
const classifications = [];
for (const t of types)
  classifications.push((await core.hooks.classify.promise({ ref: { kind: 'type', modelType: t, ref: t } }))!);
await runModels(core, classifications, {
  outDir: outDir!,
  backends: ['cpu'],
  timeoutMs: 60_000,
  resolveFrom: RESOLVE_FROM,
  // One at a time: the test kills the run between two rows.
  jobs: 1,
  resume: process.env.HF_CORE_FIXTURE_RESUME === '1',
});
