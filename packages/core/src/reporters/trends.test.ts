import { describe, expect, it } from 'vitest';
import type { ResultStatus } from '../types.ts';
import type { HistoryEntry } from './history-store.ts';
import { judgeSlowdown, widthsFor } from './stats.ts';
import { analyzeHistory } from './trends.ts';

/** A history of nights: for each model its p50 per night (null: not in that run), status pass. */
function nights(p50s: Record<string, (number | null)[]>, status: Record<string, ResultStatus[]> = {}): HistoryEntry[] {
  const n = Math.max(...Object.values(p50s).map((v) => v.length));
  return Array.from({ length: n }, (_, night) => {
    const run = `2025-01-${String(night + 1).padStart(2, '0')}T02:00:00.000Z`;
    return Object.entries(p50s).flatMap(([ref, values]) =>
      values[night] === null || values[night] === undefined
        ? []
        : [
            {
              v: 1,
              run,
              at: run,
              ref,
              backend: 'cpu',
              status: status[ref]?.[night] ?? 'pass',
              level: 'pipeline',
              p50_ms: values[night]!,
              peak_rss_mb: 120,
            } satisfies HistoryEntry,
          ],
    );
  }).flat();
}

const kinds = (h: HistoryEntry[]) => analyzeHistory(h).findings.map((f) => `${f.ref}: ${f.kind}`);

describe('trends across runs', () => {
  it('counts each run: pass rate of what ran (a skip is neither), median p50', () => {
    const h = nights({ a: [1, 2], b: [3, 4], c: [5, null] }, { a: ['pass', 'fail'], c: ['skip'] });
    expect(analyzeHistory(h).runs.map(({ run, ...p }) => p)).toEqual([
      { at: '2025-01-01T02:00:00.000Z', total: 3, pass: 2, failing: 0, skip: 1, passRate: 1, medianP50: 2 },
      { at: '2025-01-02T02:00:00.000Z', total: 2, pass: 1, failing: 1, skip: 0, passRate: 0.5, medianP50: 3 },
    ]);
  });

  it('flags a model made 3x slower, and not the others moving with run-to-run noise', () => {
    // Real p50s and peak RSS of three runs on a shared 2-core machine (pnpm test:flow): bert's
    // sessions made three times slower in the third; gpt2's RSS moved by 9 MB, as RSS does.
    const h = nights({
      bert: [0.099, 0.101, 0.395],
      albert: [0.106, 0.108, 0.105],
      gpt2: [0.145, 0.145, 0.148],
      vit: [0.104, 0.104, 0.105],
    });
    const rss: Record<string, number[]> = {
      bert: [126.5, 128.9, 122.1],
      albert: [130.5, 129.7, 126.1],
      gpt2: [132.2, 132.2, 141.6],
      vit: [129.7, 135.8, 127.1],
    };
    for (const e of h) e.peak_rss_mb = rss[e.ref]![Number(e.run.slice(8, 10)) - 1];
    const found = analyzeHistory(h).findings;
    expect(found.map((f) => `${f.ref}: ${f.kind}`)).toEqual(['bert: latency']);
    expect(found[0]!.what).toMatch(/^p50 0\.395 ms vs 0\.099-0\.101 ms in 2 earlier runs: 3\.\dx their mean/);
  });

  it('does not call 2x a regression when the earlier runs themselves swung by 70%', () => {
    // Real p50s of a busier hour of the same machine: bert 0.175 then 0.103 before 0.361.
    const h = nights({
      bert: [0.175, 0.103, 0.361],
      albert: [0.107, 0.108, 0.127],
      gpt2: [0.176, 0.151, 0.147],
      vit: [0.52, 0.47, 0.55],
    });
    expect(analyzeHistory(h).findings).toEqual([]);
    // Three more runs pin the noise down; the same jump is then beyond it.
    const more = nights({
      bert: [0.175, 0.103, 0.12, 0.11, 0.13, 0.361],
      albert: [0.107, 0.108, 0.11, 0.105, 0.109, 0.127],
      gpt2: [0.176, 0.151, 0.16, 0.155, 0.158, 0.147],
      vit: [0.52, 0.47, 0.5, 0.49, 0.51, 0.55],
    });
    expect(kinds(more)).toEqual(['bert: latency']);
  });

  it('does not flag a run where every model is slower (a busier machine), only a model beyond it', () => {
    const steady = { a: [1, 1.02, 2.1], b: [2, 1.96, 4.0], c: [3, 3.05, 6.2], d: [0.5, 0.49, 3.1] };
    expect(kinds(nights(steady))).toEqual(['d: latency']);
  });

  it('judges latency only from the third run of a model: two earlier runs give its noise', () => {
    const h = nights({ a: [1, 5], b: [1, 1.01] });
    const analysis = analyzeHistory(h);
    expect(analysis.findings).toEqual([]);
    expect(analysis.notJudged).toBe(2);
  });

  it('finds a status that passed in its previous run and fails now, and a level lost', () => {
    const h = nights({ a: [1, 1, 1], b: [1, 1, 1] }, { a: ['pass', 'skip', 'crash'] });
    const last = h.filter((e) => e.ref === 'b').at(-1)!;
    last.level = 'session';
    expect(kinds(h)).toEqual(['a: status', 'b: level']);
    expect(analyzeHistory(h).findings[0]!.what).toBe('status pass -> crash');
  });

  it('calls a model flaky when its status flips back and forth in recent runs', () => {
    const h = nights(
      { a: [1, 1, 1, 1], b: [1, 1, 1, 1] },
      { a: ['pass', 'fail', 'pass', 'fail'], b: ['pass', 'pass', 'fail', 'fail'] },
    );
    const found = analyzeHistory(h).findings.filter((f) => f.kind !== 'latency');
    expect(found.map((f) => `${f.ref}: ${f.kind}: ${f.what}`)).toEqual([
      'a: status: status pass -> fail',
      'a: flaky: status flips in the last 4 runs: pass fail pass fail',
    ]);
  });

  it('judges only the models of the given run', () => {
    const h = nights({ a: [1, 1, 1, 9], b: [1, 1, 1, null] });
    h.push({ ...h.at(-1)!, run: 'later', at: '2025-02-01T00:00:00.000Z', ref: 'b', p50_ms: 9 });
    expect(analyzeHistory(h, { run: 'later' }).findings.map((f) => f.ref)).toEqual(['b']);
  });

  it('needs the value above every earlier run and past their mean by the noise', () => {
    const earlier = [Math.log(1), Math.log(1.2)];
    expect(judgeSlowdown(Math.log(1.21), earlier, 0.1)?.regressed).toBe(false);
    expect(judgeSlowdown(Math.log(3), earlier, 0.1)?.regressed).toBe(true);
    expect(judgeSlowdown(Math.log(3), earlier, 0.5)?.regressed).toBe(false);
    expect(judgeSlowdown(Math.log(3), earlier.slice(1), 0.1)).toBeUndefined();
  });

  it('asks for more noise widths while few runs inform the noise', () => {
    expect(widthsFor(1)).toBeGreaterThan(100);
    expect(widthsFor(4)).toBeCloseTo(7.173);
    expect(widthsFor(7)).toBeCloseTo(5.208);
    expect(widthsFor(1000)).toBe(3.5);
  });
});
