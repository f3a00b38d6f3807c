import { describe, expect, it } from 'vitest';
import type { ModelResult, RunSummary } from '../types.ts';
import { findRegressions, type HistoryEntry } from './history.ts';
import { renderDashboard } from './html.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';

const hostile = '<script>alert(1)</script>"\'&|\nx';

function summary(results: Partial<ModelResult>[]): RunSummary {
  const full = results.map(
    (r) =>
      ({
        ref: 'bert',
        modelType: 'bert',
        family: 'encoder-only',
        backend: 'cpu',
        status: 'pass',
        reason: '',
        level: 'pipeline',
        checks: [],
        metrics: {},
        started_at: 'now',
        duration_ms: 1,
        ...r,
      }) as ModelResult,
  );
  return {
    tool: { name: 'hf-core', version: '0' },
    started_at: 'a',
    finished_at: 'b',
    options: {},
    totals: { total: full.length, pass: 0, fail: 0, skip: 0, error: 0, crash: 0, timeout: 0, oom: 0 },
    results: full,
  };
}

describe('reporters', () => {
  it('escape names and messages from strangers in HTML, Markdown and JUnit', () => {
    const s = summary([
      { ref: hostile, status: 'fail', reason: hostile, checks: [{ name: hostile, status: 'fail', message: hostile }] },
    ]);
    const page = renderDashboard(s);
    expect(page).not.toContain('<script>alert');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;');
    const md = renderMarkdown(s);
    // One table row: the pipe is escaped, the newline flattened, and no raw tag reaches a renderer.
    expect(md).toContain(`| &lt;script>alert(1)&lt;/script>"'&\\| x | encoder-only | cpu | fail |`);
    const xml = renderJunit(s);
    expect(xml).not.toContain('<script>');
    expect(xml).toContain('&lt;script&gt;');
  });

  it("state each model folder's level and the whole reason it is not higher", () => {
    const why = `session level only: ${'config.json has no model_type; '.repeat(12)}and no tokenizer`;
    const md = renderMarkdown(
      summary([
        { ref: 'gpt2-genai', level: 'session', levelReason: why, model: { dir: '/m', files: [], synthesized: false } },
      ]),
    );
    expect(md).toContain(`- gpt2-genai on cpu: folder \`/m\`, level session (${why}); files: none`);
  });

  it("find regressions since each model's previous run, and ignore sub-threshold noise", () => {
    const prev: HistoryEntry[] = [
      { run: '1', ref: 'bert', backend: 'cpu', status: 'pass', level: 'pipeline', p50_ms: 1.0, peak_rss_mb: 100 },
      { run: '1', ref: 'gpt2', backend: 'cpu', status: 'pass', level: 'pipeline', p50_ms: 0.1 },
      { run: '1', ref: 'vit', backend: 'cpu', status: 'pass', level: 'pipeline', p50_ms: 2 },
    ];
    const cur: HistoryEntry[] = [
      { run: '2', ref: 'bert', backend: 'cpu', status: 'pass', level: 'session', p50_ms: 1.6, peak_rss_mb: 180 },
      { run: '2', ref: 'gpt2', backend: 'cpu', status: 'pass', level: 'pipeline', p50_ms: 0.13 },
      { run: '2', ref: 'vit', backend: 'cpu', status: 'crash', level: null },
      { run: '2', ref: 'new', backend: 'cpu', status: 'fail', level: null },
    ];
    expect(findRegressions(prev, cur).map((r) => `${r.ref}: ${r.what}`)).toEqual([
      'bert: level pipeline -> session',
      'bert: p50 latency 1 -> 1.6 ms (+60%)',
      'bert: peak RSS 100 -> 180 MB',
      'vit: status pass -> crash',
    ]);
  });
});
