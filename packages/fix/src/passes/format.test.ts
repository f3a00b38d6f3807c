import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fixSource } from '../fix-source.ts';
import { fixtureCore, fixtureProject, generatedTest } from '../test-fixtures.ts';

const fx = fixtureProject();
const core = await fixtureCore({ resolveFrom: fx.resolveFrom });
const filePath = join(fx.outDir, 'format.test.ts');

/**
 * Every indented line re-indented to a wrong depth, tabs mixed in, trailing spaces after code
 * (not after comments: there they are the comment's own text, which no formatter edits).
 */
function mangle(text: string): string {
  let i = 0;
  return text.replace(
    /^( +)(.*)$/gm,
    (_, _ws: string, rest: string) =>
      `${['\t', '     ', ' ', '\t  '][i++ % 4]}${rest}${i % 3 && !rest.startsWith('//') ? '   ' : ''}`,
  );
}

describe('format pass', () => {
  it('restores the indentation of a mangled file, and is idempotent', async () => {
    const clean = generatedTest('bert');
    const mangled = mangle(clean);
    expect(mangled).not.toBe(clean);
    const out = await fixSource(core, mangled, { filePath });
    expect(out.text).toBe(clean);
    expect(out.changedBy).toEqual(['hf-core:fix:format']);
    const again = await fixSource(core, out.text, { filePath });
    expect(again.text).toBe(out.text);
    expect(again.changedBy).toEqual([]);
  });

  it('leaves keep-region bodies exactly as the user wrote them', async () => {
    const body = "\t\t  it('mine',   async () => {\n\t\t\t\t});   \n";
    const out = await fixSource(
      core,
      mangle(generatedTest('bert')).replace(/^.*\/\/ hf-core:keep-end$/m, `${body}  // hf-core:keep-end`),
      { filePath },
    );
    expect(out.text).toBe(generatedTest('bert', body));
  });
});
