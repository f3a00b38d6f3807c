/**
 * Test fixtures for isolation: a tiny family plugin whose models misbehave on purpose (abort,
 * hang, allocate past the memory cap, ship a corrupt model.onnx) beside ones that pass. Each
 * synthesizes a real one-node ONNX model and renders a test that uses the real harness.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GraphBuilder, saveGraph } from '@hf-core/onnx-builder';
import { defineFamilyPlugin, type SynthesizedModel } from '../family.ts';
import { defineBackendPlugin } from '../backend.ts';
import type { HfCorePlugin } from '../plugin.ts';

/** The behaviour each fixture model type stands for. */
export const FIXTURE_TYPES = [
  'fx-good',
  'fx-good-2',
  'fx-slow',
  'fx-abort',
  'fx-hang',
  'fx-oom',
  'fx-corrupt',
] as const;

/** Generated tests append `<ref>\n` here when set, so a test can count how often each ran. */
export const RUNLOG_ENV = 'HF_CORE_FIXTURE_RUNLOG';

// core cannot depend on the harness or the cpu plugin (they depend on core), so the fixtures
// point at their sources in this repository.
const repo = fileURLToPath(new URL('../../../../', import.meta.url));
export const HARNESS_ENTRY = join(repo, 'packages/harness/src/index.ts');
export const CPU_ENGINE = join(repo, 'plugins/cpu/src/engine.ts');
/** Generated tests resolve `vitest` from here (core depends on it). */
export const RESOLVE_FROM = fileURLToPath(new URL('../isolate.ts', import.meta.url));

async function synthesize(
  modelType: string,
  dir: string,
  size: 'tiny' | 'micro',
): Promise<SynthesizedModel<{ size: 'tiny' | 'micro' }>> {
  const file = join(dir, 'onnx', 'model.onnx');
  if (modelType === 'fx-corrupt') {
    mkdirSync(join(dir, 'onnx'), { recursive: true });
    writeFileSync(file, Buffer.from('this is not an ONNX protobuf, just bytes\n'.repeat(40)));
  } else {
    const g = new GraphBuilder({ name: `fixture-${modelType}` });
    const x = g.input('x', 'float32', [1, 4]);
    g.output(g.op('Add', [x, g.constFloat([1, 2, 3, 4], 'offset', [1, 4])]), 'y', 'float32', [1, 4]);
    await saveGraph(g, file);
  }
  writeFileSync(
    join(dir, 'config.json'),
    `${JSON.stringify({ model_type: modelType, hf_core: { synthesized: true, size } })}\n`,
  );
  return { dir, files: ['onnx/model.onnx', 'config.json'], synthesized: true, facts: { size } };
}

/** The misbehaviour each type adds after a check that loads and runs the model. */
function behaviour(modelType: string, size: unknown): string {
  if (modelType === 'fx-abort') return `it('aborts the process', () => { process.abort(); });`;
  if (modelType === 'fx-slow') return `it('takes 8 s, then passes', () => new Promise((r) => setTimeout(r, 8000)));`;
  if (modelType === 'fx-hang') return `it('never returns', () => new Promise(() => {}));`;
  if (modelType === 'fx-oom' && size === 'tiny') {
    // 20 MB every 10 ms up to 4 GB, then wait: without a working cap this becomes a timeout.
    return `it('allocates past the memory cap', async () => {
    const keep: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      keep.push(Buffer.alloc(20 * 1024 * 1024, 1));
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise(() => {});
  });`;
  }
  return '';
}

/** The fixture family: `fx-*` model types, claimed as encoder-only so core's plumbing applies. */
export function isolationFamily(): HfCorePlugin {
  return defineFamilyPlugin({
    name: 'hf-core:test-isolation',
    family: 'encoder-only',
    modelTypes: FIXTURE_TYPES,
    templateVersion: 1,
    synthesize: (modelType, dir, opts) => synthesize(modelType, dir, opts.size),
    render: ({ classification: c, prepared, modelDirFromTest }) => `import { appendFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { harness } from ${JSON.stringify(HARNESS_ENTRY)};

const h = harness(import.meta.url, { ref: ${JSON.stringify(c.ref)}, modelType: ${JSON.stringify(c.modelType)}, family: 'encoder-only', modelDir: ${JSON.stringify(modelDirFromTest)} });
if (process.env.${RUNLOG_ENV}) appendFileSync(process.env.${RUNLOG_ENV}, ${JSON.stringify(`${c.ref}\n`)});

describe(h.title, () => {
  it('loads and runs', (ctx) =>
    h.check(ctx, 'runs', 'session', async () => {
      const session = await h.session();
      const out = await session.run({ x: { type: 'float32', dims: [1, 4], data: new Float32Array([1, 1, 1, 1]) } });
      const y = Array.from(out.y!.data as Float32Array);
      if (y.join(',') !== '2,3,4,5') throw new Error('y = ' + y.join(','));
    }));
  ${behaviour(c.modelType ?? '', prepared.facts?.size)}
});
`,
  });
}

/** The real cpu engine under the name `cpu`, registered without importing the cpu plugin package. */
export function fixtureCpuBackend(): HfCorePlugin {
  return defineBackendPlugin({
    pluginName: 'hf-core:test-cpu',
    backend: 'cpu',
    engineModule: CPU_ENGINE,
    detect: async () => (await import(CPU_ENGINE)).default().detect(),
  });
}
