/**
 * Reads the name -> class dict literals of transformers' auto files without running Python,
 * statement by statement, so later statements see earlier ones:
 *   CONFIG_MAPPING_NAMES = OrderedDict([("albert", "AlbertConfig"), ...])        (4.x, and 5.x auto_mappings.py)
 *   MODEL_MAPPING_NAMES = OrderedDict[str, str]([("funnel", ("FunnelModel", "FunnelBaseModel")), ...])
 *   CONFIG_MAPPING_NAMES.update({"mlcd": "MLCDVisionConfig", ...})              (5.x configuration_auto.py)
 *   CONFIG_MAPPING_NAMES = OrderedDict(**{"gpt-sw3": "GPT2Config"}, **CONFIG_MAPPING_NAMES)
 *   NAME = {"albert": "AlbertConfig", ...}
 *   MODEL_FOR_MULTIMODAL_LM_MAPPING_NAMES = OrderedDict([*list(MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES.items()), ...])
 * and JavaScript `const NAME = new Map([['albert', 'AlbertModel'], ...])` literals the same way.
 * Only string keys with string (or tuple-of-string) values are kept; comments are skipped.
 */

export type Token = { kind: 'str'; value: string } | { kind: 'punct'; value: string } | { kind: 'word'; value: string };

/** name -> (key -> values), in source order. */
export type Dicts = Map<string, Map<string, string[]>>;

/** Tokenizes from `start` to the bracket that closes the one at `start`. */
export function tokenizeBalanced(src: string, start: number): { tokens: Token[]; end: number } {
  const tokens: Token[] = [];
  let depth = 0;
  let i = start;
  while (i < src.length) {
    const ch = src[i];
    if (ch === '#' || src.startsWith('//', i)) {
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

/**
 * `("a", "B")` / `["a", "B"]` / `("a", ("B", "C"))` pairs, `"a": "B"` entries and `**NAME`
 * spreads (of dicts already read) out of a token stream, in order.
 */
function entries(tokens: Token[], known: Dicts): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    // `**NAME` in a dict, `*list(NAME.items())` in a list of pairs: the entries of a dict read before.
    if (t.value === '*') {
      const spread = tokens
        .slice(i + 1, i + 6)
        .find((x) => x.kind === 'word' && known.has(x.value.replace(/\.items$/, '')));
      if (spread) {
        for (const [k, v] of known.get(spread.value.replace(/\.items$/, ''))!) out.set(k, v);
        i = tokens.indexOf(spread, i);
      }
      continue;
    }
    if (t.kind !== 'str') continue;
    const sep = tokens[i + 1];
    const prev = tokens[i - 1];
    const isTupleKey = sep?.value === ',' && (prev?.value === '(' || prev?.value === '[');
    const isDictKey = sep?.value === ':';
    if (!isTupleKey && !isDictKey) continue;
    const values: string[] = [];
    let j = i + 2;
    const next = tokens[j];
    if (next?.kind === 'str') values.push(next.value);
    else if (next?.value === '(' || next?.value === '[') {
      for (j++; j < tokens.length && tokens[j].value !== ')' && tokens[j].value !== ']'; j++)
        if (tokens[j].kind === 'str') values.push(tokens[j].value);
    } else continue;
    out.set(t.value, values);
    i = j;
  }
  return out;
}

const ASSIGN =
  /^(?:(?:export\s+)?(?:const|let|var)\s+)?([A-Z][A-Z0-9_]*)\s*(?::[^=\n]*)?=\s*(?:\/\*[^*]*\*\/\s*)?(OrderedDict(?:\[[^\]\n]*\])?\s*\(|dict\s*\(|\{|new\s+Map\s*\()/gm;
const UPDATE = /^([A-Z][A-Z0-9_]*)\.update\s*\(/gm;

/**
 * Every dict literal assigned to (or `.update`d into) an upper-case name, evaluated in source
 * order on top of `known` (the dicts an imported module defined). Returns the dicts after the
 * last statement; `known` is not changed.
 */
export function readPythonDicts(source: string, known: Dicts = new Map()): Dicts {
  const dicts: Dicts = new Map([...known].map(([k, v]) => [k, new Map(v)]));
  const statements: { at: number; name: string; open: number; update: boolean }[] = [];
  for (const [re, update] of [
    [ASSIGN, false],
    [UPDATE, true],
  ] as const) {
    re.lastIndex = 0;
    for (let m = re.exec(source); m; m = re.exec(source))
      statements.push({ at: m.index, name: m[1], open: m.index + m[0].length - 1, update });
  }
  statements.sort((a, b) => a.at - b.at);
  let after = 0;
  for (const s of statements) {
    if (s.at < after) continue;
    try {
      const { tokens, end } = tokenizeBalanced(source, s.open);
      const read = entries(tokens, dicts);
      if (s.update) {
        const target = dicts.get(s.name) ?? new Map<string, string[]>();
        for (const [k, v] of read) target.set(k, v);
        dicts.set(s.name, target);
      } else dicts.set(s.name, read);
      after = end;
    } catch {
      // an unbalanced literal: keep what parsed so far; the caller reports missing tables
    }
  }
  return dicts;
}

/** Every `NAME = OrderedDict(...)` or `NAME = {...}` dict literal whose NAME ends in `_NAMES`. */
export function parseMappingDicts(source: string): Dicts {
  return new Map([...readPythonDicts(source)].filter(([name]) => name.endsWith('_NAMES')));
}
