import type { CommandModule } from '../index.ts';

/** Every command, in the order `--help` lists them. Each lives in its own file. */
export const COMMANDS: CommandModule[] = [];
