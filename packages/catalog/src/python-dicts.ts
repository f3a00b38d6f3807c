/**
 * Reads the name -> class dict literals of transformers' auto files without running Python:
 *   CONFIG_MAPPING_NAMES = OrderedDict([("albert", "AlbertConfig"), ...])
 *   MODEL_MAPPING_NAMES = OrderedDict[str, str]([("funnel", ("FunnelModel", "FunnelBaseModel")), ...])
 *   NAME = {"albert": "AlbertConfig", ...}
 * Only string keys with string (or tuple-of-string) values are kept; comments and f-strings
 * outside the literals are skipped.
 */

type Token = { kind: 'str'; value: string } | { kind: 'punct'; value: string } | { kind: 'word'; value: string };

/** Tokenizes from `start` to the bracket that closes the one at `start`. */
function tokenizeBalanced(src: string, start: number): { tokens: Token[]; end: number } {
  const tokens: Token[] = [];
  let depth = 0;
  let i = start;
  while (i < src.length) {
    const ch = src[i];
    if (ch === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const triple = src.startsWith(ch.repeat(3), i);
      const quote = triple ? ch.repeat(3) : ch;
      let j = i + quote.length;
      let value = '';
      while (j < src.length && !src.startsWith(quote, j)) {
        if (src[j] === '\\') {
          value += src[j + 1] ?? '';
          j += 2;
        } else value += src[j++];
      }
      tokens.push({ kind: 'str', value });
      i = j + quote.length;
      continue;
    }
    if ('([{'.includes(ch)) depth++;
    if (')]}'.includes(ch)) depth--;
    if (/[\w.]/.test(ch)) {
      let j = i;
      while (j < src.length && /[\w.]/.test(src[j])) j++;
      tokens.push({ kind: 'word', value: src.slice(i, j) });
      i = j;
      continue;
    }
    tokens.push({ kind: 'punct', value: ch });
    i++;
    if (depth === 0) return { tokens, end: i };
  }
  throw new Error('unbalanced brackets');
}

/** `("a", "B")` / `("a", ("B", "C"))` pairs and `"a": "B"` entries out of a token stream. */
function pairs(tokens: Token[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind !== 'str') continue;
    const sep = tokens[i + 1];
    const prev = tokens[i - 1];
    const isTupleKey = sep?.value === ',' && prev?.value === '(';
    const isDictKey = sep?.value === ':';
    if (!isTupleKey && !isDictKey) continue;
    const values: string[] = [];
    let j = i + 2;
    if (tokens[j]?.kind === 'str') values.push((tokens[j] as { value: string }).value);
    else if (tokens[j]?.value === '(') {
      for (j++; j < tokens.length && tokens[j].value !== ')'; j++)
        if (tokens[j].kind === 'str') values.push(tokens[j].value);
    } else continue;
    out.set(t.value, values);
    i = j;
  }
  return out;
}

/** Every `NAME = OrderedDict(...)` or `NAME = {...}` dict literal whose NAME ends in `_NAMES`. */
export function parseMappingDicts(source: string): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  const re = /^([A-Z][A-Z0-9_]*_NAMES)\s*(?::[^=\n]*)?=\s*(OrderedDict(?:\[[^\]]*\])?\s*\(|\{)/gm;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    const open = m.index + m[0].length - 1;
    try {
      const { tokens, end } = tokenizeBalanced(source, open);
      out.set(m[1], pairs(tokens));
      re.lastIndex = end;
    } catch {
      // an unbalanced literal: keep what parsed so far; the caller reports missing tables
    }
  }
  return out;
}
