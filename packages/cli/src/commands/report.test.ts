import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHistory, type ModelResult } from '@hf-core/core';
import { main } from '../index.ts';
import type { CliIO } from '../context.ts';

function capture(cwd: string, env: NodeJS.ProcessEnv = {}): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, cwd, env, stdout: (s) => void out.push(s), stderr: (s) => void err.push(s) };
}

const row = (ref: string, started: string): ModelResult => ({
  ref,
  modelType: ref,
  family: 'encoder-only',
  backend: 'cpu',
  status: 'pass',
  reason: '',
  level: 'pipeline',
  checks: [{ name: 'output-shapes', status: 'pass', message: 'ok' }],
  metrics: { latency_ms: { p50: 0.2, p90: 0.3, p95: 0.3, p99: 0.4, mean: 0.2, stdev: 0.05, n: 20 } },
  started_at: started,
  duration_ms: 1000,
});

/** A shard folder as `hf-core run --shard i/n --out` leaves it: results.jsonl and the logs. */
function shard(dir: string, name: string, rows: ModelResult[]): void {
  mkdirSync(join(dir, name, 'logs'), { recursive: true });
  writeFileSync(join(dir, name, 'results.jsonl'), rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  for (const r of rows) {
    writeFileSync(join(dir, name, 'logs', `${r.ref}.cpu.log`), `log of ${r.ref}\n`);
    writeFileSync(join(dir, name, 'logs', `${r.ref}.cpu.records.jsonl`), '{}\n');
  }
}

describe('hf-core report', () => {
  it('merges shards into a folder of their own: rows, logs, dashboard; --history appends the run once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-core-report-'));
    shard(dir, 'shard-1', [row('bert', '2025-03-03T02:00:05.000Z')]);
    shard(dir, 'shard-2', [row('albert', '2025-03-03T02:00:01.000Z'), row('gpt2', '2025-03-03T02:00:09.000Z')]);
    const env = { HF_CORE_RUN_ID: 'nightly-42' };
    const args = ['report', 'shard-1', 'shard-2', '--out', 'merged', '--history', 'h/history.jsonl'];
    expect(await main(args, capture(dir, env))).toBe(0);
    const merged = readFileSync(join(dir, 'merged', 'results.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(merged.map((l) => JSON.parse(l).ref)).toEqual(['bert', 'albert', 'gpt2']);
    expect(readFileSync(join(dir, 'merged', 'logs', 'gpt2.cpu.log'), 'utf8')).toBe('log of gpt2\n');
    const page = readFileSync(join(dir, 'merged', 'dashboard', 'index.html'), 'utf8');
    expect(page.match(/<tr data-m=/g)).toHaveLength(3);
    expect(page).toContain('"log":"../logs/gpt2.cpu.log"');
    const history = readHistory(join(dir, 'h', 'history.jsonl')).entries;
    expect(history.map((e) => `${e.run} ${e.at} ${e.ref}`)).toEqual([
      'nightly-42 2025-03-03T02:00:01.000Z bert',
      'nightly-42 2025-03-03T02:00:01.000Z albert',
      'nightly-42 2025-03-03T02:00:01.000Z gpt2',
    ]);
    // Re-rendering the merged folder appends nothing to any history.
    expect(await main(['report', 'merged'], capture(dir))).toBe(0);
    expect(await main(['report', 'merged', '--reporters', 'html'], capture(dir))).toBe(0);
    expect(readHistory(join(dir, 'h', 'history.jsonl')).entries).toHaveLength(3);
  });

  it('exits 2 naming a folder without results.jsonl', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-core-report-'));
    const io = capture(dir);
    expect(await main(['report', 'nope', '--out', 'x'], io)).toBe(2);
    expect(io.err.join('\n')).toContain(join(dir, 'nope', 'results.jsonl'));
  });
});
