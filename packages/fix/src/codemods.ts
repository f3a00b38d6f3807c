/**
 * Building blocks for harness API migrations. Each works on the syntax tree alone (no type
 * checker, so a migration costs microseconds), changes nothing when its pattern is absent, and
 * says whether it changed the file.
 */
import { ts, type SourceFile } from 'ts-morph';
import { setText } from './diagnostics.ts';
import { isDeclarationName, isImportName, isReference } from './syntax.ts';

export interface Codemod {
  /** One line for the registry and for `--help`-style listings. */
  description: string;
  apply(file: SourceFile): boolean;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

function applyEdits(file: SourceFile, edits: Edit[]): boolean {
  if (!edits.length) return false;
  let text = file.getFullText();
  // Last edit first, so earlier offsets stay valid; at one offset, the removal before the insert.
  for (const e of [...edits].sort((a, b) => b.start - a.start || b.end - a.end))
    text = text.slice(0, e.start) + e.text + text.slice(e.end);
  setText(file, text);
  return true;
}

function walk(node: ts.Node, visit: (n: ts.Node) => void): void {
  visit(node);
  node.forEachChild((c) => walk(c, visit));
}

function importsFrom(sf: ts.SourceFile, module: string): ts.ImportDeclaration[] {
  return sf.statements.filter(
    (s): s is ts.ImportDeclaration =>
      ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier) && s.moduleSpecifier.text === module,
  );
}

function namedImports(decl: ts.ImportDeclaration): readonly ts.ImportSpecifier[] {
  const b = decl.importClause?.namedBindings;
  return b && ts.isNamedImports(b) ? b.elements : [];
}

/** The name a module's export goes by in this file (its alias, if imported under one). */
export function localName(sf: ts.SourceFile, module: string, exported: string): string | undefined {
  for (const decl of importsFrom(sf, module)) {
    for (const el of namedImports(decl)) if ((el.propertyName ?? el.name).text === exported) return el.name.text;
  }
  return undefined;
}

/** Edits renaming every reference to `from` as `to`; none when the file declares `from` itself. */
function renameReferences(sf: ts.SourceFile, from: string, to: string): Edit[] {
  const edits: Edit[] = [];
  let shadowed = false;
  walk(sf, (n) => {
    if (!ts.isIdentifier(n) || n.text !== from) return;
    if (isDeclarationName(n)) shadowed ||= !isImportName(n);
    else if (ts.isShorthandPropertyAssignment(n.parent))
      edits.push({ start: n.getStart(sf), end: n.end, text: `${from}: ${to}` });
    else if (isReference(n)) edits.push({ start: n.getStart(sf), end: n.end, text: to });
  });
  return shadowed ? [] : edits;
}

/**
 * An export renamed and/or moved to another module: `import { a } from 'm'` becomes
 * `import { b } from 'n'`, and unaliased uses of `a` become `b`.
 */
export function moveExport(o: { name: string; from: string; to: string; newName?: string }): Codemod {
  const newName = o.newName ?? o.name;
  return {
    description:
      o.from === o.to
        ? `\`${o.name}\` from '${o.from}' is now \`${newName}\``
        : `\`${o.name}\` moved from '${o.from}' to '${o.to}'${newName !== o.name ? ` as \`${newName}\`` : ''}`,
    apply(file) {
      const sf = file.compilerNode;
      const edits: Edit[] = [];
      let moved: { alias?: string; typeOnly: boolean } | undefined;
      for (const decl of importsFrom(sf, o.from)) {
        const els = namedImports(decl);
        const el = els.find((e) => (e.propertyName ?? e.name).text === o.name);
        if (!el) continue;
        const alias = el.propertyName ? el.name.text : undefined;
        moved = { alias, typeOnly: el.isTypeOnly || !!decl.importClause?.isTypeOnly };
        const spec = `${moved.typeOnly && !decl.importClause?.isTypeOnly ? 'type ' : ''}${newName}${alias ? ` as ${alias}` : ''}`;
        if (o.from === o.to) {
          edits.push({ start: el.getStart(sf), end: el.end, text: spec });
        } else if (els.length === 1 && !decl.importClause?.name) {
          edits.push({ start: decl.getStart(sf), end: decl.end + (sf.text[decl.end] === '\n' ? 1 : 0), text: '' });
        } else {
          const i = els.indexOf(el);
          const end = i < els.length - 1 ? els[i + 1].getStart(sf) : el.end;
          const start = i < els.length - 1 ? el.getStart(sf) : els[i - 1].end;
          edits.push({ start, end, text: '' });
        }
        if (o.from !== o.to) {
          const target = importsFrom(sf, o.to).find(
            (d) => d.importClause?.namedBindings && ts.isNamedImports(d.importClause.namedBindings),
          );
          const names = target ? namedImports(target) : [];
          if (target && names.length) {
            edits.push({ start: names[names.length - 1].end, end: names[names.length - 1].end, text: `, ${spec}` });
          } else {
            edits.push({
              start: decl.getStart(sf),
              end: decl.getStart(sf),
              text: `import { ${spec} } from '${o.to}';\n`,
            });
          }
        }
        break;
      }
      if (!moved) return false;
      if (!moved.alias && newName !== o.name) edits.push(...renameReferences(sf, o.name, newName));
      return applyEdits(file, edits);
    },
  };
}

/** Calls of `callee` (imported from `module`) that pass exactly `arity` arguments. */
function callsOf(sf: ts.SourceFile, module: string, callee: string, arity?: number): ts.CallExpression[] {
  const local = localName(sf, module, callee);
  if (!local) return [];
  const out: ts.CallExpression[] = [];
  walk(sf, (n) => {
    if (
      ts.isCallExpression(n) &&
      ts.isIdentifier(n.expression) &&
      n.expression.text === local &&
      (arity === undefined || n.arguments.length === arity)
    )
      out.push(n);
  });
  return out;
}

/** A changed signature: calls with the old arity get `argument` inserted at `index`. */
export function insertArgument(o: {
  module: string;
  callee: string;
  oldArity: number;
  index: number;
  argument: string;
}): Codemod {
  return {
    description: `\`${o.callee}(…)\` takes \`${o.argument}\` as argument ${o.index + 1}`,
    apply(file) {
      const sf = file.compilerNode;
      const edits = callsOf(sf, o.module, o.callee, o.oldArity).map((call): Edit => {
        const args = call.arguments;
        if (o.index < args.length)
          return { start: args[o.index].getStart(sf), end: args[o.index].getStart(sf), text: `${o.argument}, ` };
        const at = args.length ? args[args.length - 1].end : call.arguments.pos;
        return { start: at, end: at, text: `${args.length ? ', ' : ''}${o.argument}` };
      });
      return applyEdits(file, edits);
    },
  };
}

/** The object literal an argument is, or the `const` initializer it names in this file. */
function objectLiteralOf(sf: ts.SourceFile, arg: ts.Expression | undefined): ts.ObjectLiteralExpression | undefined {
  if (!arg) return undefined;
  while (ts.isParenthesizedExpression(arg) || ts.isSatisfiesExpression(arg) || ts.isAsExpression(arg))
    arg = arg.expression;
  if (ts.isObjectLiteralExpression(arg)) return arg;
  if (!ts.isIdentifier(arg)) return undefined;
  let found: ts.ObjectLiteralExpression | undefined;
  const name = arg.text;
  walk(sf, (n) => {
    if (!found && ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === name && n.initializer) {
      found = objectLiteralOf(sf, n.initializer);
    }
  });
  return found;
}

/**
 * Renamed or removed options of an options-object argument: in calls of `callee`, the object at
 * `argIndex` (written inline or as a `const` in the same file) gets keys renamed or dropped.
 */
export function editOptions(o: {
  module: string;
  callee: string;
  argIndex: number;
  rename?: Record<string, string>;
  remove?: string[];
}): Codemod {
  const parts = [
    ...Object.entries(o.rename ?? {}).map(([a, b]) => `\`${a}\` is now \`${b}\``),
    ...(o.remove ?? []).map((k) => `\`${k}\` is gone`),
  ];
  return {
    description: `${o.callee}() options: ${parts.join(', ')}`,
    apply(file) {
      const sf = file.compilerNode;
      const edits: Edit[] = [];
      const seen = new Set<ts.ObjectLiteralExpression>();
      for (const call of callsOf(sf, o.module, o.callee)) {
        const obj = objectLiteralOf(sf, call.arguments[o.argIndex]);
        if (!obj || seen.has(obj)) continue;
        seen.add(obj);
        const props = obj.properties;
        props.forEach((p, i) => {
          if (!p.name || !(ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) return;
          const key = p.name.text;
          if (o.remove?.includes(key)) {
            if (props.length === 1) edits.push({ start: obj.getStart(sf) + 1, end: obj.end - 1, text: '' });
            else if (i < props.length - 1)
              edits.push({ start: p.getStart(sf), end: props[i + 1].getStart(sf), text: '' });
            else edits.push({ start: props[i - 1].end, end: p.end, text: '' });
          } else if (o.rename && Object.hasOwn(o.rename, key)) {
            const to = o.rename[key];
            if (ts.isShorthandPropertyAssignment(p))
              edits.push({ start: p.name.getStart(sf), end: p.name.end, text: `${to}: ${key}` });
            else edits.push({ start: p.name.getStart(sf), end: p.name.end, text: to });
          }
        });
      }
      return applyEdits(file, edits);
    },
  };
}
