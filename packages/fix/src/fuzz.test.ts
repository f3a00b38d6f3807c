import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { generatedHeader, renderTemplate } from '@hf-core/core';
import { ts } from 'ts-morph';
import { fixSource } from './fix-source.ts';
import { parseKeepRegions } from './regions.ts';
import { fixtureCore, fixtureProject } from './test-fixtures.ts';
import { pathInside } from './write.ts';

const fx = fixtureProject();
const core = await fixtureCore({ resolveFrom: fx.resolveFrom });

/** A small test template: values go in as `<%= %>` literals, comments through it.comment. */
const TEMPLATE = `<%~ it.header %>
import { describe, expect, it } from 'vitest';
import { harness } from '@hf-core/harness';

// model: <%~ it.comment(it.ref) %>
export const values = [<% for (const v of it.values) { %><%= v %>, <% } %>];
const h = harness(import.meta.url, { ref: <%= it.ref %>, modelType: <%= it.ref %>, family: null, modelDir: <%= it.ref %> });

describe(<%= it.ref %>, () => {
  it(<%= it.ref %>, () => {
    expect(values[0]).toBe(<%= it.values[0] %>);
    expect(h.spec.ref).toBe(<%= it.ref %>);
  });
  // hf-core:keep-start user
  // hf-core:keep-end
});
`;

const PIECES = [
  "'",
  '"',
  '`',
  '${',
  '${process.exit(1)}',
  '}',
  '<%',
  '%>',
  '<%= it.x %>',
  '<%~ it.header %>',
  '*/',
  '/*',
  '//',
  '\n',
  '\r\n',
  '\r',
  '\u2028',
  '\u2029',
  '\\',
  '\\u0000',
  '\0',
  '\t',
  '../',
  '..\\',
  '/etc/passwd',
  '</script>',
  '\n// hf-core:keep-start evil\n',
  '// hf-core:keep-end',
  '// hf-core:template-version 0',
  'ü漢字🙂',
  '\ud800',
  '\u00a0',
  '\ufeff',
];

/** Deterministic pseudo-random strings made of the pieces above (mulberry32). */
function hostileStrings(n: number, seed = 1234): string[] {
  let s = seed;
  const rand = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: n }, () =>
    Array.from({ length: 1 + Math.floor(rand() * 8) }, () => PIECES[Math.floor(rand() * PIECES.length)]).join(''),
  );
}

function valuesOf(text: string): unknown {
  const sf = ts.createSourceFile('x.ts', text, ts.ScriptTarget.ES2022, true);
  let init = '';
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && n.name.getText(sf) === 'values' && n.initializer)
      init = n.initializer.getText(sf);
    n.forEachChild(visit);
  };
  visit(sf);
  return new Function(`return ${init};`)();
}

describe('hostile strings rendered into a test', () => {
  const cases = [
    ...PIECES.map((p) => [p]),
    ...Array.from({ length: 40 }, (_, i) => hostileStrings(6, i + 1)),
    ['x'.repeat(200_000)],
  ];

  it('parse, type-check and round-trip their values through fix', async () => {
    const results = await Promise.all(
      cases.map(async (values, i) => {
        const ref = values.join('');
        const source = renderTemplate(TEMPLATE, {
          header: generatedHeader({ template: 'fuzz@1', version: 1, ref }),
          ref,
          values,
        });
        const out = await fixSource(core, source, { filePath: join(fx.outDir, `fuzz-${i}.test.ts`) });
        return { i, source, out };
      }),
    );
    for (const { i, source, out } of results) {
      expect([i, out.diagnostics]).toEqual([i, []]);
      expect(valuesOf(out.text)).toEqual(cases[i]);
      // Only the one real region; no value made a marker, a header or a second version line.
      expect(parseKeepRegions(out.text).regions.map((r) => r.name)).toEqual(['user']);
      expect(out.text.match(/^\/\/ hf-core:template-version \d+$/gm)).toEqual(['// hf-core:template-version 1']);
      expect(out.changedBy.filter((p) => p !== 'hf-core:fix:format')).toEqual([]);
      expect(source.split('\n').length).toBe(out.text.split('\n').length);
    }
  });

  it('never become a path outside the output folder', () => {
    for (const values of cases) {
      const name = `${values.join('')}.test.ts`;
      let target: string | undefined;
      try {
        target = pathInside(fx.outDir, name);
      } catch (err) {
        expect((err as Error).message).toMatch(/^Refusing to write/);
      }
      if (target) expect(target.startsWith(`${fx.outDir}/`)).toBe(true);
    }
  });
});
