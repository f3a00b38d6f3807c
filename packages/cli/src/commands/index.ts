import type { CommandModule } from '../index.ts';
import run from './run.ts';
import generate from './generate.ts';
import classify from './classify.ts';
import catalog from './catalog.ts';
import fix from './fix.ts';
import report from './report.ts';
import plugins from './plugins.ts';
import doctor from './doctor.ts';
import setup from './setup.ts';
import exportCommand from './export.ts';

/** Every command, in the order `--help` lists them. Each lives in its own file. */
export const COMMANDS: CommandModule[] = [
  run,
  generate,
  classify,
  catalog,
  fix,
  report,
  plugins,
  doctor,
  setup,
  exportCommand,
];
