import { FIX_STAGE, type FixContext, type HfCorePlugin } from '@hf-core/core';
import { ts, type SourceFile } from 'ts-morph';
import { report } from '../diagnostics.ts';
import type { FixProject } from '../project.ts';

export const PLUGIN_NAME = 'hf-core:fix:typecheck';

interface Pending {
  file: SourceFile;
  ctx: FixContext;
  done: () => void;
  fail: (err: unknown) => void;
}

function moduleSpecifiers(sf: ts.SourceFile): string[] {
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      out.push(n.moduleSpecifier.text);
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) {
      out.push(n.argument.literal.text);
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteral(n.arguments[0])) {
      out.push(n.arguments[0].text);
    }
    n.forEachChild(visit);
  };
  visit(sf);
  return out;
}

function hintFor(d: ts.Diagnostic, sf: ts.SourceFile): string {
  if (d.code !== 2307 || d.start === undefined) return '';
  const specifier = sf.text.slice(d.start + 1, d.start + (d.length ?? 2) - 1);
  if (specifier === 'vitest' || specifier.startsWith('@hf-core/')) {
    return `; install ${specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/')} where hf-core runs (or where \`fix\` looks: its resolveFrom folders)`;
  }
  return '';
}

/**
 * Files reaching type-check in the same turn of the event loop are checked with one program:
 * building a program costs ~100 ms however many small files it holds, so checking a catalog
 * file by file would cost 420 programs instead of one.
 */
class Batch {
  private pending: Pending[] = [];
  private scheduled = false;
  constructor(private readonly fp: FixProject) {}

  check(file: SourceFile, ctx: FixContext): Promise<void> {
    return new Promise((done, fail) => {
      this.pending.push({ file, ctx, done, fail });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    const copies: SourceFile[] = [];
    try {
      const files = batch.map(({ file, ctx }) => {
        if (file.getProject() === this.fp.project) return file;
        // A file from another project (a plugin's own): check a copy in the shared one.
        const copy = this.fp.project.createSourceFile(ctx.filePath, file.getFullText(), { overwrite: true });
        copies.push(copy);
        return copy;
      });
      this.fp.mapSpecifiers(files.flatMap((f) => moduleSpecifiers(f.compilerNode)));
      // vitest loads every test file as ESM, whatever package.json its folder has (usually
      // none), so the checker must too: `import.meta.url` is how a test finds its model. The
      // host sets this format when it creates a file; ts-morph leaves it unset (read as CJS).
      for (const f of files) f.compilerNode.impliedNodeFormat = ts.ModuleKind.ESNext;
      const program = this.fp.project.getProgram().compilerObject;
      this.fp.programBuilds++;
      const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
      batch.forEach(({ ctx }, i) => {
        const sf = program.getSourceFile(files[i].getFilePath());
        if (!sf) throw new Error(`${ctx.filePath} is missing from the type-check program`);
        const diagnostics = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf), ...global];
        for (const d of diagnostics) {
          if (d.category !== ts.DiagnosticCategory.Error) continue;
          const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : { line: 0, character: 0 };
          const message = `${ts.flattenDiagnosticMessageText(d.messageText, '\n')} (TS${d.code})${hintFor(d, sf)}`;
          report(ctx, PLUGIN_NAME, at.line + 1, at.character + 1, message);
        }
      });
      batch.forEach((p) => p.done());
    } catch (err) {
      batch.forEach((p) => p.fail(err));
    } finally {
      for (const c of copies) this.fp.project.removeSourceFile(c);
    }
  }
}

/** Type-checks the file against vitest's and the harness's types; errors keep it from disk. */
export default function typecheckPlugin(fp: FixProject): HfCorePlugin {
  const batch = new Batch(fp);
  return {
    name: PLUGIN_NAME,
    apply(core) {
      core.hooks.fix.tapPromise({ name: PLUGIN_NAME, stage: FIX_STAGE.TYPECHECK }, async (file, ctx) => {
        await batch.check(file, ctx);
        return file;
      });
    },
  };
}
