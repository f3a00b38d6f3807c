import { FAMILIES, catalogMeta, listEntries, partOf, type CatalogEntry } from '@hf-core/catalog';
import { HfCoreError } from '@hf-core/core';
import type { CommandModule } from '../context.ts';
import type { CliIO } from '../context.ts';
import { diff, sync, type SyncOptions } from './catalog-sync.ts';
import { table } from './classify.ts';

interface CatalogOptions extends SyncOptions {
  family?: string;
}

/** What a row's last column says: a sub-config's place, a removal, or a checkpoint to try. */
function note(e: CatalogEntry): string {
  if (e.removedIn) return `removed in ${e.removedIn} (last in ${e.lastIn})`;
  if (e.parent) return partOf(e)!;
  return e.checkpoint ?? '';
}

function list(options: CatalogOptions, io: CliIO): number {
  const known = new Set(listEntries().map((e) => e.family));
  if (options.family !== undefined && !known.has(String(options.family))) {
    throw new HfCoreError(`No catalog type has family "${options.family}".`, {
      code: 'FAMILY_UNKNOWN',
      hint: `Families: ${FAMILIES.join(', ')}. (A family plugin's own family lists its types with \`hf-core plugins\`.)`,
    });
  }
  const entries = listEntries({ family: options.family, tjs: !!options.tjs });
  if (options.json) {
    io.stdout(JSON.stringify(entries, null, 2));
    return 0;
  }
  io.stdout(
    table(
      ['TYPE', 'FAMILY', 'TASK', 'TRANSFORMERS.JS', 'NOTE'],
      entries.map((e) => [e.modelType, e.family, e.tasks[0] ?? '-', e.runtimeSupport, note(e)]),
    ),
  );
  const removed = entries.filter((e) => e.removedIn).length;
  io.stdout(
    `${entries.length} model types${options.family ? ` in family ${options.family}` : ''}${options.tjs ? ' that transformers.js registers' : ''} (transformers ${catalogMeta().transformers}${removed ? `, plus ${removed} it removed` : ''}).`,
  );
  return 0;
}

const command: CommandModule = {
  register(cli, io, done) {
    cli
      .command(
        'catalog [action] [...args]',
        'List every model type, or compare the catalog with a transformers release (list | sync | diff)',
      )
      .usage(
        'catalog list [--family F] [--tjs] [--json]\n' +
          '  $ hf-core catalog sync <release> [--force] [--json]      release: a wheel, a checkout, site-packages/transformers, or --release <version>\n' +
          '  $ hf-core catalog sync --tjs [--json]                    the installed @huggingface/transformers\n' +
          '  $ hf-core catalog diff <release> <release> [--json]\n\n' +
          'list: every config type of transformers (with the types it removed, marked so), and every type\n' +
          'transformers.js registers: family, main task, transformers.js support, and for a sub-config the\n' +
          'type that holds it and its role (text / vision / audio tower, encoder, decoder).\n' +
          'sync: reads a release without Python (4.x configuration_auto.py, 5.x auto_mappings.py + its updates,\n' +
          'a wheel read directly; a version is fetched with `pip download`) and prints the types that are new,\n' +
          'removed, back again, or moved to another family; the new ones are saved to .hf-core/catalog-sync.json\n' +
          'for `hf-core generate --new` and `hf-core run --new`. A sync that would remove more than a tenth of\n' +
          'the catalog writes nothing without --force. Exit 2 for a source that is not transformers.\n' +
          'diff: what changed between two releases (versions the catalog read answer offline).',
      )
      .option('--family <family>', `list: only this family (${FAMILIES.join(', ')})`)
      .option('--tjs', 'list: only types transformers.js registers; sync: read the installed transformers.js')
      .option('--release <version|path>', 'sync: the release to read (a version is downloaded with pip)')
      .option('--force', 'sync: save even when the release would remove more than a tenth of the catalog')
      .option('--json', 'Print JSON instead of a table')
      .example('  hf-core catalog list --family speech')
      .example('  hf-core catalog list --tjs --json')
      .example('  hf-core catalog sync --release 5.18.0 && hf-core generate --new && hf-core run --new')
      .example('  hf-core catalog sync transformers-5.18.0-py3-none-any.whl')
      .example('  hf-core catalog sync ~/src/transformers        # a checkout, or .venv/lib/python3.11/site-packages')
      .example('  hf-core catalog sync --tjs')
      .example('  hf-core catalog diff 4.57.6 5.18.0')
      .action((action: string | undefined, args: string[], options: CatalogOptions) => {
        if (action === 'list' || action === undefined) return done(list(options, io));
        if (action === 'sync') return done(sync(args, options, io));
        if (action === 'diff') return done(diff(args, options, io));
        throw new HfCoreError(`Unknown catalog action "${action}".`, {
          code: 'USAGE',
          hint: 'Use `hf-core catalog list`, `hf-core catalog sync <release>` or `hf-core catalog diff <a> <b>`.',
        });
      });
  },
};
export default command;
