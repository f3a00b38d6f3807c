import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Processes still running a test of the run in `outDir` (their command line names its vitest config). */
export function testProcessesOf(outDir: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(join(outDir, 'vitest.config.mjs')))
        out.push(Number(pid));
    } catch {
      // exited while we looked
    }
  }
  return out;
}
