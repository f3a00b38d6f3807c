// `pnpm fuzz`: a few hundred broken or hostile model folders (scripts/fuzz/mutations.ts over the
// real exports, the torch-export corpus and synthesized folders), each through `hf-core classify`,
// `generate` and `run` as a user runs them. Prints a table (mutation kind x stage -> statuses),
// every failure of hf-core itself (a crash or hang of the run, a read outside a folder, a write
// into one), and the closing line `N passed, N failed` (a folder fails on any such failure).
//
//   pnpm fuzz [--seed 7] [--count 300] [--kinds onnx-bitflip,deep-json] [--stages classify,run]
//             [--timeout 60000] [--batch 20] [--no-strace] [--keep]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildCorpus, type BrokenFolder } from './corpus.ts';
import { Driver, namesAFile, STAGES, straceAvailable, type Stage, type StageOutcome } from './driver.ts';

const { values: flags } = parseArgs({
  options: {
    seed: { type: 'string', default: '7' },
    count: { type: 'string', default: '300' },
    kinds: { type: 'string' },
    stages: { type: 'string' },
    timeout: { type: 'string', default: '60000' },
    batch: { type: 'string', default: '20' },
    'no-strace': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});

const stages = (flags.stages?.split(',') ?? [...STAGES]) as Stage[];
const work = mkdtempSync(join(tmpdir(), 'hf-core-fuzz-'));
const strace = !flags['no-strace'] && straceAvailable();
const t0 = performance.now();
const folders = await buildCorpus(work, {
  seed: Number(flags.seed),
  count: Number(flags.count),
  kinds: flags.kinds?.split(','),
});
console.log(
  `fuzz: ${folders.length} broken folders (seed ${flags.seed}) in ${work}; stages ${stages.join(', ')}; ` +
    `reads outside checked by fifo canaries${strace ? ' and strace' : flags['no-strace'] ? ' (--no-strace: fifos only)' : ' (strace not installed: fifos only)'}`,
);

const driver = new Driver({ work, timeoutMs: Number(flags.timeout), strace });
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    driver.stop();
    process.exit(130);
  });
const outcomes = new Map<string, Partial<Record<Stage, StageOutcome>>>(folders.map((f) => [f.id, {}]));
try {
  for (const stage of stages) {
    const size = stage === 'run' ? Number(flags.batch) : 60;
    for (let i = 0; i < folders.length; i += size) {
      const batch = folders.slice(i, i + size);
      const s0 = performance.now();
      for (const [id, o] of await driver.stage(stage, batch)) outcomes.get(id)![stage] = o;
      console.log(`  ${stage} ${i + batch.length}/${folders.length} (${Math.round(performance.now() - s0)} ms)`);
    }
  }
} finally {
  driver.stop();
}
const traced = driver.straceFindings(folders);

// The table: mutation kind x stage -> count of each status.
const kinds = [...new Set(folders.map((f) => f.kind))];
const cell = (fs: BrokenFolder[], stage: Stage) => {
  const counts = new Map<string, number>();
  for (const f of fs) {
    const s = outcomes.get(f.id)![stage]?.status ?? '-';
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
};
const rows = kinds.map((k) => {
  const fs = folders.filter((f) => f.kind === k);
  return [`${k} (${fs.length})`, ...stages.map((s) => cell(fs, s))];
});
const head = ['mutation (folders)', ...stages];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
console.log(`\n${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}`);
for (const r of rows) console.log(line(r));

// Failures of hf-core itself, and rows that do not name the file.
const NAMED_STATUSES = new Set(['error', 'fail', 'unclaimed', 'failed']);
let failed = 0;
const unnamed: string[] = [];
const report: Record<string, unknown>[] = [];
for (const f of folders) {
  const o = outcomes.get(f.id)!;
  const problems = [
    ...stages.flatMap((s) => (o[s]?.problems ?? []).map((p) => `${s}: ${p}`)),
    ...(traced.get(f.id) ?? []),
  ];
  for (const s of stages) {
    const x = o[s];
    if (x && NAMED_STATUSES.has(x.status) && !namesAFile(x.reason, f.dir))
      unnamed.push(`${f.id} ${s} ${x.status}: ${x.reason}`);
  }
  if (problems.length) {
    failed++;
    console.log(`\nFAIL ${f.id} (${f.base}: ${f.note})`);
    for (const p of problems.slice(0, 6)) console.log(`  ${p.slice(0, 500)}`);
  }
  report.push({ ...f, outcomes: o, problems });
}
if (unnamed.length) {
  console.log(`\n${unnamed.length} error/fail row(s) whose reason names no file:`);
  for (const u of unnamed.slice(0, 20)) console.log(`  ${u.slice(0, 300)}`);
}
writeFileSync(join(work, 'fuzz-report.json'), JSON.stringify(report, null, 1));
console.log(
  `\nfuzz: ${folders.length} folders in ${Math.round((performance.now() - t0) / 1000)} s; report ${join(work, 'fuzz-report.json')}`,
);
if (!flags.keep && !failed) rmSync(work, { recursive: true, force: true });
console.log(`\n${folders.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
