import type { CliIO, CommandModule } from '../context.ts';
import { backendWith } from './backend-tools.ts';

interface SetupFlags {
  plugins?: string | string[];
  dir?: string;
  dryRun?: boolean;
  '--'?: string[];
}

/** Makes a backend's runtime environment (for pytorch: a venv with torch and transformers). */
export async function setup(backend: string, flags: SetupFlags, io: CliIO): Promise<number> {
  const { backend: b } = await backendWith(io, flags.plugins, backend, 'setup');
  const result = await b.setup({
    dir: flags.dir,
    dryRun: flags.dryRun,
    installerArgs: flags['--'] ?? [],
    log: (line) => io.stderr(line),
  });
  (result.ok ? io.stdout : io.stderr)(`hf-core setup ${b.name}: ${result.message}`);
  return result.ok ? 0 : 1;
}

const command: CommandModule = {
  register(cli, io, done) {
    cli
      .command(
        'setup <backend>',
        "Make a backend's runtime environment (pytorch: a Python venv with torch and transformers)",
      )
      .usage(
        'setup <backend> [options] [-- installer args]\n\n' +
          'Installs what a backend needs beyond its npm package. For pytorch: a virtual environment (default\n' +
          '<user cache>/hf-core/pytorch-venv, or HF_CORE_PYTORCH_VENV) with torch, transformers and the ONNX\n' +
          "exporter's packages from pip's configured index; runs never install anything. HF_CORE_PYTHON makes\n" +
          'hf-core use another interpreter instead. Arguments after -- go to the installer (pip).\n' +
          'Exit code: 0 done, 1 the install failed, 2 the backend offers no setup.',
      )
      .option('--dir <dir>', 'Where to make the environment (default: the backend decides)')
      .option('--dry-run', 'Print what would run; install nothing')
      .option('--plugins <names>', 'Plugins to load (default: the one named like the backend)')
      .example('  hf-core setup pytorch')
      .example('  hf-core setup pytorch --dir ./.venv-torch --dry-run')
      .example('  hf-core setup pytorch -- --index-url https://my-mirror/simple')
      .action((backend: string, flags: SetupFlags) => done(setup(backend, flags, io)));
  },
};
export default command;
