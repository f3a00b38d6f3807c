/**
 * The whole Hugging Face catalog on the pytorch reference backend: every type transformers
 * lists, built from a tiny config and checked in PyTorch; each passing type exported to ONNX and
 * held to PyTorch on the cpu backend (onnxruntime-node). Prints the numbers and writes
 * OUT/results.jsonl and OUT/report.md; ends with `N passed, N failed` (skips are neither).
 *
 *   pnpm coverage:pytorch                        # every transformers type of the catalog
 *   HF_CORE_COVERAGE_TYPES=bert,gpt2 pnpm coverage:pytorch
 *   HF_CORE_COVERAGE_TYPES_FILE=scripts/pytorch-catalog-420.txt pnpm coverage:pytorch   # one type a line
 *
 * scripts/pytorch-catalog-420.txt: the 420 transformers types of the catalog when issue 15 was
 * filed (its target: >= 380 pass); the catalog now follows transformers 5.18.0 with its sub-config
 * types too (749).
 *
 * Speed: `hf-core run --plugins <family>,pytorch` gives each model its own test process (vitest
 * plus a fresh Python importing torch, seconds each). Here each type runs in a child forked from
 * a worker that imported torch and transformers once (same checks, same time limit and memory
 * cap, a crash is that type's crash), HF_CORE_TORCH_WORKERS workers side by side (default 2).
 * HF_CORE_COVERAGE_OUT sets the output root (default /tmp/hf-core-coverage); the family runs of
 * `pnpm coverage:catalog` found there give the transformers.js level column.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { listEntries } from '@hf-core/catalog';
import { type BackendEngine, HfCore, loadPlugin, type RunSummary } from '@hf-core/core';
import {
  compareCase,
  detectTorch,
  type ReferenceResult,
  readReferenceFile,
  TorchWorker,
} from '@hf-core/plugin-pytorch';

const root = process.env.HF_CORE_COVERAGE_OUT ?? '/tmp/hf-core-coverage';
const out = join(root, 'pytorch');
const WORKERS = Number(process.env.HF_CORE_TORCH_WORKERS ?? 2);
const LIMITS = { timeoutMs: Number(process.env.HF_CORE_TORCH_TIMEOUT_MS ?? 120_000), memoryCapMb: 4096 };

interface Row {
  type: string;
  family: string;
  reference: ReferenceResult;
  parity?: { status: 'pass' | 'fail'; message: string; maxAbsDiff?: number };
}

async function cpuEngine(): Promise<BackendEngine> {
  const core = new HfCore();
  await core.use((await loadPlugin('cpu', [fileURLToPath(new URL('.', import.meta.url))])).plugin);
  const mod = (await import(pathToFileURL(core.backends.get('cpu')!.engineModule).href)) as {
    default: () => BackendEngine;
  };
  return mod.default();
}

async function parityOnCpu(cpu: BackendEngine, dir: string): Promise<NonNullable<Row['parity']>> {
  try {
    const ref = readReferenceFile(dir);
    let worst = 0;
    for (const c of ref.cases) {
      const session = await cpu.createSession(join(dir, c.file));
      try {
        worst = Math.max(worst, (await compareCase(session, c, ref.dtype)).maxAbsDiff);
      } finally {
        await session.release();
      }
    }
    return { status: 'pass', message: 'ok', maxAbsDiff: worst };
  } catch (err) {
    return {
      status: 'fail',
      message: (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300),
    };
  }
}

/** The transformers.js level each type reached in the family runs found under the output root. */
function familyLevels(): Map<string, 'pipeline' | 'session'> {
  const levels = new Map<string, 'pipeline' | 'session'>();
  for (const family of ['encoder', 'decoder', 'encoder-decoder', 'vision', 'speech', 'multimodal', 'other']) {
    const file = join(root, family, 'summary.json');
    if (!existsSync(file)) continue;
    const summary = JSON.parse(readFileSync(file, 'utf8')) as RunSummary;
    for (const r of summary.results) {
      if (r.status !== 'pass' || !r.modelType || !r.level || r.level === 'reference') continue;
      if (levels.get(r.modelType) !== 'pipeline') levels.set(r.modelType, r.level);
    }
  }
  return levels;
}

/** CPU seconds of a process and of the children it waited for (the forked types), from /proc. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return 0;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
};

export default async function main(): Promise<number> {
  const detection = await detectTorch('cpu');
  if (!detection.available) {
    console.log(`pytorch catalog: not run: ${detection.reason}`);
    console.log('0 passed, 0 failed');
    return 1;
  }
  const list = process.env.HF_CORE_COVERAGE_TYPES_FILE;
  const only = (
    list ? readFileSync(list, 'utf8').split(/\s+/) : process.env.HF_CORE_COVERAGE_TYPES?.split(',')
  )?.filter(Boolean);
  const entries = listEntries().filter(
    (e) => (e.sources ?? []).includes('transformers') && (!only || only.includes(e.modelType)),
  );
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'exports'), { recursive: true });
  console.log(`pytorch catalog: ${entries.length} types, ${WORKERS} workers, ${JSON.stringify(detection.versions)}`);
  const cpu = await cpuEngine();
  const t0 = Date.now();
  const rows: Row[] = [];
  const queue = [...entries];
  const workers: TorchWorker[] = [];
  const lane = async () => {
    let worker = new TorchWorker();
    workers.push(worker);
    await worker.prewarm();
    for (let e = queue.shift(); e; e = queue.shift()) {
      const dir = join(out, 'exports', e.modelType);
      let reference: ReferenceResult;
      try {
        reference = await worker.reference({
          modelType: e.modelType,
          measure: { warmup: 1, runs: 5, ms: 20 },
          export: dir,
          fork: LIMITS,
        });
      } catch (err) {
        // A request that raised outside the checks is that type's error; a worker that died is a
        // crash, and a new worker takes over.
        const alive = worker.alive;
        reference = {
          modelType: e.modelType,
          status: alive ? 'error' : 'crash',
          reason: String(err),
          checks: [],
          metrics: {},
        };
        if (!alive) {
          worker = new TorchWorker();
          workers.push(worker);
          await worker.prewarm();
        }
      }
      const row: Row = { type: e.modelType, family: e.family, reference };
      if (reference.export?.status === 'pass') row.parity = await parityOnCpu(cpu, dir);
      rows.push(row);
      const p = row.parity ? ` parity ${row.parity.status}` : '';
      console.log(
        `[${rows.length}/${entries.length}] ${reference.status.toUpperCase().padEnd(7)} ${e.modelType} ${reference.durationMs ?? '-'}ms${p}${reference.reason ? ` - ${reference.reason.slice(0, 160)}` : ''}`,
      );
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, lane));
  const wallS = (Date.now() - t0) / 1000;
  const cpuS = workers.reduce((s, w) => s + cpuSeconds(w.pid), 0) + process.cpuUsage().user / 1e6;
  for (const w of workers) w.close();
  rows.sort((a, b) => a.type.localeCompare(b.type));
  writeFileSync(join(out, 'results.jsonl'), `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);

  const levels = familyLevels();
  const by = (s: string) => rows.filter((r) => r.reference.status === s);
  const passed = by('pass');
  const failed = rows.filter((r) => !['pass', 'skip'].includes(r.reference.status));
  const exported = rows.filter((r) => r.reference.export?.status === 'pass');
  const parity = rows.filter((r) => r.parity?.status === 'pass');
  const session = new Set([...parity.map((r) => r.type), ...[...levels.keys()]]);
  const pipeline = [...levels].filter(([, l]) => l === 'pipeline').map(([t]) => t);
  const working = new Set([...passed.map((r) => r.type), ...session]);
  const lines = [
    '| type | family | reference (pytorch cpu) | export | ORT parity (cpu) | transformers.js level |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows
      .map((r) =>
        [
          r.type,
          r.family,
          r.reference.status +
            (r.reference.status === 'pass' ? '' : `: ${r.reference.reason.replace(/\|/g, '/').slice(0, 140)}`),
          r.reference.export?.status ?? '-',
          r.parity
            ? `${r.parity.status}${r.parity.maxAbsDiff !== undefined ? ` (${r.parity.maxAbsDiff.toExponential(1)})` : ''}`
            : '-',
          levels.get(r.type) ?? '-',
        ].join(' | '),
      )
      .map((l) => `| ${l} |`),
  ];
  const families = [...new Set(rows.map((r) => r.family))].sort();
  const familyTable = [
    '| family | types | reference pass | skip | exported | ORT parity <= 1e-4 (cpu) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...families.map((f) => {
      const of = rows.filter((r) => r.family === f);
      const n = (pred: (r: Row) => boolean) => of.filter(pred).length;
      return `| ${f} | ${of.length} | ${n((r) => r.reference.status === 'pass')} | ${n((r) => r.reference.status === 'skip')} | ${n((r) => r.reference.export?.status === 'pass')} | ${n((r) => r.parity?.status === 'pass')} |`;
    }),
  ];
  writeFileSync(join(out, 'report.md'), `${familyTable.join('\n')}\n\n${lines.join('\n')}\n`);
  console.log(`\n${familyTable.join('\n')}`);
  const ms = rows.map((r) => r.reference.durationMs ?? 0).filter((x) => x > 0);
  const cpuMs = rows.map((r) => r.reference.cpuMs ?? 0).filter((x) => x > 0);
  console.log(
    `\nreference (pytorch cpu): ${passed.length} of ${rows.length} pass, ${by('fail').length} fail, ` +
      `${by('error').length} error, ${by('crash').length + by('timeout').length + by('oom').length} crash/timeout/oom, ${by('skip').length} skip`,
  );
  const skipReasons = new Map<string, string[]>();
  for (const r of by('skip')) {
    const k = r.reference.reason.replace(/'[^']*'/g, "'…'").slice(0, 90);
    skipReasons.set(k, [...(skipReasons.get(k) ?? []), r.type]);
  }
  for (const [reason, types] of skipReasons) console.log(`  skip (${types.length}): ${reason} [${types.join(', ')}]`);
  console.log(`export: ${exported.length} exported, ${parity.length} pass ORT parity <= 1e-4 fp32 on cpu`);
  console.log(
    `types with a working test: ${working.size} of ${rows.length} (reference ${passed.length}, ONNX session ${session.size}, transformers.js pipeline ${pipeline.length}${levels.size ? '' : `; no family coverage found under ${root}`}); ${passed.length + session.size + pipeline.length} type-levels`,
  );
  console.log(
    `time: ${wallS.toFixed(0)} s wall, ${cpuS.toFixed(0)} s CPU (workers + forked types + this process), median per type ${(median(ms) / 1000).toFixed(2)} s wall, ${(median(cpuMs) / 1000).toFixed(2)} s CPU (the forked child: build, checks, export); load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} (shared machine)`,
  );
  console.log(`table: ${join(out, 'report.md')}`);
  console.log(`\n${passed.length} passed, ${failed.length} failed`);
  return failed.length ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = await main();
