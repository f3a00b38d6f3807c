import { HfCore, installedPlugins, loadPlugin, packageReadme, pluginCandidates, type Detection } from '@hf-core/core';
import type { CommandModule } from '../context.ts';
import { pluginSearchDirs, splitList, stderrLogger, type CliIO } from '../context.ts';
import { table } from './classify.ts';

/** The published backend plugins: `doctor` lists them first, and says how to install those missing. */
export const DOCTOR_BACKENDS = ['cpu', 'wasm', 'cuda', 'webgpu', 'openvino', 'pytorch'];

interface DoctorOptions {
  json?: boolean;
  plugins?: string | string[];
}

export interface DoctorRow extends Detection {
  backend: string;
}

/**
 * Loads each plugin on its own (one that does not load is a row saying why, not an abort), then
 * asks every backend it registers whether it can run here.
 */
export async function doctorRows(specs: string[], io: CliIO, named = true): Promise<DoctorRow[]> {
  const core = new HfCore({ logger: stderrLogger(io) });
  const rows: DoctorRow[] = [];
  for (const spec of specs) {
    const before = new Set(core.backends.keys());
    try {
      const loaded = await loadPlugin(spec, pluginSearchDirs(io.cwd, io.env));
      await core.use(loaded.plugin);
    } catch (err) {
      rows.push({
        backend: spec,
        available: false,
        reason: `plugin did not load: ${err instanceof Error ? err.message : String(err)}`,
        versions: {},
      });
      continue;
    }
    const added = [...core.backends.values()].filter((b) => !before.has(b.name));
    if (!added.length && named) io.stderr(`hf-core doctor: plugin "${spec}" registers no backend; nothing to check.`);
    for (const b of added) {
      try {
        rows.push({ backend: b.name, ...(await b.detect()) });
      } catch (err) {
        rows.push({
          backend: b.name,
          available: false,
          reason: `detection threw: ${err instanceof Error ? err.message : String(err)}`,
          versions: {},
        });
      }
    }
  }
  return rows;
}

const versionsText = (v: Record<string, string>) =>
  Object.entries(v)
    .map(([k, x]) => `${k} ${x}`)
    .join(', ') || '-';

/** A published backend that is not installed here: a row saying how to add it. */
const notInstalled = (backend: string): DoctorRow => {
  const pkg = pluginCandidates(backend)[0]!;
  return {
    backend,
    available: false,
    reason: `not installed. Add it with \`npm i -D ${pkg}\`; ${packageReadme(pkg)} says what it needs to run.`,
    versions: {},
  };
};

/**
 * With --plugins: those. Without: every installed plugin (the published backends first, in their
 * order), skipping the ones that register no backend, plus a row for each published backend that
 * is not installed.
 */
async function doctorAll(options: DoctorOptions, io: CliIO): Promise<DoctorRow[]> {
  const named = splitList(options.plugins);
  if (named) return doctorRows(named, io);
  const installed = installedPlugins(pluginSearchDirs(io.cwd, io.env));
  const known = DOCTOR_BACKENDS.filter((b) => installed.includes(b));
  const rows = await doctorRows([...known, ...installed.filter((p) => !known.includes(p))], io, false);
  return [...rows, ...DOCTOR_BACKENDS.filter((b) => !installed.includes(b)).map(notInstalled)];
}

async function doctor(options: DoctorOptions, io: CliIO): Promise<number> {
  const rows = await doctorAll(options, io);
  if (options.json) {
    io.stdout(
      JSON.stringify(
        rows.map((r) => ({ backend: r.backend, available: r.available, reason: r.reason, versions: r.versions })),
        null,
        2,
      ),
    );
  } else {
    io.stdout(
      table(
        ['BACKEND', 'AVAILABLE', 'VERSIONS', 'REASON'],
        rows.map((r) => [r.backend, r.available ? 'yes' : 'no', versionsText(r.versions), r.reason]),
      ),
    );
    const n = rows.filter((r) => r.available).length;
    io.stdout(
      `\n${n} of ${rows.length} backend(s) can run here. Runs on the others are reported as skip with the reason above.`,
    );
  }
  return 0;
}

const command: CommandModule = {
  register(cli, io, done) {
    cli
      .command('doctor', 'Say which hardware backends can run here, and why not')
      .usage(
        'doctor [options]\n\n' +
          'Loads each backend plugin and runs its detection: is the runtime installed, does it load, and\n' +
          '(for cuda and webgpu) does a tiny model really run on the device. A backend that cannot run\n' +
          'says why and how to enable it; `hf-core run` reports its results as skip with that reason.\n' +
          'Checks every installed backend plugin unless --plugins names others, and says how to install\n' +
          `the published ones that are missing (${DOCTOR_BACKENDS.join(', ')}). Always exits 0: an\n` +
          'unavailable backend is information, not an error.',
      )
      .option('--json', 'Print a JSON array, one object per backend: backend, available, reason, versions')
      .option('--plugins <names>', 'Backend plugins to check, comma-separated (default: every installed one)')
      .example('  hf-core doctor')
      .example('  hf-core doctor --json')
      .example('  hf-core doctor --plugins cpu,cuda')
      .example('  hf-core doctor --plugins ./my-backend-plugin.js')
      .action((options: DoctorOptions) => done(doctor(options, io)));
  },
};
export default command;
