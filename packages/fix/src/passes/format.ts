import { FIX_STAGE, type HfCorePlugin } from '@hf-core/core';
import { ts } from 'ts-morph';
import { noteChange, setText } from '../diagnostics.ts';
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
  insertSpaceAfterOpeningAndBeforeClosingEmptyBraces: false,
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
 * A language service that only formats: one in-memory file whose version goes up on every
 * call. (The ts-morph project's own service can hand back a stale syntax tree for a path that
 * was removed and added again, since the new file restarts at the same version.)
 */
const formatter = (() => {
  const name = '/hf-core-format.ts';
  let text = '';
  let version = 0;
  const service = ts.createLanguageService({
    getCompilationSettings: () => ({}),
    getScriptFileNames: () => [name],
    getScriptVersion: () => String(version),
    getScriptSnapshot: (f) => (f === name ? ts.ScriptSnapshot.fromString(text) : undefined),
    getCurrentDirectory: () => '/',
    getDefaultLibFileName: () => '/lib.d.ts',
    fileExists: (f) => f === name,
    readFile: (f) => (f === name ? text : undefined),
  });
  return (source: string): readonly ts.TextChange[] => {
    text = source;
    version++;
    return service.getFormattingEditsForDocument(name, FORMAT_SETTINGS);
  };
})();

/**
 * `text` with the formatter's edits applied, except those inside keep-region bodies (the
 * user's bytes), and with a final newline. Formatting formatted text changes nothing.
 */
export function formatText(text: string): string {
  const regions = parseKeepRegions(text).regions;
  const edits = formatter(text)
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
        let text = before;
        for (let round = 0; round < 3; round++) {
          const next = formatText(text);
          if (next === text) break;
          text = next;
        }
        setText(file, text);
        noteChange(ctx, PLUGIN_NAME, before, text);
        return file;
      });
    },
  };
}
