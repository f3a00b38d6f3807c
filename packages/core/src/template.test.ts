import { describe, expect, it } from 'vitest';
import { commentText, jsLiteral, readTemplateVersion, generatedHeader, renderTemplate } from './template.ts';

const hostile = [
  'a"b',
  "a'b",
  'a`b',
  '${process.exit(1)}',
  '*/ evil /*',
  'line\nbreak',
  'sep\u2028x\u2029y',
  '<%= it.x %>',
  '</script>',
  '../../etc/passwd',
  'ü漢字🙂',
];

describe('renderTemplate', () => {
  it('renders hostile values as inert literals that round-trip', () => {
    for (const v of hostile) {
      const src = renderTemplate('const x = <%= it.v %>;', { v });
      // eslint-disable-next-line no-new-func
      const got = new Function(`${src}; return x;`)();
      expect(got).toBe(v);
    }
  });
  it('keeps header comments on one line', () => {
    const header = generatedHeader({ template: 'encoder-only@1', version: 1, ref: 'x\n*/ y\u2028z' });
    expect(header.split('\n')).toHaveLength(3);
    expect(readTemplateVersion(header)).toBe(1);
    expect(commentText('a\nb')).toBe('a b');
    expect(jsLiteral(undefined)).toBe('undefined');
  });
});
