import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import {
  diffAutoFiles,
  FAMILIES,
  listEntries,
  SyncSourceError,
  writeSyncFile,
  type Family,
  type SyncDiff,
} from '@hf-core/catalog';
import { HfCoreError } from '@hf-core/core';
import type { CommandModule } from '../context.ts';
import type { CliIO } from '../context.ts';
import { table } from './classify.ts';

interface CatalogOptions {
  family?: string;
  tjs?: boolean;
  json?: boolean;
}

function list(options: CatalogOptions, io: CliIO): number {
  if (options.family !== undefined && !(FAMILIES as readonly string[]).includes(String(options.family))) {
    throw new HfCoreError(`Unknown family "${options.family}".`, {
      code: 'FAMILY_UNKNOWN',
      hint: `Families: ${FAMILIES.join(', ')}.`,
    });
  }
  const entries = listEntries({ family: options.family as Family | undefined, tjs: !!options.tjs });
  if (options.json) {
    io.stdout(JSON.stringify(entries, null, 2));
    return 0;
  }
  io.stdout(
    table(
      ['TYPE', 'FAMILY', 'TASK', 'TRANSFORMERS.JS', 'CHECKPOINT'],
      entries.map((e) => [e.modelType, e.family, e.tasks[0] ?? '-', e.runtimeSupport, e.checkpoint ?? '']),
    ),
  );
  io.stdout(
    `${entries.length} model types${options.family ? ` in family ${options.family}` : ''}${options.tjs ? ' that transformers.js registers' : ''}.`,
  );
  return 0;
}

const AUTO_DIRS = ['src/transformers/models/auto', 'transformers/models/auto', 'models/auto', 'auto', '.'];

/** The two auto files from a transformers checkout (or its auto folder), or from two file paths. */
function autoFiles(paths: string[], io: CliIO): { configuration: string; modeling: string } {
  const usage = 'Pass a transformers source folder, or configuration_auto.py and modeling_auto.py.';
  if (paths.length === 1) {
    const dir = resolve(io.cwd, paths[0]);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new HfCoreError(`${dir} is not a folder.`, { code: 'SYNC_SOURCE', hint: usage });
    }
    for (const sub of AUTO_DIRS) {
      const d = join(dir, sub);
      if (existsSync(join(d, 'configuration_auto.py')) && existsSync(join(d, 'modeling_auto.py'))) {
        return { configuration: join(d, 'configuration_auto.py'), modeling: join(d, 'modeling_auto.py') };
      }
    }
    throw new HfCoreError(
      `${dir} has no configuration_auto.py and modeling_auto.py (looked in ${AUTO_DIRS.join(', ')}).`,
      { code: 'SYNC_SOURCE', hint: usage },
    );
  }
  if (paths.length !== 2)
    throw new HfCoreError(`catalog sync takes 1 or 2 paths, got ${paths.length}.`, {
      code: 'SYNC_SOURCE',
      hint: usage,
    });
  const files = paths.map((p) => resolve(io.cwd, p));
  for (const f of files)
    if (!existsSync(f)) throw new HfCoreError(`${f} does not exist.`, { code: 'SYNC_SOURCE', hint: usage });
  const isConfig = (f: string) => /^CONFIG_MAPPING_NAMES\s*[=:]/m.test(readFileSync(f, 'utf8'));
  const [a, b] = files;
  return isConfig(b) && !isConfig(a) ? { configuration: b, modeling: a } : { configuration: a, modeling: b };
}

function printDiff(diff: SyncDiff, io: CliIO, saved: string): void {
  io.stdout(`transformers lists ${diff.upstreamCount} model types; the catalog has ${diff.catalogCount}.`);
  io.stdout(`\nnew (${diff.added.length}):`);
  for (const e of diff.added)
    io.stdout(`  ${e.modelType}  ${e.family}  ${e.tasks[0] ?? '-'}  [${e.hfMappings.join(', ')}]`);
  io.stdout(`\nremoved (${diff.removed.length}):`);
  for (const e of diff.removed) io.stdout(`  ${e.modelType}  ${e.family}`);
  io.stdout(`\nre-mapped to another family (${diff.remapped.length}):`);
  for (const e of diff.remapped) {
    const changes = [...e.mappingsAdded.map((m) => `+${m}`), ...e.mappingsRemoved.map((m) => `-${m}`)].join(' ');
    io.stdout(`  ${e.modelType}  ${e.from} -> ${e.to}  ${changes}`);
  }
  io.stdout(`\nSaved to ${saved}; \`hf-core generate --new\` generates tests for the ${diff.added.length} new types.`);
}

function sync(paths: string[], options: CatalogOptions, io: CliIO): number {
  const { configuration, modeling } = autoFiles(paths, io);
  let diff: SyncDiff;
  try {
    diff = diffAutoFiles(
      { path: configuration, source: readFileSync(configuration, 'utf8') },
      { path: modeling, source: readFileSync(modeling, 'utf8') },
    );
  } catch (err) {
    if (err instanceof SyncSourceError)
      throw new HfCoreError(err.message, {
        code: 'SYNC_SOURCE',
        hint: "Pass transformers' src/transformers/models/auto/configuration_auto.py and modeling_auto.py.",
      });
    throw err;
  }
  const saved = writeSyncFile(io.cwd, diff, [configuration, modeling]);
  if (options.json) io.stdout(JSON.stringify(JSON.parse(readFileSync(saved, 'utf8')), null, 2));
  else printDiff(diff, io, relative(io.cwd, saved));
  return 0;
}

const command: CommandModule = {
  register(cli, io, done) {
    cli
      .command(
        'catalog [action] [...paths]',
        'List every model type, or diff the catalog against a transformers checkout (list | sync)',
      )
      .usage(
        'catalog list [--family F] [--tjs] [--json]\n' +
          '  $ hf-core catalog sync <transformers folder | configuration_auto.py modeling_auto.py> [--json]\n\n' +
          'list: every Hugging Face model type and every type transformers.js registers, with family,\n' +
          'main task, transformers.js support and a small real checkpoint where one is known.\n' +
          'sync: reads the auto-mapping dicts of a transformers checkout (no Python needed) and prints the\n' +
          'types that are new, removed, or moved to another family; the new ones are saved to\n' +
          '.hf-core/catalog-sync.json for `hf-core generate --new`.',
      )
      .option('--family <family>', `Only this family: ${FAMILIES.join(', ')}`)
      .option('--tjs', 'Only types transformers.js registers')
      .option('--json', 'Print JSON instead of a table')
      .example('  hf-core catalog list --family speech')
      .example('  hf-core catalog list --tjs --json')
      .example('  hf-core catalog sync ~/src/transformers')
      .example('  hf-core catalog sync configuration_auto.py modeling_auto.py --json')
      .action((action: string | undefined, paths: string[], options: CatalogOptions) => {
        if (action === 'list' || action === undefined) return done(list(options, io));
        if (action === 'sync') return done(sync(paths, options, io));
        throw new HfCoreError(`Unknown catalog action "${action}".`, {
          code: 'USAGE',
          hint: 'Use `hf-core catalog list` or `hf-core catalog sync <folder>`.',
        });
      });
  },
};
export default command;
