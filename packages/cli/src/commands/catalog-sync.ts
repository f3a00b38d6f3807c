/**
 * `hf-core catalog sync` and `hf-core catalog diff`: read a transformers release (a wheel, a
 * checkout, an installed package, the auto files, or a version fetched with pip) or the
 * installed transformers.js, compare, print, and save the new types for `--new`.
 */
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  catalogMeta,
  diffRelease,
  diffReleases,
  diffTjs,
  findTjsPackage,
  isVersion,
  openRelease,
  openSource,
  partOf,
  readRelease,
  readTjsRegistry,
  releaseFromCatalog,
  removesTooMuch,
  SourceError,
  SYNC_REMOVAL_LIMIT,
  writeSyncFile,
  type CatalogEntry,
  type Release,
  type ReleaseDiff,
  type SyncDiff,
  type TjsDiff,
} from '@hf-core/catalog';
import { HfCoreError } from '@hf-core/core';
import type { CliIO } from '../context.ts';

export interface SyncOptions {
  release?: string;
  tjs?: boolean;
  force?: boolean;
  json?: boolean;
}

function inputError(err: unknown): never {
  if (err instanceof SourceError)
    throw new HfCoreError(`${err.path}: ${err.what}.`, { code: 'SYNC_SOURCE', hint: `Expected ${err.expected}.` });
  throw err;
}

/**
 * A release by path or version. `preferCatalog`: a release the catalog read answers from its
 * own record (offline); otherwise the wheel is read (pip fetches it), and the record is the
 * fallback when pip cannot.
 */
export function releaseOf(specs: string[], io: CliIO, preferCatalog: boolean): Release {
  const [spec] = specs;
  const recorded = specs.length === 1 && isVersion(spec) ? releaseFromCatalog(spec) : undefined;
  if (recorded && preferCatalog) return recorded;
  try {
    const tree =
      specs.length === 1
        ? openRelease(spec, { cwd: io.cwd, env: io.env })
        : openSource(specs.map((p) => resolve(io.cwd, p)));
    try {
      return readRelease(tree);
    } finally {
      tree.close();
    }
  } catch (err) {
    if (recorded && err instanceof SourceError) {
      io.stderr(`hf-core catalog: ${err.message}; using the catalog's own record of transformers ${spec}.`);
      return recorded;
    }
    return inputError(err);
  }
}

const part = (e: CatalogEntry) => (e.parent ? `  (${partOf(e)})` : '');

function printSync(diff: SyncDiff, io: CliIO): void {
  const r = diff.release;
  io.stdout(
    `transformers ${r.version} (${r.origin}) lists ${diff.upstreamCount} config types; the catalog follows transformers ${diff.catalogVersion} and lists ${diff.catalogCount} as current.`,
  );
  io.stdout(`\nnew (${diff.added.length}):`);
  for (const e of diff.added)
    io.stdout(`  ${e.modelType}  ${e.family}  ${e.tasks[0] ?? '-'}  [${e.hfMappings.join(', ')}]${part(e)}`);
  io.stdout(`\nremoved (${diff.removed.length}): the catalog lists them, transformers ${r.version} does not`);
  for (const e of diff.removed) io.stdout(`  ${e.modelType}  ${e.family}`);
  if (diff.returned.length) {
    io.stdout(`\nback again (${diff.returned.length}): the catalog marks them removed`);
    for (const e of diff.returned) io.stdout(`  ${e.modelType}  ${e.family}`);
  }
  io.stdout(`\nre-mapped to another family (${diff.remapped.length}):`);
  for (const e of diff.remapped) {
    const changes = [...e.mappingsAdded.map((m) => `+${m}`), ...e.mappingsRemoved.map((m) => `-${m}`)].join(' ');
    io.stdout(`  ${e.modelType}  ${e.from} -> ${e.to}  ${changes}`);
  }
}

function printTjs(diff: TjsDiff, io: CliIO): void {
  io.stdout(
    `transformers.js ${diff.version} (${diff.origin}); the catalog records transformers.js ${catalogMeta()['transformers.js']}.`,
  );
  io.stdout(`\nnewly registered (${diff.added.length}):`);
  for (const e of diff.added) io.stdout(`  ${e.modelType}  ${e.categories.join(',')}`);
  io.stdout(`\nno longer registered (${diff.removed.length}):`);
  for (const e of diff.removed) io.stdout(`  ${e.modelType}  ${e.categories.join(',')}`);
  io.stdout(`\ncategories changed (${diff.changed.length}):`);
  for (const e of diff.changed) io.stdout(`  ${e.modelType}  ${e.from.join(',')} -> ${e.to.join(',')}`);
}

function syncTjs(options: SyncOptions, io: CliIO): number {
  let diff: TjsDiff;
  try {
    // The user's own install first, then the one hf-core's harness runs tests with.
    let pkg: string;
    try {
      pkg = findTjsPackage(io.cwd);
    } catch {
      pkg = findTjsPackage(dirname(fileURLToPath(import.meta.resolve('@hf-core/harness'))));
    }
    diff = diffTjs(readTjsRegistry(pkg));
  } catch (err) {
    return inputError(err);
  }
  const saved = writeSyncFile(io.cwd, { tjs: diff }, [diff.origin]);
  if (options.json) io.stdout(JSON.stringify(diff, null, 2));
  else {
    printTjs(diff, io);
    io.stdout(
      `\nSaved to ${relative(io.cwd, saved)}; \`hf-core generate --new\` includes the ${diff.added.length} newly registered types.`,
    );
  }
  return 0;
}

export function sync(paths: string[], options: SyncOptions, io: CliIO): number {
  if (options.tjs) return syncTjs(options, io);
  const specs = options.release ? [options.release, ...paths] : paths;
  if (!specs.length || specs.length > 2)
    throw new HfCoreError(`catalog sync takes one source (or the two auto files), got ${specs.length}.`, {
      code: 'SYNC_SOURCE',
      hint: 'e.g. `hf-core catalog sync --release 5.18.0`, `hf-core catalog sync transformers-5.18.0-py3-none-any.whl`, `hf-core catalog sync ~/src/transformers`.',
    });
  const diff = diffRelease(releaseOf(specs, io, false));
  const json = () => io.stdout(JSON.stringify(diff, null, 2));
  if (removesTooMuch(diff) && !options.force) {
    if (options.json) json();
    else printSync(diff, io);
    const share = Math.round((100 * diff.removed.length) / diff.catalogCount);
    io.stderr(
      [
        '',
        '!!! hf-core catalog sync: NOTHING WAS WRITTEN !!!',
        `!!! transformers ${diff.release.version} lacks ${diff.removed.length} of the catalog's ${diff.catalogCount} current types (${share}%), more than ${SYNC_REMOVAL_LIMIT * 100}%.`,
        `!!! An older release or a partial tree does that (the catalog follows ${diff.catalogVersion}). Check the source; pass --force to save this sync anyway.`,
      ].join('\n'),
    );
    return 2;
  }
  const saved = writeSyncFile(io.cwd, diff, [diff.release.origin]);
  if (options.json) json();
  else {
    printSync(diff, io);
    io.stdout(
      `\nSaved to ${relative(io.cwd, saved)}; \`hf-core generate --new\` and \`hf-core run --new\` test the ${diff.added.length} new types.`,
    );
  }
  return 0;
}

export function diff(specs: string[], options: SyncOptions, io: CliIO): number {
  if (specs.length !== 2)
    throw new HfCoreError(`catalog diff takes two releases, got ${specs.length}.`, {
      code: 'USAGE',
      hint: 'e.g. `hf-core catalog diff 4.57.6 5.18.0` (versions, wheels, checkouts or installed packages).',
    });
  const [from, to] = specs.map((s) => releaseOf([s], io, true));
  const d: ReleaseDiff = diffReleases(from, to);
  if (options.json) {
    io.stdout(JSON.stringify(d, null, 2));
    return 0;
  }
  io.stdout(`transformers ${d.from.version} (${d.from.count} config types) -> ${d.to.version} (${d.to.count}).`);
  io.stdout(`\nadded (${d.added.length}):`);
  for (const e of d.added) io.stdout(`  ${e.modelType}  ${e.family}`);
  io.stdout(`\nremoved (${d.removed.length}):`);
  for (const e of d.removed) io.stdout(`  ${e.modelType}  ${e.family}`);
  return 0;
}
