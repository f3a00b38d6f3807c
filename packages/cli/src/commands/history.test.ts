import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '@hf-core/core';
import { main } from '../index.ts';
import type { CliIO } from '../context.ts';

function capture(cwd: string): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, cwd, env: {}, stdout: (s) => void out.push(s), stderr: (s) => void err.push(s) };
}

const night = (d: number, ref: string, p50: number, status: HistoryEntry['status'] = 'pass'): HistoryEntry => ({
  v: 1,
  run: `2025-01-0${d}T02:00:00.000Z`,
  at: `2025-01-0${d}T02:00:00.000Z`,
  ref,
  backend: 'cpu',
  status,
  level: 'pipeline',
  p50_ms: p50,
  peak_rss_mb: 120,
});
const jsonl = (rows: object[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join('');

/** Three nights: bert 3x slower on the third, vit broke on the third, the rest noise. */
const HISTORY = [
  night(1, 'bert', 0.2),
  night(1, 'vit', 0.5),
  night(1, 'gpt2', 0.3),
  night(2, 'bert', 0.21),
  night(2, 'vit', 0.52),
  night(2, 'gpt2', 0.28),
  night(3, 'bert', 0.63),
  night(3, 'vit', 0.51, 'crash'),
  night(3, 'gpt2', 0.31),
];

describe('hf-core history', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hf-core-cli-history-'));
  const file = join(dir, 'history.jsonl');
  writeFileSync(file, jsonl(HISTORY));

  it('prints each run, then status and latency regressions; --check exits 1 on them', async () => {
    const io = capture(dir);
    expect(await main(['history', 'history.jsonl'], io)).toBe(0);
    const out = io.out.join('\n');
    expect(out).toContain('3 runs, 9 rows');
    expect(out).toMatch(/2025-01-03T02:00:00.000Z\s+3\s+2\s+1\s+0\s+66.7%\s+0.51/);
    expect(out).toContain(
      'Status regressions (passed in its previous run, fails now): 1\n  vit [cpu]: status pass -> crash',
    );
    expect(out).toMatch(
      /Latency regressions \(p50 beyond the run-to-run noise\): 1\n {2}bert \[cpu\]: p50 0.63 ms vs 0.2-0.21 ms/,
    );
    expect(out).not.toMatch(/gpt2 \[cpu\]/);
    expect(await main(['history', 'history.jsonl', '--check'], capture(dir))).toBe(1);
  });

  it("--model prints one model's row in every run", async () => {
    const io = capture(dir);
    expect(await main(['history', file, '--model', 'bert'], io)).toBe(0);
    expect(
      io.out
        .join('\n')
        .split('\n')
        .map((l) => l.split(/\s+/).slice(2, 5).join(' ')),
    ).toEqual(['STATUS LEVEL P50', 'pass pipeline 0.2', 'pass pipeline 0.21', 'pass pipeline 0.63']);
    expect(await main(['history', file, '--model', 'nope'], capture(dir))).toBe(2);
  });

  it('warns about a corrupt line and a line from a newer hf-core by number, and goes on', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(
      bad,
      `${jsonl(HISTORY.slice(0, 3))}{not json\n${jsonl([{ ...HISTORY[3], v: 9 }])}${jsonl(HISTORY.slice(4))}`,
    );
    const io = capture(dir);
    expect(await main(['history', 'bad.jsonl', '--json'], io)).toBe(0);
    expect(io.err).toEqual([
      expect.stringMatching(/^warning: .*bad\.jsonl:4: not JSON/),
      expect.stringMatching(/^warning: .*bad\.jsonl:5: written by a newer hf-core \(history format 9/),
    ]);
    const json = JSON.parse(io.out.join('\n')) as { runs: { total: number }[] };
    expect(json.runs.map((r) => r.total)).toEqual([3, 2, 3]);
  });

  it('merge joins two histories into one file, each row once', async () => {
    writeFileSync(join(dir, 'a.jsonl'), jsonl(HISTORY.slice(0, 6)));
    writeFileSync(join(dir, 'b.jsonl'), jsonl(HISTORY.slice(3)));
    const io = capture(dir);
    expect(await main(['history', 'merge', 'a.jsonl', 'b.jsonl', '--out', 'all.jsonl'], io)).toBe(0);
    expect(readFileSync(join(dir, 'all.jsonl'), 'utf8')).toBe(jsonl(HISTORY));
  });

  it('exits 2 for a file that is not there, naming it', async () => {
    const io = capture(dir);
    expect(await main(['history', 'missing.jsonl'], io)).toBe(2);
    expect(io.err.join('\n')).toContain(join(dir, 'missing.jsonl'));
  });

  it('keeps terminal control characters in model names off the screen', async () => {
    writeFileSync(join(dir, 'esc.jsonl'), jsonl([night(1, 'evil\u001b[2J\u001b]0;pwned\u0007', 1)]));
    const io = capture(dir);
    expect(await main(['history', 'esc.jsonl', '--model', 'evil\u001b[2J\u001b]0;pwned\u0007'], io)).toBe(0);
    expect(io.out.join('')).not.toMatch(/[\u001b\u0007]/);
  });
});
