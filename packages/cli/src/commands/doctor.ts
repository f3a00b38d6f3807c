import { HfCore, loadPlugin, type Detection } from '@hf-core/core';
import type { CommandModule } from '../index.ts';
import { pluginSearchDirs, splitList, stderrLogger, type CliIO } from '../context.ts';
import { table } from './classify.ts';

/** Backend plugins `doctor` checks when --plugins is not given. */
export const DOCTOR_BACKENDS = ['cpu', 'wasm', 'cuda', 'webgpu', 'openvino', 'browser-wasm', 'browser-webgpu'];

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
export async function doctorRows(specs: string[], io: CliIO): Promise<DoctorRow[]> {
  const core = new HfCore({ logger: stderrLogger(io) });
  const rows: DoctorRow[] = [];
  for (const spec of specs) {
    const before = new Set(core.backends.keys());
    try {
      const loaded = await loadPlugin(spec, pluginSearchDirs(io.cwd));
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
    if (!added.length) io.stderr(`hf-core doctor: plugin "${spec}" registers no backend; nothing to check.`);
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

async function doctor(options: DoctorOptions, io: CliIO): Promise<number> {
  const rows = await doctorRows(splitList(options.plugins) ?? DOCTOR_BACKENDS, io);
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
          '(for cuda and webgpu) does a tiny model really run on the device. The browser backends start\n' +
          'Chromium and show its WebGPU adapter (vendor, architecture, whether it is a software fallback\n' +
          'such as SwiftShader, whose numbers are not GPU numbers). A backend that cannot run\n' +
          'says why and how to enable it; `hf-core run` reports its results as skip with that reason.\n' +
          `Checks ${DOCTOR_BACKENDS.join(', ')} unless --plugins names others. Always exits 0: an\n` +
          'unavailable backend is information, not an error.',
      )
      .option('--json', 'Print a JSON array, one object per backend: backend, available, reason, versions')
      .option('--plugins <names>', `Backend plugins to check, comma-separated (default: ${DOCTOR_BACKENDS.join(',')})`)
      .example('  hf-core doctor')
      .example('  hf-core doctor --json')
      .example('  hf-core doctor --plugins cpu,cuda')
      .example('  hf-core doctor --plugins ./my-backend-plugin.js')
      .action((options: DoctorOptions) => done(doctor(options, io)));
  },
};
export default command;
