import { describe, expect, it } from 'vitest';
import { editOptions, insertArgument, moveExport } from './codemods.ts';
import { MIGRATIONS, migrationPath } from './migrations.ts';
import { migrateFile } from './passes/migrate.ts';
import { scratchFile } from './project.ts';
import { V0_TEST } from './test-fixtures.ts';

const run = (codemod: { apply: (f: ReturnType<typeof scratchFile>) => boolean }, text: string) => {
  const f = scratchFile(text);
  const changed = codemod.apply(f);
  return { changed, text: f.getFullText() };
};

describe('v0 -> v1 codemods', () => {
  const [rename, signature, options, move] = MIGRATIONS[0].codemods;

  it('renames openHarness to harness, in the import and at each call, and keeps an alias', () => {
    expect(run(rename, V0_TEST).text).toContain("import { harness, tensor } from '@hf-core/harness';\n");
    expect(run(rename, V0_TEST).text).toContain('const h = harness({');
    const aliased = run(rename, "import { openHarness as oh } from '@hf-core/harness';\noh({});\n");
    expect(aliased.text).toBe("import { harness as oh } from '@hf-core/harness';\noh({});\n");
    expect(run(rename, "import { harness } from '@hf-core/harness';\n").changed).toBe(false);
  });

  it('passes import.meta.url first to one-argument harness() calls, once', () => {
    const once = run(signature, "import { harness } from '@hf-core/harness';\nharness({ ref: 'x' });\n");
    expect(once.text).toContain("harness(import.meta.url, { ref: 'x' });");
    expect(run(signature, once.text).changed).toBe(false);
  });

  it('renames dir to modelDir and drops device, inline or through a const spec', () => {
    const inline = run(
      options,
      "import { harness } from '@hf-core/harness';\nharness(import.meta.url, { dir: 'm', device: 'cpu' });\n",
    );
    expect(inline.text).toContain("harness(import.meta.url, { modelDir: 'm' });");
    const viaConst = run(
      options,
      "import { harness } from '@hf-core/harness';\nconst spec = { device: 'cpu', dir };\nharness(import.meta.url, spec);\n",
    );
    expect(viaConst.text).toContain('const spec = { modelDir: dir };');
  });

  it('moves expectAllFinite from /checks to the harness root as assertFinite', () => {
    const moved = run(
      move,
      "import { tensor } from '@hf-core/harness';\nimport { expectAllFinite } from '@hf-core/harness/checks';\nexpectAllFinite(x);\n",
    );
    expect(moved.text).toBe("import { tensor, assertFinite } from '@hf-core/harness';\nassertFinite(x);\n");
    const alone = run(move, "import { expectAllFinite, other } from '@hf-core/harness/checks';\nexpectAllFinite(x);\n");
    expect(alone.text).toBe(
      "import { assertFinite } from '@hf-core/harness';\nimport { other } from '@hf-core/harness/checks';\nassertFinite(x);\n",
    );
  });

  it('leaves a file alone when it declares the old name itself', () => {
    const own =
      "import { openHarness } from '@hf-core/harness';\nfunction f(openHarness: number) { return openHarness; }\n";
    expect(
      run(
        moveExport({ name: 'openHarness', from: '@hf-core/harness', to: '@hf-core/harness', newName: 'harness' }),
        own,
      ).text,
    ).toBe("import { harness } from '@hf-core/harness';\nfunction f(openHarness: number) { return openHarness; }\n");
  });

  it('builds codemods that say what they do', () => {
    expect(insertArgument({ module: 'm', callee: 'f', oldArity: 1, index: 0, argument: 'x' }).description).toBe(
      '`f(…)` takes `x` as argument 1',
    );
    expect(editOptions({ module: 'm', callee: 'f', argIndex: 0, rename: { a: 'b' }, remove: ['c'] }).description).toBe(
      'f() options: `a` is now `b`, `c` is gone',
    );
  });
});

describe('migrateFile', () => {
  it('takes a v0 file to v1 and rewrites both header lines', () => {
    const f = scratchFile(V0_TEST);
    const result = migrateFile(f);
    expect(result?.from).toBe(0);
    const text = f.getFullText();
    expect(text).toContain('// hf-core:template-version 1\n');
    expect(text).toContain('(template encoder-only@0, version 1)');
    expect(text).toContain(
      "const h = harness(import.meta.url, { ref: 'bert', modelType: 'bert', family: 'encoder-only', modelDir: '../models/bert' });",
    );
    expect(text).toContain('assertFinite(out);');
    expect(text).not.toMatch(/openHarness|expectAllFinite|device|harness\/checks/);
  });

  it('has a step for every version up to the current one, and says which is missing', () => {
    expect(migrationPath(0, 1).map((m) => m.to)).toEqual([1]);
    expect(() => migrationPath(0, 2)).toThrow('no step from template version 1 to 2');
  });
});
