import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fixSource } from '../fix-source.ts';
import { parseKeepRegions } from '../regions.ts';
import { fixtureCore, fixtureProject, generatedTest, V0_TEST } from '../test-fixtures.ts';

const fx = fixtureProject();
const core = await fixtureCore({ resolveFrom: fx.resolveFrom });
const filePath = join(fx.outDir, 'bert.test.ts');

/** User code with tabs, trailing spaces, a CRLF, a no-break space, unicode and a line separator in a string. */
const ODD_BODY =
  "\tit('mine: ü漢字🙂', async () => {   \r\n\t\texpect(h.title).toBe('bert');\u00a0\n      const s = '\\u2028 ${x} `' ;  // odd   spacing\n\t});\n";

describe('keep regions', () => {
  it('carry user code into the regenerated file byte for byte, and stay stable', async () => {
    const previous = generatedTest('bert', ODD_BODY);
    const first = await fixSource(core, generatedTest('bert'), { filePath, previous });
    expect(first.diagnostics).toEqual([]);
    const region = parseKeepRegions(first.text).regions.find((r) => r.name === 'extra-checks');
    expect(region?.body).toBe(ODD_BODY);
    expect(first.changedBy).toContain('hf-core:fix:keep-regions');
    // The body uses `expect`; the generated part of the file imports it.
    expect(first.text).toContain("import { describe, expect, it } from 'vitest';");
    const again = await fixSource(core, generatedTest('bert'), { filePath, previous: first.text });
    expect(again.text).toBe(first.text);
  });

  it('append a region the new template lacks at the end, inside its markers, without an error', async () => {
    const previous = `${generatedTest('bert')}// hf-core:keep-start helpers\nexport const helper = (x: number) =>   x * 2;\n// hf-core:keep-end\n`;
    const out = await fixSource(core, generatedTest('bert'), { filePath, previous });
    expect(out.diagnostics).toEqual([]);
    expect(out.text).toMatch(
      /\/\/ hf-core: region "helpers" was kept from the previous file.*\n\/\/ hf-core:keep-start helpers\nexport const helper = \(x: number\) => {3}x \* 2;\n\/\/ hf-core:keep-end\n$/,
    );
  });

  it('refuse to guess when the file on disk has broken markers', async () => {
    const previous = generatedTest('bert').replace('  // hf-core:keep-end\n', '');
    const out = await fixSource(core, generatedTest('bert'), { filePath, previous });
    expect(out.diagnostics).toEqual([
      expect.objectContaining({
        file: filePath,
        line: 19,
        pass: 'hf-core:fix:keep-regions',
        message: expect.stringMatching(/^in the file on disk: keep region "extra-checks" is never closed/),
      }),
    ]);
  });

  it('migrate the regions of a file written for an older template version', async () => {
    const previous = V0_TEST.replace(
      '  });\n});\n',
      "  });\n  // hf-core:keep-start extra-checks\n  it('mine', async () => { expectAllFinite(await (await h.session()).run({})); });\n  // hf-core:keep-end\n});\n",
    );
    const out = await fixSource(core, generatedTest('bert'), { filePath, previous });
    expect(out.diagnostics).toEqual([]);
    expect(parseKeepRegions(out.text).regions[0].body).toBe(
      "  it('mine', async () => { assertFinite(await (await h.session()).run({})); });\n",
    );
  });
});
