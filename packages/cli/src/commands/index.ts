import type { CommandModule } from '../context.ts';

/** A command: its name, its one-line summary for `hf-core --help`, and its module, loaded only to run it. */
export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<{ default: CommandModule }>;
}

/**
 * Every command, one line each, in the order `hf-core --help` lists them. Each lives in its own
 * file, whose `cli.command(...)` description is this summary (commands.test.ts holds them equal).
 */
// biome-ignore format: one line per command, so that adding one is a one-line change that merges trivially
export const COMMANDS: CommandEntry[] = [
  { name: 'run', summary: "Generate and run each model's test on each backend; write results and reports", load: () => import('./run.ts') },
  { name: 'generate', summary: 'Write the vitest test (and tiny model) of each model, fixed and type-checked', load: () => import('./generate.ts') },
  { name: 'classify', summary: 'Say what each model is: model type, family, tasks, transformers.js support', load: () => import('./classify.ts') },
  { name: 'catalog', summary: 'List every model type, or compare the catalog with a transformers release (list | sync | diff)', load: () => import('./catalog.ts') },
  { name: 'fix', summary: 'Format, migrate and type-check generated tests (files or globs)', load: () => import('./fix.ts') },
  { name: 'report', summary: 'Rewrite the reports and dashboard from run folders; merge shards', load: () => import('./report.ts') },
  { name: 'plugins', summary: 'List installed plugins: which families and model types, which backends', load: () => import('./plugins.ts') },
  { name: 'plugin', summary: 'Scaffold a plugin package that works at once (plugin new <name> --family | --backend)', load: () => import('./plugin-new.ts') },
  { name: 'history', summary: 'Trends and regressions across runs from a history file; merge histories', load: () => import('./history.ts') },
  { name: 'ci', summary: 'Write CI workflows and hooks for your project (init), or list the models a change touches (changed)', load: () => import('./ci.ts') },
  { name: 'setup', summary: "Make a backend's runtime environment (pytorch: a Python venv with torch and transformers)", load: () => import('./setup.ts') },
  { name: 'export', summary: 'Export the tiny PyTorch model of a type to ONNX, with reference.json of its outputs', load: () => import('./export.ts') },
  { name: 'doctor', summary: 'Say which hardware backends can run here, and why not', load: () => import('./doctor.ts') },
];
