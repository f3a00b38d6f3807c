import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { HfCoreError } from '@hf-core/core';
import type { CliIO, CommandModule } from '../context.ts';
import { modelTypeOf, type PluginKind, scaffoldFiles } from '../scaffold.ts';
import { VERSION } from '../version.ts';

interface PluginNewFlags {
  family?: boolean;
  backend?: boolean;
  dir?: string;
}

const NAME = /^[a-z][a-z0-9-]{0,49}$/;

const usage = (message: string) =>
  new HfCoreError(message, {
    code: 'USAGE',
    hint: 'Use `hf-core plugin new <name> --family` or `hf-core plugin new <name> --backend`.',
  });

/** Writes a plugin package that runs at once, and says how to run it. */
export function pluginNew(action: string, name: string | undefined, flags: PluginNewFlags, io: CliIO): number {
  if (action !== 'new') throw usage(`Unknown plugin action "${action}".`);
  if (!name) throw usage('`hf-core plugin new` needs a name.');
  if (!NAME.test(name))
    throw usage(`Plugin name "${name}" must be lower-case letters, digits and dashes, starting with a letter.`);
  if (!!flags.family === !!flags.backend) throw usage('Say which kind: --family or --backend (one of them).');
  const kind: PluginKind = flags.family ? 'family' : 'backend';
  const dir = resolve(io.cwd, flags.dir ?? name);
  if (existsSync(dir) && readdirSync(dir).length)
    throw new HfCoreError(`${dir} exists and is not empty; hf-core plugin new writes only into a new folder.`, {
      code: 'TARGET_EXISTS',
      hint: 'Pick another name, or --dir another folder.',
    });
  for (const [file, text] of Object.entries(scaffoldFiles(name, kind, VERSION))) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  const shown = `./${relative(io.cwd, dir) || '.'}`;
  io.stdout(`Wrote the ${kind} plugin hf-core-plugin-${name} in ${shown}. Run it:`);
  io.stdout(
    kind === 'family'
      ? `  npx hf-core run --plugins ${shown},cpu --models ${modelTypeOf(name)}`
      : `  npx hf-core run --plugins encoder,${shown} --models bert`,
  );
  return 0;
}

const command: CommandModule = {
  register(cli, io, done) {
    cli
      .command(
        'plugin <action> [name]',
        'Scaffold a plugin package that works at once (plugin new <name> --family | --backend)',
      )
      .usage(
        'plugin new <name> --family | --backend [--dir folder]\n\n' +
          'Writes a plugin package into ./<name> (or --dir): package.json, README.md and TypeScript\n' +
          'source that hf-core loads by path with no build step. A family plugin synthesizes a tiny\n' +
          'model of the type <name> (dashes become underscores) and renders its test; a backend plugin\n' +
          'registers the backend <name> with an engine that starts as onnxruntime-node on the CPU.\n' +
          'Exit code 2 for a bad name, a missing kind, or a folder that is not empty.',
      )
      .option('--family', 'A family plugin: one model type, synthesized, with its test template')
      .option('--backend', 'A backend plugin: detection and an engine module')
      .option('--dir <folder>', 'Where to write it (default: ./<name>)')
      .example('  hf-core plugin new my-encoder --family')
      .example('  hf-core run --plugins ./my-encoder,cpu --models my_encoder')
      .example('  hf-core plugin new my-backend --backend --dir plugins/my-backend')
      .action((action: string, name: string | undefined, flags: PluginNewFlags) =>
        done(pluginNew(action, name, flags, io)),
      );
  },
};
export default command;
