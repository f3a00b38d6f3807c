import { relative } from 'node:path';
import { fixFiles, fixPlugins, formatDiagnostic, type FileFixResult } from '@hf-core/fix';
import { HfCore } from '@hf-core/core';
import type { CommandModule } from '../context.ts';
import { pluginSearchDirs, stderrLogger, type CliIO } from '../context.ts';

interface FixFlags {
  check?: boolean;
  json?: boolean;
}

/** A path as the user would type it from here: relative below the working directory, else absolute. */
function shown(cwd: string, file: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') ? rel : file;
}

/** Short pass names for people: `hf-core:fix:imports` -> `imports`. */
const short = (pass: string) => pass.replace(/^hf-core:fix:/, '');

function describeResult(r: FileFixResult, cwd: string, check: boolean): string[] {
  const name = shown(cwd, r.file);
  const lines: string[] = [];
  if (r.diagnostics.length) {
    const where = r.changed ? ' (not written; lines are those of the fixed text)' : '';
    lines.push(`✗ ${name}: ${r.diagnostics.length} error${r.diagnostics.length === 1 ? '' : 's'}${where}`);
    for (const d of r.diagnostics)
      lines.push(`    ${formatDiagnostic({ ...d, file: shown(cwd, d.file), pass: short(d.pass) })}`);
  } else if (r.changed) {
    lines.push(`${check ? '~ would fix' : '✓ fixed'} ${name} (${r.changedBy.map(short).join(', ')})`);
  } else {
    lines.push(`✓ ${name}: nothing to do`);
  }
  return lines;
}

async function runFix(files: string[], flags: FixFlags, io: CliIO): Promise<number> {
  if (!files.length) {
    io.stderr('hf-core fix: name the test files or globs to fix, e.g. `hf-core fix "out/tests/**/*.test.ts"`.');
    return 2;
  }
  const t0 = performance.now();
  const core = new HfCore({ logger: stderrLogger(io) });
  // Packages are looked up like plugins are: the user's project first, then hf-core's install
  // (which has the harness and every built-in family's checks).
  for (const plugin of fixPlugins({ resolveFrom: pluginSearchDirs(io.cwd) })) await core.use(plugin);
  const check = flags.check === true;
  const results = await fixFiles(core, files, { check, cwd: io.cwd });
  const ms = Math.round(performance.now() - t0);
  const withErrors = results.filter((r) => r.diagnostics.length).length;
  const changed = results.filter((r) => r.changed && !r.diagnostics.length).length;
  if (flags.json) {
    io.stdout(JSON.stringify({ check, ms, results }, null, 2));
  } else {
    for (const r of results) for (const line of describeResult(r, io.cwd, check)) io.stdout(line);
    const verb = check ? 'would change' : 'fixed';
    io.stdout(
      `${results.length} file${results.length === 1 ? '' : 's'}: ${changed} ${verb}, ${withErrors} with errors, ${results.length - changed - withErrors} unchanged (${ms} ms)`,
    );
    if (check && (changed || withErrors)) io.stdout('Run `hf-core fix` without --check to apply the changes.');
  }
  if (withErrors) return 1;
  return check && changed ? 1 : 0;
}

const command: CommandModule = {
  register(cli, io, done) {
    cli
      .command('fix [...files]', 'Format, migrate and type-check generated tests (files or globs)')
      .option('--check', 'Change nothing; exit 1 when a file would change or has errors')
      .option('--json', 'Print the per-file results as JSON')
      .example('  hf-core fix "out/tests/**/*.test.ts"     # fix every generated test in place')
      .example('  hf-core fix out/tests/bert.test.ts --check   # CI: exit 1 if it is not what fix would write')
      .example(
        '  hf-core fix "out/**/*.test.ts" --check --json   # machine-readable: changedBy and diagnostics per file',
      )
      .example(
        '\nWhat fix does, in order: migrate code written for an older template version (the\n' +
          '`// hf-core:template-version N` header), keep `// hf-core:keep-start <name>` ... `keep-end` regions\n' +
          'as they are, add missing vitest/harness imports and drop unused ones, re-indent, and type-check\n' +
          'against the installed harness. A file with type errors is never written; each error names\n' +
          'file:line:column. Exit codes: 0 nothing to do / fixed, 1 errors (or changes with --check), 2 usage.',
      )
      .action((files: string[], flags: FixFlags) => done(runFix(files, flags, io)));
  },
};
export default command;
