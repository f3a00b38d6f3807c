import { describe, expect, it } from 'vitest';
import { parseKeepRegions, touchesBody } from './regions.ts';

describe('parseKeepRegions', () => {
  it('finds named regions with their exact bodies, CRLF and unicode included', () => {
    const text =
      'a\n  // hf-core:keep-start one\n\tx = 1;  \r\n  ü漢🙂\n  // hf-core:keep-end\nb\n// hf-core:keep-start two\n// hf-core:keep-end';
    const { regions, problems } = parseKeepRegions(text);
    expect(problems).toEqual([]);
    expect(regions.map((r) => [r.name, r.body, r.line])).toEqual([
      ['one', '\tx = 1;  \r\n  ü漢🙂\n', 2],
      ['two', '', 7],
    ]);
    expect(text.slice(regions[0].bodyStart, regions[0].bodyEnd)).toBe(regions[0].body);
    expect(touchesBody(regions, regions[0].bodyStart, regions[0].bodyStart)).toBe(true);
    expect(touchesBody(regions, regions[0].bodyEnd, regions[0].bodyEnd)).toBe(false);
  });

  it('reports unclosed, unopened, unnamed and duplicate markers with their lines', () => {
    const text = [
      '// hf-core:keep-start a',
      '// hf-core:keep-start b',
      '// hf-core:keep-end',
      '// hf-core:keep-end',
      '// hf-core:keep-start',
      '// hf-core:keep-start b',
      '// hf-core:keep-end',
      '// hf-core:keep-start c',
    ].join('\n');
    const lines = parseKeepRegions(text).problems.map((p) => [p.line, p.message.split(';')[0]]);
    expect(lines).toEqual([
      [2, 'keep region "a" (line 1) is not closed before the next keep-start'],
      [4, '`// hf-core:keep-end` without a matching keep-start'],
      [5, '`// hf-core:keep-start` needs a name, e.g. `// hf-core:keep-start extra-checks`'],
      [6, 'keep region "b" appears twice'],
      [8, 'keep region "c" is never closed'],
    ]);
  });
});
