import type { FixContext, FixDiagnostic } from '@hf-core/core';

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
