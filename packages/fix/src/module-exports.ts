import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ts } from 'ts-morph';

/** `value` names can be called or read; `type` names exist only for the checker. */
export type ExportKind = 'value' | 'type';

const cache = new Map<string, ReadonlyMap<string, ExportKind>>();

function hasExportModifier(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function relativeTarget(fromFile: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(fromFile), specifier);
  const candidates = [
    base,
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.js$/, '.d.ts'),
    `${base}.ts`,
    `${base}.d.ts`,
    resolve(base, 'index.ts'),
  ];
  return candidates.find((c) => /\.[mc]?tsx?$/.test(c) && existsSync(c));
}

/** Names a module declares at top level (exported or not), with their kind. */
function localDeclarations(sf: ts.SourceFile): Map<string, ExportKind> {
  const out = new Map<string, ExportKind>();
  for (const st of sf.statements) {
    if (ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) out.set(st.name.text, 'type');
    else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isEnumDeclaration(st)) && st.name)
      out.set(st.name.text, 'value');
    else if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) out.set(d.name.text, 'value');
    }
  }
  return out;
}

function collect(file: string, seen: Set<string>): Map<string, ExportKind> {
  const out = new Map<string, ExportKind>();
  if (seen.has(file)) return out;
  seen.add(file);
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const locals = localDeclarations(sf);
  for (const st of sf.statements) {
    if (hasExportModifier(st) && !ts.isExportAssignment(st)) {
      const isDefault = (ts.getModifiers(st as ts.HasModifiers) ?? []).some(
        (m) => m.kind === ts.SyntaxKind.DefaultKeyword,
      );
      if (isDefault) continue;
      if (ts.isVariableStatement(st)) {
        for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) out.set(d.name.text, 'value');
      } else {
        const name = (st as ts.DeclarationStatement).name;
        if (name && ts.isIdentifier(name)) out.set(name.text, locals.get(name.text) ?? 'value');
      }
      continue;
    }
    if (!ts.isExportDeclaration(st)) continue;
    const specifier =
      st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier) ? st.moduleSpecifier.text : undefined;
    const target = specifier ? relativeTarget(file, specifier) : undefined;
    const from = target ? collect(target, seen) : locals;
    if (!st.exportClause) {
      for (const [name, kind] of from) out.set(name, kind);
    } else if (ts.isNamespaceExport(st.exportClause)) {
      out.set(st.exportClause.name.text, 'value');
    } else {
      for (const el of st.exportClause.elements) {
        const original = (el.propertyName ?? el.name).text;
        const typeOnly = st.isTypeOnly || el.isTypeOnly;
        out.set(el.name.text, typeOnly ? 'type' : (from.get(original) ?? 'value'));
      }
    }
  }
  return out;
}

/**
 * What a module exports, read from its source with the TypeScript parser: `export`ed
 * declarations, `export { a as b }` lists and `export *` re-exports of relative files. Read once
 * per process per file; no type checker needed.
 */
export function moduleExports(entryFile: string): ReadonlyMap<string, ExportKind> {
  let names = cache.get(entryFile);
  if (!names) {
    names = collect(entryFile, new Set());
    cache.set(entryFile, names);
  }
  return names;
}
