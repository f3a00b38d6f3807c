import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HfCorePlugin } from '../plugin.ts';
import { coverageOf, type CoverageCount } from '../coverage.ts';
import type { ModelResult, RunSummary } from '../types.ts';

export const PLUGIN_NAME = 'hf-core:report-markdown';

const escapeMd = (s: unknown) =>
  String(s ?? '')
    .replace(/</g, '&lt;')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n\u2028\u2029]+/g, ' ');
const cell = (s: unknown) => escapeMd(s).slice(0, 300);
const num = (x: unknown) => (typeof x === 'number' ? (x >= 100 ? x.toFixed(0) : x.toFixed(2)) : '');

function row(r: ModelResult): string {
  const m = r.metrics;
  const lat = m.latency_ms;
  const gen =
    m.prefill_ms !== undefined ? `${num(m.prefill_ms)} / ${num(m.decode_ms_per_token)} / ${num(m.tokens_per_s)}` : '';
  const parity = r.checks.find((c) => c.name === 'parity');
  return `| ${cell(r.ref)} | ${cell(r.family)} | ${cell(r.backend)} | ${r.status} | ${r.level ?? ''} | ${num(m.load_ms)} | ${num(m.first_forward_ms)} | ${lat ? `${num(lat.p50)} / ${num(lat.p90)} / ${num(lat.p99)} (n=${lat.n})` : ''} | ${num(m.peak_rss_mb)} | ${gen} | ${parity ? cell(parity.status) : ''} | ${cell(r.reason)} |`;
}

const share = (c: CoverageCount) =>
  `${c.pass} of ${c.types} pass (${c.types ? Math.round((100 * c.pass) / c.types) : 0}%), ${c.fail} fail, ${c.skip} not tested`;

/** The headline: passing types over every catalog type, by family, and over the seed-era lists. */
function coverageLines(s: RunSummary): string[] {
  const cov = coverageOf(s.results);
  return [
    `**Coverage of the catalog**: ${share(cov.catalog)}.`,
    '',
    '| family | types | pass | fail | not tested |',
    '|---|---|---|---|---|',
    ...Object.entries(cov.byFamily).map(([f, c]) => `| ${cell(f)} | ${c.types} | ${c.pass} | ${c.fail} | ${c.skip} |`),
    '',
    ...cov.seedLists.map((l) => `- seed-era ${l.name} types: ${share(l)}.`),
    '',
  ];
}

export function renderMarkdown(s: RunSummary): string {
  const t = s.totals;
  const lines = [
    '# hf-core report',
    '',
    `Run ${s.started_at} → ${s.finished_at}, hf-core ${s.tool.version}. Backends: ${(s.options.backends as string[] | undefined)?.join(', ') ?? ''}.`,
    '',
    ...coverageLines(s),
    `**${t.total} results**: ${t.pass} pass, ${t.fail} fail, ${t.skip} skip, ${t.error} error, ${t.crash} crash, ${t.timeout} timeout, ${t.oom} oom. A skip is never counted as a pass.`,
    '',
    '| model | family | backend | status | level | load ms | first forward ms | latency ms p50 / p90 / p99 | peak RSS MB | prefill ms / decode ms per token / tokens/s | parity | reason |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...s.results.map(row),
  ];
  // Real checkpoints: which folder, dtype and files each row tested, and the level it reached.
  const folders = s.results.filter((r) => r.model?.dir && r.model.synthesized === false);
  if (folders.length) {
    lines.push('', '## Model folders', '');
    for (const r of folders) {
      const m = r.model!;
      lines.push(
        `- ${cell(r.ref)} on ${cell(r.backend)}: folder \`${cell(m.dir)}\`${m.dtype ? `, dtype ${cell(m.dtype)}` : ''}${r.fallback ? ` (fell back to ${cell(r.fallback)})` : ''}, level ${r.level ?? 'none'}${r.levelReason ? ` (${escapeMd(r.levelReason)})` : ''}; files: ${cell((m.files ?? []).join(', ')) || 'none'}`,
      );
    }
  }
  const notPassing = s.results.filter((r) => r.status !== 'pass');
  if (notPassing.length) {
    lines.push('', '## Not passing', '');
    for (const r of notPassing) {
      lines.push(
        `### ${cell(r.ref)} on ${cell(r.backend)}: ${r.status}`,
        '',
        cell(r.reason) || '(no reason given)',
        '',
      );
      for (const c of r.checks.filter((c) => c.status !== 'pass'))
        lines.push(`- \`${cell(c.name)}\` ${c.status}: ${cell(c.message)}`);
      lines.push('');
    }
  }
  return `${lines.join('\n')}\n`;
}

/** report.md: a table of every result with its level, metrics and reason. */
export const markdownReporter = (): HfCorePlugin => ({
  name: PLUGIN_NAME,
  apply(core) {
    core.hooks.report.tapPromise(PLUGIN_NAME, async (ctx) => {
      const file = join(ctx.outDir, 'report.md');
      await writeFile(file, renderMarkdown(ctx.summary));
      ctx.written.markdown = file;
    });
  },
});
