import { describe, expect, it } from 'vitest';
import { createCpuEngine } from '@hf-core/ort';
import type { EngineSession } from '@hf-core/core';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCausality, expectedShapes, otherFeeds } from './checks.ts';
import { buildDecisionTransformer } from './graphs.ts';
import { factsOf, synthesizeOther } from './synthesize.ts';

async function sessionOf(bytes: Uint8Array): Promise<EngineSession> {
  const dir = mkdtempSync(join(tmpdir(), 'hf-other-'));
  writeFileSync(join(dir, 'model.onnx'), bytes);
  return createCpuEngine().createSession(join(dir, 'model.onnx'));
}

describe('other family', () => {
  it.each(['patchtst', 'patchtsmixer', 'decision_transformer'])(
    '%s: synthesized graph gives the declared output shapes',
    async (type) => {
      const dir = mkdtempSync(join(tmpdir(), `hf-${type}-`));
      const prepared = await synthesizeOther(type, dir, { size: 'micro', seed: 3 });
      expect(prepared.files).toContain('config.json');
      const facts = factsOf(type, 'micro');
      const session = await createCpuEngine().createSession(join(dir, 'onnx/model.onnx'));
      const out = await session.run(otherFeeds(facts, { rows: 2 }));
      for (const [name, dims] of Object.entries(expectedShapes(facts, 2))) expect(out[name]!.dims).toEqual(dims);
    },
  );

  it('the causality check passes on a causal decision transformer and fails on one that sees the future', async () => {
    const facts = factsOf('decision_transformer', 'micro');
    const dims = { state: 5, action: 3, hidden: 16, heads: 2, layers: 1, maxEpLen: 32 };
    await expect(
      checkCausality(await sessionOf(buildDecisionTransformer(dims, 1).serialize().model), facts),
    ).resolves.toMatchObject({ maxAbsDiff: 0 });
    await expect(
      checkCausality(await sessionOf(buildDecisionTransformer(dims, 1, { causal: false }).serialize().model), facts),
    ).rejects.toThrow(/sees the future/);
  });
});
