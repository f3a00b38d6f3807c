import { Project, QuoteKind, type SourceFile } from 'ts-morph';
import { FIX_PACKAGE_DIR } from './resolve.ts';

/** Default package lookup: the working directory's project, then hf-core's own install. */
export function defaultResolveFrom(): string[] {
  return [process.cwd(), FIX_PACKAGE_DIR];
}

let editing: Project | undefined;
let scratch: Project | undefined;

/**
 * The one ts-morph project the passes edit files in: in memory (the passes work on syntax; the
 * type-check program reads the disk), one per process, files added and removed per fix.
 */
export function editingProject(): Project {
  editing ??= new Project({ useInMemoryFileSystem: true, manipulationSettings: { quoteKind: QuoteKind.Single } });
  return editing;
}

/** A file for syntax-only work on text that is not being fixed (an old file's keep regions). */
export function scratchFile(text: string): SourceFile {
  scratch ??= new Project({ useInMemoryFileSystem: true, manipulationSettings: { quoteKind: QuoteKind.Single } });
  return scratch.createSourceFile('/scratch.ts', text, { overwrite: true });
}
