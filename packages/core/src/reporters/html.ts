import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HfCorePlugin } from '../plugin.ts';
import type { ModelResult, RunSummary } from '../types.ts';

export const PLUGIN_NAME = 'hf-core:report-html';

/** Model names, labels and messages come from strangers: every value is escaped text. */
export const html = (s: unknown) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const num = (x: unknown) => (typeof x === 'number' ? (x >= 100 ? x.toFixed(0) : x.toFixed(2)) : '');

function row(r: ModelResult): string {
  const m = r.metrics;
  const checks = r.checks
    .map((c) => `<span class="c ${c.status}" title="${html(`${c.name}: ${c.message}`)}">${html(c.name)}</span>`)
    .join(' ');
  return `<tr class="${r.status}"><td>${html(r.ref)}</td><td>${html(r.family)}</td><td>${html(r.backend)}</td><td class="s">${r.status}</td><td>${html(r.level ?? '')}</td><td>${num(m.load_ms)}</td><td>${num(m.latency_ms?.p50)}</td><td>${num(m.latency_ms?.p99)}</td><td>${num(m.peak_rss_mb)}</td><td>${num(m.tokens_per_s)}</td><td>${checks}</td><td>${html(r.reason)}</td></tr>`;
}

/** A single self-contained page: totals by status and family, then every result, filterable by status. */
export function renderDashboard(s: RunSummary): string {
  const t = s.totals;
  const families = [...new Set(s.results.map((r) => r.family ?? 'unknown'))].sort();
  const byFamily = families
    .map((f) => {
      const rs = s.results.filter((r) => (r.family ?? 'unknown') === f);
      return `<tr><td>${html(f)}</td><td>${rs.filter((r) => r.status === 'pass').length}</td><td>${rs.length}</td><td>${rs.filter((r) => r.level === 'pipeline').length}</td></tr>`;
    })
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hf-core report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:1.5rem;color:#222}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.2rem .4rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}.pass .s{color:#176f2c}.fail .s,.error .s,.crash .s,.timeout .s,.oom .s{color:#b00020;font-weight:600}.skip .s{color:#8a6d00}
.c{font-size:11px;padding:0 .25rem;border-radius:3px}.c.pass{background:#e3f4e6}.c.fail{background:#fde2e4}.c.skip{background:#fff4cc}
label{margin-right:.8rem}
</style></head><body>
<h1>hf-core report</h1>
<p>Run ${html(s.started_at)} → ${html(s.finished_at)}, hf-core ${html(s.tool.version)}.
<b>${t.total}</b> results: ${t.pass} pass, ${t.fail} fail, ${t.skip} skip, ${t.error} error, ${t.crash} crash, ${t.timeout} timeout, ${t.oom} oom. A skip is never counted as a pass.</p>
<table><tr><th>family</th><th>pass</th><th>results</th><th>pipeline level</th></tr>${byFamily}</table>
<p id="filters">${['pass', 'fail', 'skip', 'error', 'crash', 'timeout', 'oom'].map((st) => `<label><input type="checkbox" value="${st}" checked> ${st}</label>`).join('')}</p>
<table id="results"><tr><th>model</th><th>family</th><th>backend</th><th>status</th><th>level</th><th>load ms</th><th>p50 ms</th><th>p99 ms</th><th>peak RSS MB</th><th>tokens/s</th><th>checks</th><th>reason</th></tr>
${s.results.map(row).join('\n')}
</table>
<script>
for (const box of document.querySelectorAll('#filters input')) box.addEventListener('change', () => {
  const on = new Set([...document.querySelectorAll('#filters input:checked')].map((b) => b.value));
  for (const tr of document.querySelectorAll('#results tr[class]')) tr.style.display = on.has(tr.className) ? '' : 'none';
});
</script>
</body></html>
`;
}

/** dashboard/index.html: one page with totals and every result, no server or network needed. */
export const htmlReporter = (): HfCorePlugin => ({
  name: PLUGIN_NAME,
  apply(core) {
    core.hooks.report.tapPromise(PLUGIN_NAME, async (ctx) => {
      const dir = join(ctx.outDir, 'dashboard');
      await mkdir(dir, { recursive: true });
      const file = join(dir, 'index.html');
      await writeFile(file, renderDashboard(ctx.summary));
      ctx.written.html = file;
    });
  },
});
