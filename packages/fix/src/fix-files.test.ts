import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HfCoreError } from '@hf-core/core';
import { fixFiles } from './fix-files.ts';
import { fixtureCore, fixtureProject, generatedTest, V0_TEST } from './test-fixtures.ts';
import { pathInside, writeFixedFile } from './write.ts';

const fx = fixtureProject();
const core = await fixtureCore({ resolveFrom: fx.resolveFrom });

/** Broken the ways generated tests get broken: hand edits, old templates, bad merges. */
const CORPUS: Record<string, string> = {
  'mangled.test.ts': generatedTest('mangled').replace(/^ +/gm, (ws) => '\t'.repeat(ws.length % 3)),
  'missing-imports.test.ts': generatedTest('missing')
    .replace("import { describe, it } from 'vitest';\n", '')
    .replace('assertFinite, harness, tensor', 'harness'),
  'unused-imports.test.ts': generatedTest('unused').replace(
    "import { describe, it } from 'vitest';",
    "import { describe, it, beforeAll, vi } from 'vitest';\nimport { join } from 'node:path';",
  ),
  'v0.test.ts': V0_TEST,
  'all-at-once.test.ts': V0_TEST.replace(
    "import { describe, it } from 'vitest';\n",
    "import { afterAll } from 'vitest';\n",
  ).replace(/^ +/gm, ' '),
};

describe('fixFiles', () => {
  it('fixes a corpus of broken tests into files that type-check; --check then finds nothing to do', async () => {
    const dir = join(fx.outDir, 'corpus');
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(CORPUS)) writeFileSync(join(dir, name), text);

    const checked = await fixFiles(core, ['corpus/*.test.ts'], { check: true, cwd: fx.outDir });
    expect(checked.map((r) => [r.file.split('/').pop(), r.changed, r.written])).toEqual(
      Object.keys(CORPUS)
        .sort()
        .map((n) => [n, true, false]),
    );
    for (const [name, text] of Object.entries(CORPUS)) expect(readFileSync(join(dir, name), 'utf8')).toBe(text);

    const fixed = await fixFiles(core, ['corpus/*.test.ts'], { cwd: fx.outDir });
    expect(fixed.filter((r) => r.diagnostics.length)).toEqual([]);
    expect(fixed.every((r) => r.written)).toBe(true);
    expect(
      Object.fromEntries(fixed.map((r) => [r.file.split('/').pop(), r.changedBy.map((p) => p.split(':').pop())])),
    ).toEqual({
      'all-at-once.test.ts': ['migrate', 'imports', 'format'],
      'mangled.test.ts': ['format'],
      'missing-imports.test.ts': ['imports'],
      'unused-imports.test.ts': ['imports'],
      'v0.test.ts': ['migrate'],
    });

    // A file, a glob and a folder naming the same files: each is fixed once.
    const again = await fixFiles(core, [join(dir, 'v0.test.ts'), 'corpus/*.test.ts', 'corpus'], {
      check: true,
      cwd: fx.outDir,
    });
    expect(again).toHaveLength(5);
    expect(again.every((r) => !r.changed && !r.diagnostics.length && !r.changedBy.length)).toBe(true);
  });

  it('does not write a file that still has errors', async () => {
    const file = join(fx.outDir, 'broken.test.ts');
    const text = generatedTest('broken').replace('assertFinite(out);', '  assertFinite(out, 2);');
    writeFileSync(file, text);
    const [r] = await fixFiles(core, [file]);
    expect(r).toMatchObject({ changed: true, written: false, changedBy: ['hf-core:fix:format'] });
    expect(r.diagnostics.map((d) => `${d.line}:${d.column}`)).toEqual(['15:25']); // in the fixed text (re-indented)
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('says which paths matched nothing', async () => {
    const err = await fixFiles(core, ['nothing/*.test.ts', 'missing.test.ts'], { cwd: fx.outDir }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HfCoreError);
    expect((err as HfCoreError).code).toBe('FIX_NO_FILES');
    expect((err as HfCoreError).exitCode).toBe(2);
    expect((err as Error).message).toBe(
      `No files matched "nothing/*.test.ts", "missing.test.ts" (looked in ${fx.outDir}).`,
    );
  });
});

describe('writeFixedFile', () => {
  const ok = { text: 'export {};\n', diagnostics: [] };

  it('writes inside the output folder, subfolders included', async () => {
    const target = await writeFixedFile(fx.outDir, 'sub/dir/a.test.ts', ok);
    expect(target).toBe(join(fx.outDir, 'sub/dir/a.test.ts'));
    expect(readFileSync(target, 'utf8')).toBe(ok.text);
  });

  it.each([
    '../escape.test.ts',
    'a/../../escape.test.ts',
    '/etc/passwd',
    'a\\..\\b.ts',
    '',
    'a\0b.ts',
    './a.ts',
    'a//b.ts',
    '..',
  ])('refuses the name %j', async (name) => {
    await expect(writeFixedFile(fx.outDir, name, ok)).rejects.toMatchObject({ code: 'FIX_UNSAFE_PATH' });
    expect(() => pathInside(fx.outDir, name)).toThrow(/^Refusing to write/);
  });

  it('refuses a folder that is a link to somewhere else', async () => {
    const link = join(fx.outDir, 'link');
    symlinkSync(fx.root, link);
    await expect(writeFixedFile(fx.outDir, 'link/x.test.ts', ok)).rejects.toThrow(/is a link to .* outside/);
  });

  it('refuses a file with diagnostics, naming file, line and diagnostic', async () => {
    const file = join(fx.outDir, 'x.test.ts');
    const diagnostics = [
      { file, line: 3, column: 7, message: "Cannot find name 'foo'. (TS2304)", pass: 'hf-core:fix:typecheck' },
    ];
    await expect(writeFixedFile(fx.outDir, 'x.test.ts', { text: '', diagnostics })).rejects.toThrow(
      `Not writing ${file}: 1 problem left after fix:\n  ${file}:3:7 Cannot find name 'foo'. (TS2304) [hf-core:fix:typecheck]`,
    );
  });
});
