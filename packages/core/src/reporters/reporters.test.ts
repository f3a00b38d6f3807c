import { describe, expect, it } from 'vitest';
import type { ModelResult, RunSummary } from '../types.ts';
import { createHash } from 'node:crypto';
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

  it("keep the dashboard's data island inert: no string can close the script it travels in", () => {
    const nasty = `</script><script>alert(1)</script><!-- \u2028\u2029 </SCRIPT > ${hostile}`;
    const s = summary([
      { ref: nasty, status: 'crash', reason: nasty, evidence: { outputTail: nasty } },
      { ref: 'bert', checks: [{ name: nasty, status: 'pass', message: nasty }] },
    ]);
    const page = renderDashboard(s);
    // Seven scripts (data, d3, Plot, the page's four), none of them opened by a name.
    expect(page.match(/<script[\s>]/gi)).toHaveLength(7);
    expect(page).not.toMatch(/<\/script><script>alert/i);
    const island = /<script type="application\/json" id="hf-core-data">([^<]*)<\/script>/.exec(page);
    expect(island).not.toBeNull();
    expect(island![1]).not.toMatch(/[<>&\u2028\u2029]/);
    const data = JSON.parse(island![1]!) as {
      rows: { ref: string; reason: string; tail?: string; checks: { name: string }[] }[];
    };
    const crashed = data.rows.find((r) => r.ref === nasty)!;
    expect([crashed.reason, crashed.tail]).toEqual([nasty, nasty]);
    expect(data.rows.find((r) => r.ref === 'bert')!.checks[0]!.name).toBe(nasty);
  });

  it('allow exactly the inline scripts it wrote, by hash, so an injected one could not run', () => {
    const page = renderDashboard(summary([{ ref: hostile }]));
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(page)![1]!;
    const allowed = /script-src ([^;]+)/.exec(csp)![1]!.split(' ');
    const scripts = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(6);
    expect(allowed).toEqual(scripts.map((s) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`));
    expect(csp).toContain("default-src 'none'");
  });
});
