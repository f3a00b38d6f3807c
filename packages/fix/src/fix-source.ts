import { resolve } from 'node:path';
import type { FixContext, FixDiagnostic, HfCore } from '@hf-core/core';
import { editingProject } from './project.ts';

export interface FixResult {
  /** The fixed source. */
  text: string;
  diagnostics: FixDiagnostic[];
  /** Passes that changed the file, in the order they ran. */
  changedBy: string[];
}

/** Calls for the same path run one after the other: they would share a SourceFile. */
const busy = new Map<string, Promise<unknown>>();

/**
 * Runs `core.hooks.fix` over `source` as the file at `filePath` (where it will be written:
 * relative imports and the nearest package.json are looked up from there). `previous` is the
 * file already on disk, whose keep regions the new text receives.
 */
export async function fixSource(
  core: HfCore,
  source: string,
  opts: { filePath: string; previous?: string },
): Promise<FixResult> {
  const filePath = resolve(opts.filePath);
  const before = busy.get(filePath) ?? Promise.resolve();
  const run = before
    .catch(() => undefined)
    .then(async () => {
      const project = editingProject();
      const file = project.createSourceFile(filePath, source, { overwrite: true });
      const ctx: FixContext = { filePath, previous: opts.previous, diagnostics: [], changedBy: [] };
      try {
        const out = await core.hooks.fix.promise(file, ctx);
        return { text: out.getFullText(), diagnostics: ctx.diagnostics, changedBy: ctx.changedBy };
      } finally {
        project.removeSourceFile(file);
      }
    });
  busy.set(filePath, run);
  try {
    return await run;
  } finally {
    if (busy.get(filePath) === run) busy.delete(filePath);
  }
}
