/**
 * Benchmark: how fast the published CLI (packages/cli/dist, what `npx hf-core` runs) answers
 * `--version`, `--help` and `classify` of one type, each in a fresh Node process. Commands,
 * ts-morph and transformers.js load only when used, so the targets are 0.5 s, 0.5 s and 1 s.
 * Prints the median wall time of 5 runs and the process's own CPU time (user + system, steadier
 * on a busy machine); it does not assert. Needs `pnpm build` first (says so otherwise).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const RUNS = 5;

// Written to stderr by the measured process as it exits: its own CPU time.
const CPU_AT_EXIT =
  'data:text/javascript,process.on("exit",()=>{const u=process.cpuUsage();process.stderr.write("\\nhf-core-bench-cpu-ms "+(u.user+u.system)/1000+"\\n")})';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function measure(args: string[]): { wallMs: number; cpuMs: number; code: number | null } {
  const walls: number[] = [];
  const cpus: number[] = [];
  let code: number | null = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [`--import=${CPU_AT_EXIT}`, BIN, ...args], { encoding: 'utf8' });
    walls.push(performance.now() - t0);
    cpus.push(Number(/hf-core-bench-cpu-ms ([\d.]+)/.exec(r.stderr)?.[1] ?? Number.NaN));
    code = r.status;
  }
  return { wallMs: median(walls), cpuMs: median(cpus), code };
}

export default async function startupBench(): Promise<void> {
  if (!existsSync(BIN)) {
    console.log(`skipped: ${BIN} is not built; run \`pnpm build\` first (the published CLI is what this measures)`);
    return;
  }
  const cases: [string, string[], number][] = [
    ['hf-core --version', ['--version'], 500],
    ['hf-core --help', ['--help'], 500],
    ['hf-core classify bert', ['classify', 'bert'], 1000],
  ];
  for (const [label, args, targetMs] of cases) {
    const m = measure(args);
    console.log(
      `${label.padEnd(24)} ${m.wallMs.toFixed(0).padStart(5)} ms wall (median of ${RUNS}), ` +
        `${m.cpuMs.toFixed(0).padStart(5)} ms CPU; target under ${targetMs} ms (exit ${m.code})`,
    );
  }
}
