import { FIX_STAGE, type HfCorePlugin } from '@hf-core/core';
import { ts, type SourceFile } from 'ts-morph';
import { noteChange } from '../diagnostics.ts';
import { parseKeepRegions, touchesBody } from '../regions.ts';

export const PLUGIN_NAME = 'hf-core:fix:format';

/**
 * Fixed settings, so a file formats the same on every machine. Quotes and semicolons are not
 * the formatter's job (templates write them); indentation and spacing are.
 */
export const FORMAT_SETTINGS: ts.FormatCodeSettings = {
  indentSize: 2,
  tabSize: 2,
  convertTabsToSpaces: true,
  newLineCharacter: '\n',
  indentStyle: ts.IndentStyle.Smart,
  insertSpaceAfterCommaDelimiter: true,
  insertSpaceAfterSemicolonInForStatements: true,
  insertSpaceBeforeAndAfterBinaryOperators: true,
  insertSpaceAfterKeywordsInControlFlowStatements: true,
  insertSpaceAfterFunctionKeywordForAnonymousFunctions: true,
  insertSpaceAfterOpeningAndBeforeClosingNonemptyBraces: true,
  insertSpaceAfterOpeningAndBeforeClosingNonemptyBrackets: false,
  insertSpaceAfterOpeningAndBeforeClosingNonemptyParenthesis: false,
  insertSpaceAfterOpeningAndBeforeClosingTemplateStringBraces: false,
  insertSpaceAfterTypeAssertion: false,
  placeOpenBraceOnNewLineForFunctions: false,
  placeOpenBraceOnNewLineForControlBlocks: false,
  semicolons: ts.SemicolonPreference.Ignore,
  trimTrailingWhitespace: true,
};

/**
 * The formatter's edits for `file`, except those inside keep-region bodies (the user's bytes),
 * applied; plus a final newline. Formatting an already formatted file changes nothing.
 */
export function formatSourceFile(file: SourceFile): string {
  const text = file.getFullText();
  const regions = parseKeepRegions(text).regions;
  const edits = file
    .getProject()
    .getLanguageService()
    .compilerObject.getFormattingEditsForDocument(file.getFilePath(), FORMAT_SETTINGS)
    .filter((e) => !touchesBody(regions, e.span.start, e.span.start + e.span.length))
    .sort((a, b) => b.span.start - a.span.start);
  let out = text;
  for (const e of edits) out = out.slice(0, e.span.start) + e.newText + out.slice(e.span.start + e.span.length);
  if (out.length && !out.endsWith('\n')) out += '\n';
  return out;
}

/** Re-indents and re-spaces the file with the TypeScript formatter. */
export default function formatPlugin(): HfCorePlugin {
  return {
    name: PLUGIN_NAME,
    apply(core) {
      core.hooks.fix.tapPromise({ name: PLUGIN_NAME, stage: FIX_STAGE.FORMAT }, async (file, ctx) => {
        const before = file.getFullText();
        // A second round settles the rare edit that depends on another; then it is a fixpoint.
        for (let round = 0, text = before; round < 3; round++) {
          const next = formatSourceFile(file);
          if (next === text) break;
          file.replaceWithText(next);
          text = next;
        }
        noteChange(ctx, PLUGIN_NAME, before, file.getFullText());
        return file;
      });
    },
  };
}
