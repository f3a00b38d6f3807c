import type { FixContext, FixDiagnostic } from '@hf-core/core';
import type { SourceFile } from 'ts-morph';

/** Records a problem against the file being fixed; a file with any problem is not written. */
export function report(ctx: FixContext, pass: string, line: number, column: number, message: string): void {
  ctx.diagnostics.push({ file: ctx.filePath, line, column, message, pass });
}

/** Marks the file as changed by `pass` when `before` and `after` differ. */
export function noteChange(ctx: FixContext, pass: string, before: string, after: string): void {
  if (before !== after && !ctx.changedBy.includes(pass)) ctx.changedBy.push(pass);
}

/** `file:line:column message [pass]`, the form editors and terminals link to. */
export function formatDiagnostic(d: FixDiagnostic): string {
  return `${d.file}:${d.line}:${d.column} ${d.message} [${d.pass}]`;
}

/** 1-based line of an offset in `text`. */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * Replaces a file's text exactly. ts-morph's `replaceWithText` rewrites line endings, which
 * would change the CRLFs of a user's keep region; re-creating the file in place does not (the
 * same SourceFile object comes back).
 */
export function setText(file: SourceFile, text: string): void {
  if (file.getFullText() !== text) file.getProject().createSourceFile(file.getFilePath(), text, { overwrite: true });
}
