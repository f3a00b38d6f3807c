import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixSource } from '../fix-source.ts';
import { typeCheckProgram } from '../checker.ts';
import { fixtureCore, fixtureProject, generatedTest } from '../test-fixtures.ts';

const fx = fixtureProject();
const core = await fixtureCore({ resolveFrom: fx.resolveFrom });

describe('typecheck pass', () => {
  it('accepts a generated test that uses vitest, the harness and a family checks module', async () => {
    const out = await fixSource(core, generatedTest('bert'), { filePath: join(fx.outDir, 'ok.test.ts') });
    expect(out.diagnostics).toEqual([]);
  });

  it('reports each type error with file, line, column and the compiler message', async () => {
    const filePath = join(fx.outDir, 'bad.test.ts');
    const source = generatedTest('bert').replace(
      'assertFinite(out);',
      'assertFinite(out);\n      h.nope();\n      assertFinite(42);',
    );
    const out = await fixSource(core, source, { filePath });
    expect(out.diagnostics).toEqual([
      {
        file: filePath,
        line: 16,
        column: 9,
        message: "Property 'nope' does not exist on type 'Harness'. (TS2339)",
        pass: 'hf-core:fix:typecheck',
      },
      {
        file: filePath,
        line: 17,
        column: 20,
        message: "Argument of type 'number' is not assignable to parameter of type 'Outputs'. (TS2345)",
        pass: 'hf-core:fix:typecheck',
      },
    ]);
  });

  it('says where to install a family checks module that cannot be found', async () => {
    const source = generatedTest('bert').replaceAll('@hf-core/plugin-encoder/checks', '@hf-core/plugin-nope/checks');
    const out = await fixSource(core, source, { filePath: join(fx.outDir, 'nope.test.ts') });
    expect(out.diagnostics).toHaveLength(1);
    expect(out.diagnostics[0]).toMatchObject({ line: 6, column: 33 });
    expect(out.diagnostics[0].message).toMatch(
      /^Cannot find module '@hf-core\/plugin-nope\/checks'.*\(TS2307\); install @hf-core\/plugin-nope where hf-core runs/,
    );
  });

  it('treats a test in a folder without package.json as ESM, as vitest does (import.meta.url)', async () => {
    const bare = join(mkdtempSync(join(tmpdir(), 'hf-core-fix-bare-')), 'tests');
    mkdirSync(bare);
    const out = await fixSource(core, generatedTest('bert'), { filePath: join(bare, 'bert.test.ts') });
    expect(out.diagnostics).toEqual([]);
  });

  it('checks files fixed together in one batch, each against its own text', async () => {
    const builds = typeCheckProgram(fx.resolveFrom).programBuilds;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        fixSource(
          core,
          generatedTest(`m${i}`).replace(
            'assertFinite(out);',
            i === 7 ? 'assertFinite(out, 1);' : 'assertFinite(out);',
          ),
          {
            filePath: join(fx.outDir, `m${i}.test.ts`),
          },
        ),
      ),
    );
    expect(
      results.map((r, i) => [i, r.diagnostics.map((d) => d.message)] as const).filter(([, d]) => d.length),
    ).toEqual([[7, ['Expected 1 arguments, but got 2. (TS2554)']]]);
    // One program for all 40 (a program costs ~100 ms however few files it checks).
    expect(typeCheckProgram(fx.resolveFrom).programBuilds).toBe(builds + 1);
  });
});
