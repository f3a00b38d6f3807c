import { installedPlugins, loadPlugin, NO_PLUGINS_HINT } from '@hf-core/core';
import type { CommandModule } from '../context.ts';
import { createCore, pluginSearchDirs, splitList, type CliIO } from '../context.ts';
import { table } from './classify.ts';

interface PluginsFlags {
  plugins?: string | string[];
  json?: boolean;
}

/** What each plugin contributes: the families and types it covers, or the backend it adds. */
export async function listPlugins(flags: PluginsFlags, io: CliIO): Promise<number> {
  const dirs = pluginSearchDirs(io.cwd, io.env);
  const names = splitList(flags.plugins) ?? installedPlugins(dirs);
  const rows: { plugin: string; package: string; kind: string; provides: string; uncovered: number }[] = [];
  for (const name of names) {
    let loaded: Awaited<ReturnType<typeof loadPlugin>>;
    try {
      loaded = await loadPlugin(name, dirs);
    } catch (err) {
      rows.push({
        plugin: name,
        package: '',
        kind: 'broken',
        provides: (err as Error).message.split('\n')[0]!,
        uncovered: 0,
      });
      continue;
    }
    const core = await createCore(io, []);
    await core.use(loaded.plugin);
    const fam = [...core.families.values()][0];
    const be = [...core.backends.values()][0];
    rows.push({
      plugin: name,
      package: loaded.resolved,
      kind: fam ? `family ${fam.family}` : be ? `backend ${be.name}` : 'other',
      provides: fam
        ? `${fam.modelTypes.length} model types: ${fam.modelTypes.slice(0, 8).join(', ')}${fam.modelTypes.length > 8 ? ', ...' : ''}`
        : be
          ? `engine ${be.engineModule}`
          : '',
      uncovered: fam ? Object.keys(fam.uncovered ?? {}).length : 0,
    });
  }
  if (flags.json) io.stdout(JSON.stringify(rows, null, 2));
  else {
    io.stdout(
      table(
        ['PLUGIN', 'KIND', 'UNCOVERED', 'PROVIDES'],
        rows.map((r) => [r.plugin, r.kind, String(r.uncovered), r.provides]),
      ),
    );
    io.stderr(
      rows.length
        ? '\nWith no --plugins, `hf-core run` uses every installed plugin. Backend availability: `hf-core doctor`.'
        : `No hf-core plugin is installed here. ${NO_PLUGINS_HINT}`,
    );
  }
  return 0;
}

const command: CommandModule = {
  register(cli, io, done) {
    cli
      .command('plugins', 'List installed plugins: which families and model types, which backends')
      .usage(
        'plugins [options]\n\n' +
          'Short names resolve to @hf-core/plugin-<name>, then hf-core-plugin-<name>, then the package name\n' +
          'itself; a path is a .js, .mjs or .ts file, or a folder with a package.json (exports or main).\n' +
          'Write one with `hf-core plugin new <name> --family` (or --backend).',
      )
      .option('--plugins <names>', 'Only these plugins (default: every installed one)')
      .option('--json', 'Print JSON')
      .example('  hf-core plugins')
      .example('  hf-core plugins --plugins ./my-family-plugin.ts --json')
      .action((flags: PluginsFlags) => done(listPlugins(flags, io)));
  },
};
export default command;
