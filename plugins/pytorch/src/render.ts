import { generatedHeader, jsLiteral, type TemplateContext, type TemplateOutput } from '@hf-core/core';
import type { ReferenceSpec } from './suite.ts';

export const TEMPLATE_VERSION = 1;
export const TEMPLATE_NAME = `pytorch-reference@${TEMPLATE_VERSION}`;

/** The reference test of one model: every value is an escaped literal (model names come from strangers). */
export function renderReferenceTest(spec: ReferenceSpec, suiteModule: string): string {
  return `${generatedHeader({ template: TEMPLATE_NAME, version: TEMPLATE_VERSION, ref: spec.ref })}
import { afterAll, describe, it } from 'vitest';
import { referenceSuite } from ${jsLiteral(suiteModule)};

referenceSuite(import.meta.url, ${jsLiteral(spec)}, { afterAll, describe, it });
`;
}

/**
 * For ONNX backends, a type only the reference can build (no loaded family synthesizes it): one
 * check that skips with the reason, so the row says what to load instead of failing to generate.
 */
export function renderPlaceholderTest(ctx: TemplateContext): TemplateOutput {
  const c = ctx.classification;
  const reason = `no ONNX model of "${c.modelType}": no loaded family plugin synthesizes it (its reference runs on the pytorch backend; load the ${c.family ?? 'family'} plugin, or pass an exported folder with --model)`;
  const template = `pytorch-placeholder@${TEMPLATE_VERSION}`;
  const spec = { ref: c.ref, modelType: c.modelType, family: c.family, modelDir: ctx.modelDirFromTest };
  return {
    template,
    templateVersion: TEMPLATE_VERSION,
    source: `${generatedHeader({ template, version: TEMPLATE_VERSION, ref: c.ref })}
import { describe, it } from 'vitest';
import { harness, SkipCheck } from '@hf-core/harness';

const h = harness(import.meta.url, ${jsLiteral(spec)});

describe(h.title, () => {
  it('onnx-model', (ctx) =>
    h.check(ctx, 'onnx-model', 'session', async () => {
      throw new SkipCheck(${jsLiteral(reason)});
    }));
});
`,
  };
}
