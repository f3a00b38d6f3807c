import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { generatedHeader } from '@hf-core/core';
import { fixSource } from '../fix-source.ts';
import { fixtureCore, fixtureProject } from '../test-fixtures.ts';

const fx = fixtureProject();
const core = await fixtureCore({ resolveFrom: fx.resolveFrom });
const filePath = join(fx.outDir, 'imports.test.ts');
const header = generatedHeader({ template: 't@1', version: 1, ref: 'm' });

describe('imports pass', () => {
  it('adds what the file uses, drops what it does not, and orders vitest, @hf-core, packages, relative', async () => {
    const source = `${header}
import { helper } from './helper.ts';
import { readFileSync, existsSync } from 'node:fs';
import { checkHiddenSize } from '@hf-core/plugin-encoder/checks';
import { expect, vi } from 'vitest';

const h = harness(import.meta.url, { ref: 'm', modelType: null, family: null, modelDir: '.' });
describe('m', () => {
  it('x', async () => {
    expectFinite(await (await h.session()).run({}));
    const spec: ModelSpec = h.spec;
    expect(existsSync(spec.modelDir) || helper).toBeTruthy();
    await checkHiddenSize(h, 1);
  });
});
`;
    const out = await fixSource(core, source, { filePath });
    // expectFinite exists only in this fixture harness: the name came from its source, not a list.
    expect(out.text.split('\n').filter((l) => l.startsWith('import'))).toEqual([
      "import { describe, expect, it } from 'vitest';",
      "import { expectFinite, harness, type ModelSpec } from '@hf-core/harness';",
      "import { checkHiddenSize } from '@hf-core/plugin-encoder/checks';",
      "import { existsSync } from 'node:fs';",
      "import { helper } from './helper.ts';",
    ]);
    expect(out.text.startsWith(`${header}\nimport {`)).toBe(true);
    expect(out.changedBy).toEqual(['hf-core:fix:imports']);
    // ./helper.ts does not exist: the checker says so, at the import's line.
    expect(out.diagnostics.map((d) => [d.line, d.message.slice(0, 32)])).toEqual([
      [8, "Cannot find module './helper.ts'"],
    ]);
  });

  it('puts the first import after the header of a file that has none', async () => {
    const out = await fixSource(core, `${header}\ndescribe('m', () => { it('x', () => { expect(1).toBe(1); }); });\n`, {
      filePath,
    });
    expect(out.text).toBe(
      `${header}\nimport { describe, expect, it } from 'vitest';\n\ndescribe('m', () => { it('x', () => { expect(1).toBe(1); }); });\n`,
    );
    expect(out.diagnostics).toEqual([]);
  });

  it('never touches imports inside a keep region, used or not', async () => {
    const source = `${header}\n// hf-core:keep-start imports\nimport { tensor } from '@hf-core/harness';\nimport { beforeAll } from 'vitest';\n// hf-core:keep-end\nimport { it } from 'vitest';\nit('x', () => {});\n`;
    const out = await fixSource(core, source, { filePath });
    expect(out.text).toBe(source);
    expect(out.changedBy).toEqual([]);
  });
});
