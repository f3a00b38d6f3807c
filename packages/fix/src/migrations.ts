/**
 * The registry of harness API changes, by template version. A generated file records the
 * version it was written for (`// hf-core:template-version N`); `fix` applies every migration
 * from N up to CURRENT_TEMPLATE_VERSION in order and rewrites the header.
 *
 * To change the harness API: bump the version templates render, then add a migration here from
 * the old version to the new one, built from the codemods in codemods.ts (or a new one beside
 * them), with a test in migrations.test.ts that migrates a file of the old version.
 */
import { editOptions, insertArgument, moveExport, type Codemod } from './codemods.ts';

export interface Migration {
  /** Files of this version are migrated... */
  from: number;
  /** ...to this one (always from + 1). */
  to: number;
  /** What changed in the harness, for the changelog and for `fix` output. */
  summary: string;
  codemods: readonly Codemod[];
}

const HARNESS = '@hf-core/harness';

export const MIGRATIONS: readonly Migration[] = [
  {
    // Version 0 is the pre-release prototype harness:
    //   import { openHarness } from '@hf-core/harness';
    //   import { expectAllFinite } from '@hf-core/harness/checks';
    //   const h = openHarness({ ref, modelType, family, dir: '../models/bert', device: 'cpu' });
    //   expectAllFinite(outputs);
    // Version 1 (the first release) reads the test file's own URL to find the model folder and
    // takes the backend from the run (HF_CORE_BACKEND), not from the file.
    from: 0,
    to: 1,
    summary: 'prototype harness -> harness 1: harness(import.meta.url, spec), spec.modelDir, assertFinite',
    codemods: [
      moveExport({ name: 'openHarness', from: HARNESS, to: HARNESS, newName: 'harness' }),
      insertArgument({ module: HARNESS, callee: 'harness', oldArity: 1, index: 0, argument: 'import.meta.url' }),
      editOptions({ module: HARNESS, callee: 'harness', argIndex: 1, rename: { dir: 'modelDir' }, remove: ['device'] }),
      moveExport({ name: 'expectAllFinite', from: `${HARNESS}/checks`, to: HARNESS, newName: 'assertFinite' }),
    ],
  },
];

/** The version templates render today; the last migration must end here. */
export const CURRENT_TEMPLATE_VERSION = 1;

/**
 * The migrations that take a file from `version` to `target`, in order. Throws when the
 * registry has a gap, which is a bug in the registry, not in the user's file.
 */
export function migrationPath(
  version: number,
  target: number,
  registry: readonly Migration[] = MIGRATIONS,
): Migration[] {
  const path: Migration[] = [];
  for (let v = version; v < target; v++) {
    const m = registry.find((x) => x.from === v);
    if (!m || m.to !== v + 1) throw new Error(`migration registry has no step from template version ${v} to ${v + 1}`);
    path.push(m);
  }
  return path;
}
