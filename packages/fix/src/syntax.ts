/** Syntax-only questions about identifiers, shared by the imports pass and the codemods. */
import { ts } from 'ts-morph';

/** Does this identifier name an import binding (`a` in `import { x as a }`, `import a`, `* as a`)? */
export function isImportName(n: ts.Identifier): boolean {
  const p = n.parent as ts.Node & { name?: ts.Node };
  return (
    p.name === n &&
    (ts.isImportSpecifier(p) || ts.isImportClause(p) || ts.isNamespaceImport(p) || ts.isImportEqualsDeclaration(p))
  );
}

/** Does this identifier declare a binding in some scope (imports included)? */
export function isDeclarationName(n: ts.Identifier): boolean {
  const p = n.parent as ts.Node & { name?: ts.Node };
  if (p.name !== n) return false;
  return (
    isImportName(n) ||
    ts.isVariableDeclaration(p) ||
    ts.isFunctionDeclaration(p) ||
    ts.isClassDeclaration(p) ||
    ts.isInterfaceDeclaration(p) ||
    ts.isTypeAliasDeclaration(p) ||
    ts.isEnumDeclaration(p) ||
    ts.isParameter(p) ||
    ts.isBindingElement(p) ||
    ts.isTypeParameterDeclaration(p) ||
    ts.isFunctionExpression(p) ||
    ts.isClassExpression(p) ||
    ts.isModuleDeclaration(p)
  );
}

/**
 * Does this identifier read a binding? Not a declaration, property or member name, label, or the
 * exported side of an export specifier.
 */
export function isReference(n: ts.Identifier): boolean {
  if (isDeclarationName(n)) return false;
  const p = n.parent as ts.Node & { name?: ts.Node; propertyName?: ts.Node };
  if ((ts.isPropertyAccessExpression(p) && p.name === n) || (ts.isQualifiedName(p) && p.right === n)) return false;
  if (
    (ts.isPropertyAssignment(p) ||
      ts.isMethodDeclaration(p) ||
      ts.isPropertyDeclaration(p) ||
      ts.isPropertySignature(p) ||
      ts.isMethodSignature(p) ||
      ts.isGetAccessor(p) ||
      ts.isSetAccessor(p) ||
      ts.isEnumMember(p) ||
      ts.isJsxAttribute(p)) &&
    p.name === n
  )
    return false;
  if (ts.isLabeledStatement(p) && p.label === n) return false;
  if (ts.isBindingElement(p) && p.propertyName === n) return false;
  if (ts.isExportSpecifier(p))
    return !p.parent.parent.moduleSpecifier && (p.propertyName === undefined || p.propertyName === n);
  if (ts.isImportSpecifier(p) || ts.isBreakOrContinueStatement(p)) return false;
  return true;
}
