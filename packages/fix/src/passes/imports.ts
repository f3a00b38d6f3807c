import { FIX_STAGE, type HfCorePlugin } from '@hf-core/core';
import { ts, type SourceFile } from 'ts-morph';
import { noteChange, setText } from '../diagnostics.ts';
import { moduleExports, type ExportKind } from '../module-exports.ts';
import type { TypeCheckProgram } from '../checker.ts';
import { insideRegion, parseKeepRegions } from '../regions.ts';
import { isDeclarationName, isReference } from '../syntax.ts';

export const PLUGIN_NAME = 'hf-core:fix:imports';

export const HARNESS_MODULE = '@hf-core/harness';

/** vitest's test API: the names a generated test may use without importing them first. */
export const VITEST_API = [
  'describe',
  'it',
  'test',
  'suite',
  'expect',
  'vi',
  'bench',
  'assert',
  'expectTypeOf',
  'assertType',
  'beforeAll',
  'afterAll',
  'beforeEach',
  'afterEach',
  'onTestFailed',
  'onTestFinished',
] as const;

/** Names the file declares anywhere, and names it refers to (declarations and imports aside). */
function scan(sf: ts.SourceFile): { declared: Set<string>; used: Set<string>; typeOnlyUse: Set<string> } {
  const declared = new Set<string>();
  const used = new Set<string>();
  const valueUse = new Set<string>();
  const visit = (n: ts.Node, inType: boolean): void => {
    if (ts.isImportDeclaration(n)) {
      const c = n.importClause;
      if (c?.name) declared.add(c.name.text);
      if (c?.namedBindings && ts.isNamespaceImport(c.namedBindings)) declared.add(c.namedBindings.name.text);
      if (c?.namedBindings && ts.isNamedImports(c.namedBindings))
        for (const el of c.namedBindings.elements) declared.add(el.name.text);
      return;
    }
    if (ts.isIdentifier(n)) {
      if (isDeclarationName(n)) declared.add(n.text);
      else if (isReference(n)) {
        used.add(n.text);
        if (!inType) valueUse.add(n.text);
      }
      return;
    }
    // `typeof x` inside a type still reads the value x.
    const childInType = ts.isTypeQueryNode(n)
      ? false
      : inType || (ts.isTypeNode(n) && !ts.isExpressionWithTypeArguments(n));
    n.forEachChild((c) => visit(c, childInType));
  };
  visit(sf, false);
  return { declared, used, typeOnlyUse: new Set([...used].filter((u) => !valueUse.has(u))) };
}

/** Import specifiers by name, `type` prefixes and case aside. */
function byName(a: string, b: string): number {
  const [x, y] = [a.replace(/^type /, '').toLowerCase(), b.replace(/^type /, '').toLowerCase()];
  return x < y ? -1 : x > y ? 1 : 0;
}

function rank(specifier: string): number {
  if (specifier === 'vitest' || specifier.startsWith('vitest/')) return 0;
  if (specifier.startsWith('@hf-core/')) return 1;
  if (specifier.startsWith('.')) return 3;
  return 2;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

function applyEdits(text: string, edits: Edit[]): string {
  for (const e of [...edits].sort((a, b) => b.start - a.start || b.end - a.end))
    text = text.slice(0, e.start) + e.text + text.slice(e.end);
  return text;
}

/** Where a new import goes when the file has none outside keep regions: after the header comments. */
function headerEnd(text: string): number {
  let at = 0;
  for (const m of text.matchAll(/^.*(?:\n|$)/gm)) {
    const line = m[0];
    if (!line || !/^(\/\/|#!)/.test(line) || /^\s*\/\/ ?hf-core:keep-(start|end)\b/.test(line)) break;
    at = m.index + line.length;
  }
  return at;
}

/** Drops unused named imports and adds the vitest and harness imports the file uses. */
function addAndDrop(file: SourceFile, harnessExports: ReadonlyMap<string, ExportKind>): string {
  const sf = file.compilerNode;
  const text = sf.text;
  const regions = parseKeepRegions(text).regions;
  const movable = sf.statements.filter(
    (s): s is ts.ImportDeclaration => ts.isImportDeclaration(s) && !insideRegion(regions, s.getStart(sf), s.end),
  );
  const { declared, used, typeOnlyUse } = scan(sf);
  const missing = new Map<string, string[]>();
  for (const name of [...used].sort()) {
    if (declared.has(name)) continue;
    const module = (VITEST_API as readonly string[]).includes(name)
      ? 'vitest'
      : harnessExports.has(name)
        ? HARNESS_MODULE
        : undefined;
    if (!module) continue;
    const typeOnly = harnessExports.get(name) === 'type' || (module === HARNESS_MODULE && typeOnlyUse.has(name));
    missing.set(module, [...(missing.get(module) ?? []), typeOnly ? `type ${name}` : name].sort(byName));
  }
  const namedOf = (d: ts.ImportDeclaration) => {
    const b = d.importClause?.namedBindings;
    return b && ts.isNamedImports(b) ? b : undefined;
  };
  const moduleOf = (d: ts.ImportDeclaration) => (d.moduleSpecifier as ts.StringLiteral).text;
  const edits: Edit[] = [];
  for (const [module, names] of missing) {
    if (movable.some((d) => moduleOf(d) === module && namedOf(d) && !d.importClause?.isTypeOnly)) continue;
    const at = movable.length ? movable[0].getStart(sf) : headerEnd(text);
    const gap = !movable.length && text.slice(at, at + 1) !== '\n' ? '\n' : '';
    edits.push({ start: at, end: at, text: `import { ${names.join(', ')} } from '${module}';\n${gap}` });
    missing.delete(module);
  }
  for (const decl of movable) {
    const clause = decl.importClause;
    const named = namedOf(decl);
    if (!clause || !named) continue;
    const extra = clause.isTypeOnly ? [] : (missing.get(moduleOf(decl)) ?? []);
    if (!clause.isTypeOnly) missing.delete(moduleOf(decl));
    const keep = named.elements.filter((el) => used.has(el.name.text)).map((el) => el.getText(sf));
    if (keep.length === named.elements.length && !extra.length) continue;
    const names = [...keep, ...extra].sort(byName);
    if (!names.length && !clause.name) {
      edits.push({ start: decl.getStart(sf), end: decl.end + (text[decl.end] === '\n' ? 1 : 0), text: '' });
    } else if (!names.length) {
      edits.push({ start: clause.name!.end, end: named.end, text: '' });
    } else {
      edits.push({ start: named.getStart(sf) + 1, end: named.end - 1, text: ` ${names.join(', ')} ` });
    }
  }
  return applyEdits(text, edits);
}

/** vitest first, then @hf-core/*, then other packages, then relative files; each group by name. */
function ordered(sf: ts.SourceFile): string {
  const text = sf.text;
  const regions = parseKeepRegions(text).regions;
  const slots = sf.statements.filter(
    (s): s is ts.ImportDeclaration => ts.isImportDeclaration(s) && !insideRegion(regions, s.getStart(sf), s.end),
  );
  const key = (d: ts.ImportDeclaration) => (d.moduleSpecifier as ts.StringLiteral).text;
  const sorted = [...slots].sort(
    (a, b) => rank(key(a)) - rank(key(b)) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0),
  );
  if (sorted.every((d, i) => d === slots[i])) return text;
  return applyEdits(
    text,
    slots.map((slot, i) => ({ start: slot.getStart(sf), end: slot.end, text: sorted[i].getText(sf) })),
  );
}

/**
 * Adds missing imports of vitest's test API and of the harness's exports (read from the
 * harness source the checker would use), drops unused named imports, and orders imports.
 * Imports inside keep regions are the user's: never moved, dropped or extended.
 */
export default function importsPlugin(checker: TypeCheckProgram): HfCorePlugin {
  let harnessExports: ReadonlyMap<string, ExportKind> | undefined;
  return {
    name: PLUGIN_NAME,
    apply(core) {
      core.hooks.fix.tapPromise({ name: PLUGIN_NAME, stage: FIX_STAGE.IMPORTS }, async (file, ctx) => {
        if (!harnessExports) {
          const entry = checker.mapped(HARNESS_MODULE);
          harnessExports = entry ? moduleExports(entry) : new Map();
        }
        const before = file.getFullText();
        const added = addAndDrop(file, harnessExports);
        if (added !== before) setText(file, added);
        const after = ordered(file.compilerNode);
        if (after !== file.getFullText()) setText(file, after);
        noteChange(ctx, PLUGIN_NAME, before, after);
        return file;
      });
    },
  };
}
