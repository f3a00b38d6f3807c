/**
 * @hf-core/fix: the passes a generated test goes through before it is written. Each pass is a
 * small plugin tapping `core.hooks.fix` at its FIX_STAGE: migrate, keep regions, imports,
 * format, typecheck.
 */
import type { HfCorePlugin } from '@hf-core/core';
import type { Migration } from './migrations.ts';
import { typeCheckProgram } from './checker.ts';
import { defaultResolveFrom } from './project.ts';
import formatPlugin from './passes/format.ts';
import importsPlugin from './passes/imports.ts';
import keepRegionsPlugin from './passes/keep-regions.ts';
import migratePlugin from './passes/migrate.ts';
import typecheckPlugin from './passes/typecheck.ts';

export interface FixOptions {
  /**
   * Folders `vitest`, `@hf-core/harness` and family plugins (`@hf-core/plugin-encoder/checks`)
   * are looked up from, in order. Default: the working directory, then hf-core's own install.
   */
  resolveFrom?: string[];
  /** Harness API migrations (default: MIGRATIONS). */
  migrations?: readonly Migration[];
  /** Template version files are migrated to (default: CURRENT_TEMPLATE_VERSION). */
  currentVersion?: number;
}

/** Every fix pass; the process's type-check program is shared per package lookup order. */
export function fixPlugins(o: FixOptions = {}): HfCorePlugin[] {
  const checker = typeCheckProgram(o.resolveFrom ?? defaultResolveFrom());
  const migrate = { migrations: o.migrations, currentVersion: o.currentVersion };
  return [
    migratePlugin(migrate),
    keepRegionsPlugin(migrate),
    importsPlugin(checker),
    formatPlugin(),
    typecheckPlugin(checker),
  ];
}

export { fixSource, type FixResult } from './fix-source.ts';
export { expandFiles, fixFiles, type FileFixResult } from './fix-files.ts';
export { pathInside, writeFixedFile } from './write.ts';
export { formatDiagnostic } from './diagnostics.ts';
export { CURRENT_TEMPLATE_VERSION, MIGRATIONS, migrationPath, type Migration } from './migrations.ts';
export { editOptions, insertArgument, moveExport, type Codemod } from './codemods.ts';
export { KEEP_END, KEEP_START, parseKeepRegions, type KeepRegion } from './regions.ts';
export { defaultResolveFrom } from './project.ts';
export { typeCheckProgram, TypeCheckProgram } from './checker.ts';
export { resolveSourceEntry } from './resolve.ts';
export { moduleExports } from './module-exports.ts';
export { FORMAT_SETTINGS, formatText } from './passes/format.ts';
export { migrateFile } from './passes/migrate.ts';
export { VITEST_API, HARNESS_MODULE } from './passes/imports.ts';
export { default as migratePlugin } from './passes/migrate.ts';
export { default as keepRegionsPlugin } from './passes/keep-regions.ts';
export { default as importsPlugin } from './passes/imports.ts';
export { default as formatPlugin } from './passes/format.ts';
export { default as typecheckPlugin } from './passes/typecheck.ts';
