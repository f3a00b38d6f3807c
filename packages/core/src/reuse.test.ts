import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HfCore } from './core.ts';
import { FIX_STAGE } from './hooks.ts';
import { runModels } from './run.ts';
import { fixtureCpuBackend, isolationFamily, RESOLVE_FROM } from './test-fixtures/isolation.ts';

const out = mkdtempSync(join(tmpdir(), 'hf-core-reuse-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** A run of fx-good into `out`; says how many files the fix chain saw. */
async function runOnce(opts: { reuseModels?: boolean; seed?: number } = {}): Promise<number> {
  const core = new HfCore();
  await core.use(isolationFamily());
  await core.use(fixtureCpuBackend());
  let fixed = 0;
  core.hooks.fix.tapPromise({ name: 'test:count', stage: FIX_STAGE.FORMAT }, async (file) => {
    fixed += 1;
    return file;
  });
  const c = (await core.hooks.classify.promise({ ref: { kind: 'type', modelType: 'fx-good', ref: 'fx-good' } }))!;
  const summary = await runModels(core, [c], { outDir: out, backends: ['cpu'], resolveFrom: RESOLVE_FROM, ...opts });
  expect(summary.results.map((r) => r.status)).toEqual(['pass']);
  return fixed;
}

const modelTime = () => statSync(join(out, 'models', 'fx-good', 'onnx', 'model.onnx')).mtimeMs;
const testFile = join(out, 'tests', 'fx-good.test.ts');

describe('a second run into the same folder', () => {
  it('reuses the synthesized model and the fixed test while their inputs match; --fresh, a new seed or an edit redo them', async () => {
    expect(await runOnce()).toBe(1);
    const synthesized = modelTime();
    expect(await runOnce()).toBe(0);
    expect(modelTime()).toBe(synthesized);

    // A changed test file (an edit of its keep region, say) goes through the fix chain again.
    writeFileSync(testFile, `// edited\n${readFileSync(testFile, 'utf8')}`);
    expect(await runOnce()).toBe(1);
    expect(modelTime()).toBe(synthesized);

    // Another seed synthesizes anew (this fixture's test text does not depend on the seed).
    expect(await runOnce({ seed: 7 })).toBe(0);
    const reseeded = modelTime();
    expect(reseeded).not.toBe(synthesized);
    expect(await runOnce({ seed: 7, reuseModels: false })).toBe(1);
    expect(modelTime()).not.toBe(reseeded);
  }, 120_000);
});
