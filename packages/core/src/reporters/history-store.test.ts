import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  appendHistory,
  HISTORY_FORMAT,
  mergeHistories,
  parseHistory,
  readHistory,
  type HistoryEntry,
} from './history-store.ts';

const row = (run: string, ref: string, extra: Partial<HistoryEntry> = {}): HistoryEntry => ({
  v: HISTORY_FORMAT,
  run,
  at: run,
  ref,
  backend: 'cpu',
  status: 'pass',
  level: 'pipeline',
  p50_ms: 1,
  ...extra,
});
const line = (e: object) => `${JSON.stringify(e)}\n`;
const tmp = () => mkdtempSync(join(tmpdir(), 'hf-core-history-'));

describe('history file', () => {
  it('names each unreadable line by file and number, skips it, and keeps every other row', () => {
    const text = [
      line(row('r1', 'bert')),
      '{"run":"r1","ref":"gpt2","backend":"cpu","status":"pa\n', // a corrupt line
      line({ ...row('r2', 'bert'), v: HISTORY_FORMAT + 1, shiny: true }), // from a newer hf-core
      line({ run: 'r2', ref: 'vit', status: 'pass' }), // no backend
      line({ ...row('r2', 'clip'), status: 'great' }),
      line(row('r2', 'gpt2')),
      '{"run":"r3","ref":"be', // torn last line: a writer died mid-line
    ].join('');
    const { entries, warnings } = parseHistory(text, 'h.jsonl');
    expect(entries.map((e) => `${e.run} ${e.ref}`)).toEqual(['r1 bert', 'r2 gpt2']);
    expect(warnings.map((w) => `${w.file}:${w.line}: ${w.message.split(':')[0]!.split(' (')[0]}`)).toEqual([
      'h.jsonl:2: not JSON',
      'h.jsonl:3: written by a newer hf-core',
      'h.jsonl:4: field "backend" is missing or not a string',
      'h.jsonl:5: field "status" is "great", not a result status',
      'h.jsonl:7: an unfinished last line',
    ]);
    expect(warnings[1]!.message).toContain('Upgrade hf-core');
  });

  it('reads lines written before the format was numbered as format 1', () => {
    const old = {
      run: '2025-01-01T00:00:00Z',
      ref: 'bert',
      backend: 'cpu',
      status: 'pass',
      level: 'pipeline',
      p50_ms: 0.2,
    };
    expect(parseHistory(line(old), 'old.jsonl')).toEqual({ entries: [old], warnings: [] });
  });

  it('closes a line torn by a killed writer before appending, so no new row is swallowed', () => {
    const file = join(tmp(), 'history.jsonl');
    writeFileSync(file, `${line(row('r1', 'bert'))}{"run":"r1","ref":"gp`);
    appendHistory(file, [row('r2', 'bert'), row('r2', 'gpt2')]);
    const { entries, warnings } = readHistory(file);
    expect(entries.map((e) => `${e.run} ${e.ref}`)).toEqual(['r1 bert', 'r2 bert', 'r2 gpt2']);
    expect(warnings.map((w) => w.line)).toEqual([2]);
    // The file is only ever appended to: the unreadable line is still there for a newer reader.
    expect(readFileSync(file, 'utf8')).toContain('{"run":"r1","ref":"gp\n');
  });

  it('loses no row when four processes append to one file at once', async () => {
    const dir = tmp();
    const file = join(dir, 'history.jsonl');
    appendFileSync(file, '');
    const store = fileURLToPath(new URL('./history-store.ts', import.meta.url));
    const script = `
      import { appendHistory } from ${JSON.stringify(store)};
      const shard = process.argv[1];
      for (let run = 0; run < 25; run++)
        appendHistory(${JSON.stringify(file)}, Array.from({ length: 40 }, (_, i) => ({
          v: 1, run: 'shard' + shard + '-' + run, ref: 'model-' + i + '-' + 'x'.repeat(200), backend: 'cpu', status: 'pass', level: null,
        })));`;
    const writers = ['1', '2', '3', '4'].map(
      (shard) =>
        new Promise<number | null>((done) =>
          spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, shard], {
            stdio: 'inherit',
          }).on('exit', done),
        ),
    );
    expect(await Promise.all(writers)).toEqual([0, 0, 0, 0]);
    const { entries, warnings } = readHistory(file);
    expect(warnings).toEqual([]);
    expect(entries).toHaveLength(4 * 25 * 40);
    // Each run's rows went in as one block.
    const firstOfRun = new Map<string, number>();
    entries.forEach((e, i) => firstOfRun.has(e.run) || firstOfRun.set(e.run, i));
    entries.forEach((e, i) => expect(i - firstOfRun.get(e.run)!).toBeLessThan(40));
  });

  it('merges histories: every row once, runs in time order, the later file winning a duplicate', () => {
    const a = [row('2025-01-02', 'bert', { p50_ms: 2 }), row('2025-01-01', 'bert')];
    const b = [row('2025-01-02', 'bert', { p50_ms: 3 }), row('2025-01-03', 'gpt2')];
    expect(mergeHistories([a, b]).map((e) => `${e.run} ${e.ref} ${e.p50_ms}`)).toEqual([
      '2025-01-01 bert 1',
      '2025-01-02 bert 3',
      '2025-01-03 gpt2 1',
    ]);
  });
});
