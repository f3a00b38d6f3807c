import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ts } from 'ts-morph';
import { findPackageDir, resolveSourceEntry } from './resolve.ts';

/**
 * Bare imports a generated test may use that its output folder cannot resolve on its own (it
 * has no node_modules): these are mapped through `paths` to the installed packages.
 */
export function isMappedSpecifier(specifier: string): boolean {
  return specifier === 'vitest' || specifier.startsWith('vitest/') || specifier.startsWith('@hf-core/');
}

/**
 * The type-check program of a process, built with the TypeScript bundled in ts-morph and
 * rebuilt from the previous one for each batch of files. What makes that cheap:
 * - files to check go into "slots" beside them (`.hf-core-fix-check-<i>.mts`, in memory): the
 *   same folder resolves the same relative imports, `.mts` is ESM as vitest runs every test,
 *   and the root files stay the same from one program to the next, so TypeScript reuses the
 *   ~800 harness, vitest and lib files of the last program instead of processing them again;
 * - declaration and source files are parsed once per process;
 * - module, type-reference and package.json lookups go through caches kept across programs.
 * A batch of one file then costs what checking that file costs, not a whole program.
 */
export class TypeCheckProgram {
  /** Programs built so far: one per batch, not one per file. */
  programBuilds = 0;
  readonly resolveFrom: readonly string[];
  private options: ts.CompilerOptions;
  private readonly paths: Record<string, string[]> = {};
  private readonly unresolved = new Set<string>();
  private readonly parsed = new Map<string, ts.SourceFile>();
  private readonly slots = new Map<string, ts.SourceFile>();
  private moduleCache!: ts.ModuleResolutionCache;
  private typeRefCache!: ts.TypeReferenceDirectiveResolutionCache;
  private program?: ts.Program;
  private readonly host: ts.CompilerHost;

  constructor(resolveFrom: readonly string[]) {
    this.resolveFrom = resolveFrom;
    const nodeTypes = findPackageDir('@types/node', resolveFrom);
    this.options = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      customConditions: ['hf-core-source'],
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      esModuleInterop: true,
      resolveJsonModule: true,
      allowImportingTsExtensions: true,
      types: nodeTypes ? ['node'] : [],
      typeRoots: nodeTypes ? [dirname(nodeTypes)] : [],
      paths: {},
    };
    this.resetCaches();
    const base = ts.createCompilerHost(this.options, true);
    this.host = {
      ...base,
      getSourceFile: (fileName, languageVersion) => this.slots.get(fileName) ?? this.parse(fileName, languageVersion),
      fileExists: (f) => this.slots.has(f) || libFile(f) !== undefined || base.fileExists(f),
      readFile: (f) => this.slots.get(f)?.text ?? libFile(f) ?? base.readFile(f),
      getDefaultLibLocation: () => LIB_DIR,
      getDefaultLibFileName: (options) => `${LIB_DIR}/${ts.getDefaultLibFileName(options)}`,
      getModuleResolutionCache: () => this.moduleCache,
      resolveModuleNameLiterals: (literals, containingFile, redirected, options, containing) =>
        literals.map((literal) =>
          ts.resolveModuleName(
            literal.text,
            containingFile,
            options,
            this.host,
            this.moduleCache,
            redirected,
            ts.getModeForUsageLocation(containing, literal, options),
          ),
        ),
      resolveTypeReferenceDirectiveReferences: (refs, containingFile, redirected, options, containing) =>
        refs.map((ref) => {
          const name = typeof ref === 'string' ? ref : ref.fileName.toLowerCase();
          const mode = (typeof ref === 'string' ? undefined : ref.resolutionMode) ?? containing?.impliedNodeFormat;
          return ts.resolveTypeReferenceDirective(
            name,
            containingFile,
            options,
            this.host,
            redirected,
            this.typeRefCache,
            mode,
          );
        }),
    };
  }

  private resetCaches(): void {
    this.moduleCache = ts.createModuleResolutionCache(process.cwd(), (f) => f, this.options);
    this.typeRefCache = ts.createTypeReferenceDirectiveResolutionCache(
      process.cwd(),
      (f) => f,
      this.options,
      this.moduleCache.getPackageJsonInfoCache(),
    );
  }

  private parse(
    fileName: string,
    languageVersion: ts.ScriptTarget | ts.CreateSourceFileOptions,
  ): ts.SourceFile | undefined {
    const format = typeof languageVersion === 'object' ? languageVersion.impliedNodeFormat : undefined;
    const key = `${format ?? ''}:${fileName}`;
    let sf = this.parsed.get(key);
    if (!sf) {
      const text = libFile(fileName) ?? ts.sys.readFile(fileName);
      if (text === undefined) return undefined;
      sf = ts.createSourceFile(fileName, text, languageVersion);
      this.parsed.set(key, sf);
    }
    return sf;
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
    if (added) {
      this.options = { ...this.options, paths: { ...this.paths } };
      this.resetCaches();
    }
  }

  /** Where a mapped specifier was found, or undefined. */
  mapped(specifier: string): string | undefined {
    this.mapSpecifiers([specifier]);
    return this.paths[specifier]?.[0];
  }

  /** Checks each text as if it were the file at its path; errors per file, in order. */
  check(files: readonly { path: string; text: string }[]): ts.Diagnostic[][] {
    const perFolder = new Map<string, number>();
    const slotPaths = files.map(({ path }) => {
      const dir = dirname(path);
      const i = perFolder.get(dir) ?? 0;
      perFolder.set(dir, i + 1);
      return join(dir, `.hf-core-fix-check-${i}.mts`);
    });
    files.forEach((f, i) =>
      this.slots.set(
        slotPaths[i],
        ts.createSourceFile(slotPaths[i], f.text, {
          languageVersion: ts.ScriptTarget.ES2022,
          impliedNodeFormat: ts.ModuleKind.ESNext,
        }),
      ),
    );
    this.mapSpecifiers(slotPaths.flatMap((p) => moduleSpecifiers(this.slots.get(p)!)));
    this.program = ts.createProgram({
      rootNames: [...this.slots.keys()],
      options: this.options,
      host: this.host,
      oldProgram: this.program,
    });
    this.programBuilds++;
    const program = this.program;
    const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
    return slotPaths.map((p) => {
      const sf = program.getSourceFile(p)!;
      return [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf), ...global].filter(
        (d) => d.category === ts.DiagnosticCategory.Error,
      );
    });
  }
}

/** Every module a file names: imports, re-exports, `import()` and `import('x')` types. */
export function moduleSpecifiers(sf: ts.SourceFile): string[] {
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (
      (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) &&
      n.moduleSpecifier &&
      ts.isStringLiteral(n.moduleSpecifier)
    ) {
      out.push(n.moduleSpecifier.text);
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) {
      out.push(n.argument.literal.text);
    } else if (
      ts.isCallExpression(n) &&
      n.expression.kind === ts.SyntaxKind.ImportKeyword &&
      n.arguments[0] &&
      ts.isStringLiteral(n.arguments[0])
    ) {
      out.push(n.arguments[0].text);
    }
    n.forEachChild(visit);
  };
  visit(sf);
  return out;
}

/**
 * lib.*.d.ts of the TypeScript that ts-morph bundles: it ships them as data, not as files, so
 * they live under a virtual folder here.
 */
const LIB_DIR = '/@hf-core-fix/typescript-lib';
let libFiles: Map<string, string> | undefined;
function libFile(path: string): string | undefined {
  if (!path.startsWith(`${LIB_DIR}/`)) return undefined;
  if (!libFiles) {
    const fromTsMorph = createRequire(createRequire(import.meta.url).resolve('ts-morph'));
    const common = fromTsMorph('@ts-morph/common') as { getLibFiles(): { fileName: string; text: string }[] };
    libFiles = new Map(common.getLibFiles().map((f) => [`${LIB_DIR}/${f.fileName}`, f.text]));
  }
  return libFiles.get(path);
}

const programs = new Map<string, TypeCheckProgram>();

/** The process-wide type-check program for one package lookup order (in practice there is one). */
export function typeCheckProgram(resolveFrom: readonly string[]): TypeCheckProgram {
  const key = JSON.stringify(resolveFrom);
  let p = programs.get(key);
  if (!p) programs.set(key, (p = new TypeCheckProgram(resolveFrom)));
  return p;
}
