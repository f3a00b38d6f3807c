import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import type { HfCorePlugin } from '../plugin.ts';
import type { RunSummary } from '../types.ts';
import { dashboardData, type DashboardData, type DashboardInput, type DashboardRow } from './dashboard-data.ts';
import { PLUGIN_NAME as HISTORY_PLUGIN } from './history.ts';
import { formatHistoryWarning, readHistory } from './history-store.ts';
import { historyFileOf, runOf, type ReporterOptions } from './options.ts';

export const PLUGIN_NAME = 'hf-core:report-html';

/** Model names, labels and messages come from strangers: every value is escaped text. */
export const html = (s: unknown) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** JSON that can sit inside <script>: no `<`, `>`, `&` or line separators survive as themselves. */
export const scriptJson = (value: unknown) =>
  JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const require = createRequire(import.meta.url);

/** A package's own browser bundle (its `exports.umd`), read from node_modules: no CDN, works offline. */
function umdBundle(pkg: string): string {
  let dir = dirname(require.resolve(pkg));
  while (
    !existsSync(join(dir, 'package.json')) ||
    JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== pkg
  )
    dir = dirname(dir);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { exports: { umd: string } };
  return readFileSync(join(dir, manifest.exports.umd), 'utf8');
}

const asset = (name: string) => readFileSync(new URL(`../../templates/dashboard/${name}`, import.meta.url), 'utf8');

/** The page's own scripts, in load order: page.js holds what the others share. */
const OWN_SCRIPTS = ['page.js', 'charts.js', 'details.js', 'app.js'];

let scripts: string[] | undefined;
/** d3, Observable Plot and the page's own scripts, in load order. */
const pageScripts = () =>
  (scripts ??= [umdBundle('d3'), umdBundle('@observablehq/plot'), ...OWN_SCRIPTS.map(asset)].map((s) =>
    s.replace(/<\/(script)/gi, '<\\/$1'),
  ));

const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

const STATUSES = ['fail', 'error', 'crash', 'timeout', 'oom', 'pass', 'skip'] as const;
const pct = (x: number | null) => (x === null ? '–' : `${Math.round(x * 1000) / 10}%`);
const num = (x: number | undefined) => (x === undefined ? '' : x >= 100 ? x.toFixed(0) : x.toFixed(2));

function headline(d: DashboardData): string {
  const t = d.totals;
  const ran = t.total - t.skip;
  const failing = t.fail + t.error + t.crash + t.timeout + t.oom;
  const c = d.coverage;
  const regressions = d.findings.filter((f) => f.kind !== 'flaky').length;
  const flaky = d.findings.length - regressions;
  const card = (id: string, title: string, big: string, sub: string) =>
    `<div class="card" id="${id}"><h2>${title}</h2><p class="big">${big}</p><p>${sub}</p></div>`;
  return [
    card(
      'card-coverage',
      'Catalog coverage',
      `${c.passing} <small>/ ${c.types} types</small>`,
      `${pct(c.types ? c.passing / c.types : null)} of every catalog type pass here; ${c.ran} ran`,
    ),
    card(
      'card-pass',
      'Pass rate of what ran',
      pct(ran ? t.pass / ran : null),
      `${t.pass} of ${ran} pass, ${failing} failing; ${t.skip} skipped (never counted as a pass)`,
    ),
    card(
      'card-backends',
      'Backends',
      String(d.backends.filter((b) => b.ran).length),
      d.backends
        .map((b) => html(b.ran ? `${b.name} (${b.ran} ran)` : `${b.name} (skipped: ${b.skipReason ?? 'all'})`))
        .join(', '),
    ),
    card(
      'card-regressions',
      'Regressions',
      String(regressions),
      `${flaky} flaky; judged against ${d.runs.length - 1} earlier run${d.runs.length === 2 ? '' : 's'} in the history` +
        (d.notJudged ? `; ${d.notJudged} not judged yet (fewer than 2 earlier runs)` : ''),
    ),
  ].join('\n');
}

function cell(r: DashboardRow, i: number): string {
  const sub = [r.level ?? '', r.m.p50_ms !== undefined ? `${num(r.m.p50_ms)} ms` : ''].filter(Boolean).join(' · ');
  const flag = r.findings.length ? ' regressed' : '';
  return `<td data-backend="${html(r.backend)}"><button type="button" class="cell ${r.status}${flag}" data-i="${i}" title="${html(`${r.ref} on ${r.backend}: ${r.status}${r.reason ? ` — ${r.reason}` : ''}`)}">${r.status}${flag ? ' ▲' : ''}<small>${html(sub)}</small></button></td>`;
}

function matrixTable(d: DashboardData): string {
  const backends = d.backends.map((b) => b.name);
  const head = `<tr><th>model</th><th>family</th>${backends.map((b) => `<th data-backend="${html(b)}">${html(b)}</th>`).join('')}</tr>`;
  const body = d.matrix
    .map((line, k) => {
      const cells = backends
        .map((b) =>
          line.cells[b] === undefined
            ? `<td data-backend="${html(b)}"></td>`
            : cell(d.rows[line.cells[b]]!, line.cells[b]!),
        )
        .join('');
      return `<tr data-m="${k}"><th scope="row">${html(line.ref)}</th><td>${html(line.family)}</td>${cells}</tr>`;
    })
    .join('\n');
  return `<table id="matrix"><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

/** Failures and regressions, first thing on the page. */
function attention(d: DashboardData): string {
  const items = d.rows
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => r.findings.length || !['pass', 'skip'].includes(r.status));
  if (!items.length) return '<p class="ok">Nothing failed and nothing regressed.</p>';
  const li = ({ r, i }: { r: DashboardRow; i: number }) =>
    `<li><button type="button" class="link" data-i="${i}"><span class="badge ${r.status}">${r.status}</span> <b>${html(r.ref)}</b> on ${html(r.backend)}</button> <span class="why">${html([...r.findings, r.status === 'pass' ? '' : r.reason].filter(Boolean).join('; '))}</span></li>`;
  return `<ul id="attention-list">${items.slice(0, 200).map(li).join('\n')}</ul>${items.length > 200 ? `<p>and ${items.length - 200} more: filter the matrix below.</p>` : ''}`;
}

function select(id: string, label: string, values: string[]): string {
  return `<label>${label} <select id="${id}"><option value="">all</option>${values.map((v) => `<option value="${html(v)}">${html(v)}</option>`).join('')}</select></label>`;
}

/**
 * The dashboard: one self-contained page (the chart library inlined, no network) with the headline
 * numbers, failures and regressions first, charts, the model x backend matrix and trends. The
 * data travels as inert JSON; every string reaches the page as escaped HTML or as DOM text.
 */
export function renderDashboard(s: RunSummary, input: DashboardInput = {}): string {
  const d = dashboardData(s, input);
  const inline = pageScripts();
  const families = [...new Set(d.rows.map((r) => r.family))].sort();
  const levels = [...new Set(d.rows.map((r) => r.level ?? 'none'))].sort();
  const csp = `default-src 'none'; script-src ${inline.map(sha256).join(' ')}; style-src 'unsafe-inline'; img-src data:`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hf-core report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<style>${asset('style.css')}</style></head><body>
<header><h1>hf-core report</h1><p>Run ${html(d.run.started_at)} → ${html(d.run.finished_at)}, hf-core ${html(d.run.version)}. ${d.totals.total} results.</p>
<button type="button" id="theme" title="Light or dark">◐ theme</button></header>
<section id="headline">${headline(d)}</section>
<section id="attention"><h2>Failures and regressions</h2>${attention(d)}</section>
<nav id="filters">${select('f-family', 'family', families)}${select(
    'f-backend',
    'backend',
    d.backends.map((b) => b.name),
  )}${select('f-status', 'status', [...STATUSES])}${select('f-level', 'level', levels)}
<label>search <input id="f-search" type="search" placeholder="model, family or reason"></label><span id="count"></span></nav>
<noscript><p>The charts and filters need JavaScript; the matrix below is complete without it.</p></noscript>
<section id="charts">
<figure id="chart-family"><figcaption>Results by family and status</figcaption></figure>
<figure id="chart-trend-pass"><figcaption>Pass rate over runs</figcaption></figure>
<figure id="chart-trend-p50"><figcaption>p50 latency over runs</figcaption></figure>
<figure id="chart-latency" class="wide"><figcaption>Latency per model: p50 (dot) to p99 (tick), log scale
<label>sort <select id="sort"><option value="p50">slowest p50</option><option value="p99">slowest p99</option><option value="rss">largest peak RSS</option><option value="name">name</option></select></label>
<label>show <select id="limit"><option value="30">30</option><option value="100">100</option><option value="0">all</option></select></label></figcaption></figure>
<figure id="chart-rss" class="wide"><figcaption>Peak RSS per model, MB, log scale (same order)</figcaption></figure>
<figure id="chart-gen" class="wide"><figcaption>Generation: prefill ms, decode ms per token, tokens per second</figcaption></figure>
</section>
<section id="matrix-section"><h2>Model × backend</h2><p>Click a cell for its checks, metrics and log.</p>${matrixTable(d)}</section>
<dialog id="details"><form method="dialog"><button id="details-close" aria-label="close">×</button></form><div id="details-body"></div></dialog>
<script type="application/json" id="hf-core-data">${scriptJson(d)}</script>
${inline.map((js) => `<script>${js}</script>`).join('\n')}
</body></html>
`;
}

/**
 * dashboard/index.html: one page, no server or network needed. Trends come from the history file
 * the history reporter appends to (`--history FILE`, default OUT/history.jsonl).
 */
export const htmlReporter = (opts: ReporterOptions = {}): HfCorePlugin => ({
  name: PLUGIN_NAME,
  apply(core) {
    core.hooks.report.tapPromise(PLUGIN_NAME, async (ctx) => {
      const dir = join(ctx.outDir, 'dashboard');
      await mkdir(dir, { recursive: true });
      const { entries, warnings } = readHistory(historyFileOf(ctx, opts));
      // The history reporter names bad lines already when it runs beside this one.
      if (!core.plugins.some((p) => p.name === HISTORY_PLUGIN))
        for (const w of warnings) core.logger.warn(formatHistoryWarning(w));
      // generate.ts loads ts-morph: imported here, where a run has loaded it already, so that
      // renderDashboard alone stays quick to import.
      const { safeName } = await import('../generate.ts');
      const logOf = (r: { ref: string; backend: string }) => {
        const log = join(ctx.outDir, 'logs', `${safeName(r.ref)}.${r.backend}.log`);
        return existsSync(log) ? relative(dir, log).split('\\').join('/') : undefined;
      };
      const file = join(dir, 'index.html');
      await writeFile(
        file,
        renderDashboard(ctx.summary, { history: entries, runId: runOf(ctx.summary, opts).id, logOf }),
      );
      ctx.written.html = file;
    });
  },
});
