/**
 * Benchmark: `hf-core generate --all` over the whole catalog (one test per type, every file
 * type-checked), cold (every tiny model synthesized) and warm (models reused, tests regenerated
 * through the fix chain with their keep regions). The goal is the whole catalog in under 15 s on
 * 2 cores. Prints wall time and CPU time; it does not assert.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '@hf-core/cli';

async function timed(label: string, out: string): Promise<void> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const quietIO = { cwd: process.cwd(), env: process.env, stdout: () => {}, stderr: () => {} };
  const code = await main(['generate', '--all', '--out', out, '--quiet'], quietIO);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const files = readdirSync(join(out, 'tests')).length;
  console.log(
    `${label}: ${files} test files in ${wall.toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU (exit ${code}); target under 15 s`,
  );
}

export default async function generateBench(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'hf-core-bench-generate-'));
  await timed('generate --all, cold (synthesize every model)', out);
  await timed('generate --all, warm (models reused)', out);
}
