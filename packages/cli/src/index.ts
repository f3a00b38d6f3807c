import { cac } from 'cac';
import { type CliIO, processIO } from './context.ts';
import { COMMANDS } from './commands/index.ts';
import { VERSION } from './version.ts';

export { VERSION } from './version.ts';
export { type CliIO, type CommandModule, processIO } from './context.ts';

/** The command argv names (its first word), read without knowing any command's options. */
function commandName(argv: string[]): string | undefined {
  const first = cac('hf-core').parse(['node', 'hf-core', ...argv], { run: false }).args[0];
  return first === undefined ? undefined : String(first);
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

/**
 * Runs the hf-core CLI on `argv` (without node and script); resolves to the exit code. Only the
 * command that runs is loaded: `--version` and `--help` load none, so they answer at once.
 */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const cli = cac('hf-core');
  let result: Promise<number> | number | undefined;
  const done = (code: Promise<number> | number) => {
    result = code;
  };
  try {
    const args = negativeValues(argv);
    const name = commandName(args);
    const entry = COMMANDS.find((c) => c.name === name);
    if (entry) (await entry.load()).default.register(cli, io, done);
    // The list of commands for `hf-core --help`: names and summaries, no module loaded.
    else for (const c of COMMANDS) cli.command(c.name, c.summary);
    cli.help();
    cli.version(VERSION);
    cli.usage(
      '<command> [options]\n\n' +
        'Generates, runs and measures a test for each Hugging Face model architecture on each\n' +
        'hardware backend. Offline by default: tiny models are synthesized locally.\n\n' +
        'Start with `hf-core run` (every installed plugin) or `hf-core <command> --help`.',
    );
    cli.parse(['node', 'hf-core', ...args], { run: false });
    if (!entry) {
      if (cli.options.help || cli.options.version) return 0;
      if (name !== undefined) {
        io.stderr(`Unknown command "${name}". Run \`hf-core --help\` for the list of commands.`);
        return 2;
      }
      cli.outputHelp();
      return 0;
    }
    if (cli.options.help) return 0;
    await cli.runMatchedCommand();
    return (await result) ?? 0;
  } catch (err) {
    // Loaded here, not at the top: core is loaded by then whenever a command threw one of its errors.
    const { formatError, HfCoreError } = await import('@hf-core/core');
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
