import { Project, QuoteKind, type SourceFile } from 'ts-morph';
import { FIX_PACKAGE_DIR } from './resolve.ts';

/** Default package lookup: the working directory's project, then hf-core's own install. */
export function defaultResolveFrom(): string[] {
  return [process.cwd(), FIX_PACKAGE_DIR];
}

let scratch: Project | undefined;

/** A file for syntax-only work on text that is not being fixed (an old file's keep regions). */
export function scratchFile(text: string): SourceFile {
  scratch ??= new Project({ useInMemoryFileSystem: true, manipulationSettings: { quoteKind: QuoteKind.Single } });
  return scratch.createSourceFile('/scratch.ts', text, { overwrite: true });
}
