import { dirname } from 'node:path';
import { Project, QuoteKind, ts, type SourceFile } from 'ts-morph';
import { findPackageDir, FIX_PACKAGE_DIR, resolveSourceEntry } from './resolve.ts';

/**
 * Bare imports a generated test may use that its output folder cannot resolve on its own (it
 * has no node_modules): these are mapped through `paths` to the installed packages.
 */
export function isMappedSpecifier(specifier: string): boolean {
  return specifier === 'vitest' || specifier.startsWith('vitest/') || specifier.startsWith('@hf-core/');
}

/**
 * The one ts-morph Project a process checks generated tests in. Reusing it keeps lib.d.ts,
 * vitest's and the harness's declarations parsed once; files are added, checked in batches and
 * removed again.
 */
export class FixProject {
  readonly project: Project;
  /** Where packages are looked up, in order. */
  readonly resolveFrom: readonly string[];
  /** Programs built for type-checking so far: one per batch, not one per file. */
  programBuilds = 0;
  private readonly paths: Record<string, string[]> = {};
  private readonly unresolved = new Set<string>();

  constructor(resolveFrom: readonly string[]) {
    this.resolveFrom = resolveFrom;
    const nodeTypes = findPackageDir('@types/node', resolveFrom);
    this.project = new Project({
      skipAddingFilesFromTsConfig: true,
      manipulationSettings: { quoteKind: QuoteKind.Single },
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        customConditions: ['hf-core-source'],
        // Every generated test is a module, even one with no import yet, so files checked in
        // the same batch never see each other's top-level names.
        moduleDetection: ts.ModuleDetectionKind.Force,
        strict: true,
        skipLibCheck: true,
        noEmit: true,
        esModuleInterop: true,
        resolveJsonModule: true,
        allowImportingTsExtensions: true,
        types: nodeTypes ? ['node'] : [],
        typeRoots: nodeTypes ? [dirname(nodeTypes)] : [],
        paths: {},
      },
    });
  }

  /**
   * Maps each bare `vitest` / `@hf-core/*` specifier not seen before to its installed source or
   * declarations. Specifiers that resolve nowhere stay unmapped: the checker then reports
   * "Cannot find module" at the import, with its line.
   */
  mapSpecifiers(specifiers: Iterable<string>): void {
    let added = false;
    for (const s of specifiers) {
      if (!isMappedSpecifier(s) || s in this.paths || this.unresolved.has(s)) continue;
      const file = resolveSourceEntry(s, this.resolveFrom);
      if (file) {
        this.paths[s] = [file];
        added = true;
      } else {
        this.unresolved.add(s);
      }
    }
    if (added) this.project.compilerOptions.set({ paths: { ...this.paths } });
  }

  /** Where a mapped specifier was found, or undefined. */
  mapped(specifier: string): string | undefined {
    this.mapSpecifiers([specifier]);
    return this.paths[specifier]?.[0];
  }
}

const projects = new Map<string, FixProject>();

/** Default package lookup: the working directory's project, then hf-core's own install. */
export function defaultResolveFrom(): string[] {
  return [process.cwd(), FIX_PACKAGE_DIR];
}

/** The process-wide project for one package lookup order (in practice there is one). */
export function fixProject(resolveFrom: readonly string[] = defaultResolveFrom()): FixProject {
  const key = JSON.stringify(resolveFrom);
  let p = projects.get(key);
  if (!p) {
    p = new FixProject(resolveFrom);
    projects.set(key, p);
  }
  return p;
}

let scratch: Project | undefined;

/** A file in an in-memory project, for syntax-only work on text that is not being written. */
export function scratchFile(text: string): SourceFile {
  scratch ??= new Project({ useInMemoryFileSystem: true, manipulationSettings: { quoteKind: QuoteKind.Single } });
  return scratch.createSourceFile('/scratch.ts', text, { overwrite: true });
}
