import { FIX_STAGE, type FixContext, type HfCorePlugin } from '@hf-core/core';
import { ts, type SourceFile } from 'ts-morph';
import { report } from '../diagnostics.ts';
import type { TypeCheckProgram } from '../checker.ts';

export const PLUGIN_NAME = 'hf-core:fix:typecheck';

interface Pending {
  file: SourceFile;
  ctx: FixContext;
  done: () => void;
  fail: (err: unknown) => void;
}

function hintFor(d: ts.Diagnostic): string {
  if (d.code !== 2307 || d.start === undefined || !d.file) return '';
  const specifier = d.file.text.slice(d.start + 1, d.start + (d.length ?? 2) - 1);
  if (specifier === 'vitest' || specifier.startsWith('@hf-core/')) {
    return `; install ${specifier
      .split('/')
      .slice(0, specifier.startsWith('@') ? 2 : 1)
      .join('/')} where hf-core runs (or where \`fix\` looks: its resolveFrom folders)`;
  }
  return '';
}

/**
 * Files reaching type-check in the same turn of the event loop are checked with one program
 * (see TypeCheckProgram for why even a batch of one is cheap after the first).
 */
class Batch {
  private pending: Pending[] = [];
  private scheduled = false;
  constructor(private readonly checker: TypeCheckProgram) {}

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
    try {
      const results = this.checker.check(
        batch.map(({ file, ctx }) => ({ path: ctx.filePath, text: file.getFullText() })),
      );
      batch.forEach(({ ctx }, i) => {
        for (const d of results[i]) {
          const at =
            d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : { line: 0, character: 0 };
          const text = d.file
            ? ts.flattenDiagnosticMessageText(d.messageText, '\n').replaceAll(d.file.fileName, ctx.filePath)
            : ts.flattenDiagnosticMessageText(d.messageText, '\n');
          report(ctx, PLUGIN_NAME, at.line + 1, at.character + 1, `${text} (TS${d.code})${hintFor(d)}`);
        }
      });
      batch.forEach((p) => p.done());
    } catch (err) {
      batch.forEach((p) => p.fail(err));
    }
  }
}

/** Type-checks the file against vitest's and the harness's types; errors keep it from disk. */
export default function typecheckPlugin(checker: TypeCheckProgram): HfCorePlugin {
  const batch = new Batch(checker);
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
