/**
 * `pnpm stress`: the default job under every seed and intra-op thread count asked for (default
 * seeds 1..5 x threads 1,2). A check that is right holds for every seed and on any thread count;
 * a cell that is not `pass` (or the same skip in every cell of its row) is a finding. Prints the
 * table type x seed x threads -> status, the reason of each cell that is not right, and ends with
 * `N passed, N failed` (cells). Exit code 1 when any cell failed. Not part of `pnpm test`.
 *
 *   pnpm stress                                          # every built-in family, seeds 1..5, threads 1,2
 *   pnpm stress --plugins vision,cpu --seeds 1,2 --threads 1
 *   pnpm stress --plugins decoder,cpu --models llama,gpt2 --jobs 2 --out /tmp/stress
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { main } from '@hf-core/cli';
import type { ModelResult } from '@hf-core/core';

const USAGE = `usage: pnpm stress [--plugins p,q] [--models a,b] [--family f] [--seeds 1,2,3,4,5] [--threads 1,2]
                   [--jobs n] [--out dir] [--min-ms ms]`;

const { values } = parseArgs({
  options: {
    plugins: { type: 'string' },
    models: { type: 'string' },
    family: { type: 'string' },
    seeds: { type: 'string', default: '1,2,3,4,5' },
    threads: { type: 'string', default: '1,2' },
    jobs: { type: 'string' },
    out: { type: 'string' },
    'min-ms': { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const list = (s: string, what: string) => {
  const out = s.split(',').map((x) => Number(x.trim()));
  if (!out.length || out.some((n) => !Number.isInteger(n) || n < 0)) {
    console.error(`pnpm stress: --${what} expects whole numbers separated by commas, got "${s}".\n${USAGE}`);
    process.exit(2);
  }
  return out;
};
const seeds = list(values.seeds!, 'seeds');
const threads = list(values.threads!, 'threads');
const base = values.out ? resolve(values.out) : mkdtempSync(join(tmpdir(), 'hf-core-stress-'));

interface Cell {
  seed: number;
  threads: number;
  row?: ModelResult;
}
const columns: Cell[] = seeds.flatMap((seed) => threads.map((t) => ({ seed, threads: t })));
const byType = new Map<string, Map<string, ModelResult>>();
const colName = (c: Cell) => `s${c.seed}/t${c.threads}`;

for (const col of columns) {
  const out = join(base, `seed-${col.seed}-threads-${col.threads}`);
  const argv = ['run', '--out', out, '--seed', String(col.seed), '--threads', String(col.threads), '--quiet'];
  for (const [flag, v] of [
    ['--plugins', values.plugins],
    ['--models', values.models],
    ['--family', values.family],
    ['--jobs', values.jobs],
    ['--min-ms', values['min-ms']],
  ] as const)
    if (v) argv.push(flag, v);
  const t0 = performance.now();
  const lines: string[] = [];
  const code = await main(argv, {
    cwd: process.cwd(),
    env: process.env,
    stdout: () => undefined,
    stderr: (s) => lines.push(s),
  });
  if (code === 2) {
    console.error(lines.join('\n'));
    process.exit(2);
  }
  const rows = readFileSync(join(out, 'results.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ModelResult);
  for (const r of rows) {
    const key = `${r.ref} [${r.backend}]`;
    if (!byType.has(key)) byType.set(key, new Map());
    byType.get(key)!.set(colName(col), r);
  }
  console.log(`${colName(col)}: ${rows.length} rows in ${((performance.now() - t0) / 1000).toFixed(0)} s (${out})`);
}

const SHORT: Record<ModelResult['status'], string> = {
  pass: 'pass',
  skip: 'skip',
  fail: 'FAIL',
  error: 'ERROR',
  crash: 'CRASH',
  timeout: 'TIMEOUT',
  oom: 'OOM',
};
const width = Math.max(4, ...[...byType.keys()].map((k) => k.length));
const cellWidth = Math.max(...columns.map((c) => colName(c).length), 7);
console.log(`\n${'type'.padEnd(width)}  ${columns.map((c) => colName(c).padEnd(cellWidth)).join(' ')}`);
let passed = 0;
let failed = 0;
const findings: string[] = [];
for (const [key, cells] of [...byType].sort(([a], [b]) => a.localeCompare(b))) {
  const rows = columns.map((c) => cells.get(colName(c)));
  // A skip is right when every cell of the row skips for the same reason (e.g. a type not covered).
  const sameSkip = rows.every((r) => r?.status === 'skip' && r.reason === rows[0]?.reason);
  const marks = rows.map((r, i) => {
    const ok = r?.status === 'pass' || (r?.status === 'skip' && sameSkip);
    if (ok) passed += 1;
    else {
      failed += 1;
      findings.push(`${key} ${colName(columns[i]!)}: ${r ? `${r.status}: ${r.reason.slice(0, 300)}` : 'no row'}`);
    }
    return (r ? SHORT[r.status] : 'MISSING').padEnd(cellWidth);
  });
  console.log(`${key.padEnd(width)}  ${marks.join(' ')}`);
}
if (findings.length) console.log(`\nNot right:\n${findings.map((f) => `- ${f}`).join('\n')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
