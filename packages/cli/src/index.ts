import { cac, type CAC } from 'cac';
import { formatError, HfCoreError } from '@hf-core/core';
import { processIO, type CliIO } from './context.ts';
import { COMMANDS } from './commands/index.ts';

export { VERSION } from './version.ts';
import { VERSION } from './version.ts';

/** A command registers itself on the CLI; its action resolves to the process exit code. */
export interface CommandModule {
  register(cli: CAC, io: CliIO, done: (code: Promise<number> | number) => void): void;
}

/** `--seed -1` as `--seed=-1`: the parser would read a negative number as an option of its own. */
const negativeValues = (argv: string[]): string[] =>
  argv.flatMap((a, i) =>
    /^-\d/.test(a) && /^--[^=]+$/.test(argv[i - 1] ?? '')
      ? []
      : /^--[^=]+$/.test(a) && /^-\d/.test(argv[i + 1] ?? '')
        ? [`${a}=${argv[i + 1]}`]
        : [a],
  );

/** Runs the hf-core CLI on `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const cli = cac('hf-core');
  let result: Promise<number> | number | undefined;
  const done = (code: Promise<number> | number) => {
    result = code;
  };
  for (const command of COMMANDS) command.register(cli, io, done);
  cli.help();
  cli.version(VERSION);
  cli.usage(
    '<command> [options]\n\n' +
      'Generates, runs and measures a test for each Hugging Face model architecture on each\n' +
      'hardware backend. Offline by default: tiny models are synthesized locally.\n\n' +
      'Start with `hf-core run` (every built-in family on cpu) or `hf-core <command> --help`.',
  );
  try {
    cli.parse(['node', 'hf-core', ...negativeValues(argv)], { run: false });
    if (!cli.matchedCommand) {
      if (cli.options.help || cli.options.version) return 0;
      if (cli.args.length) {
        io.stderr(`Unknown command "${cli.args[0]}". Run \`hf-core --help\` for the list of commands.`);
        return 2;
      }
      cli.outputHelp();
      return 0;
    }
    if (cli.options.help) return 0;
    await cli.runMatchedCommand();
    return (await result) ?? 0;
  } catch (err) {
    if (err instanceof HfCoreError) {
      io.stderr(`hf-core: ${formatError(err)}`);
      return err.exitCode;
    }
    if (err instanceof Error && err.name === 'CACError') {
      io.stderr(`hf-core: ${err.message}. Run \`hf-core ${cli.matchedCommandName ?? ''} --help\`.`.replace('  ', ' '));
      return 2;
    }
    io.stderr(`hf-core: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 1;
  }
}
