// The dashboard's charts, drawn by Observable Plot (inlined with d3) from the filtered rows and the
// history's runs. Each chart is an SVG whose marks carry an aria-label (bar, dot, line).
/* global Plot */
globalThis.hfDashboard.charts = (() => {
  const { data, state, STATUSES, statusColor, PASS, manyBackends, $, el, put, label, empty } = globalThis.hfDashboard;

  const widthOf = (id) => Math.max(320, $(id).clientWidth - 24);
  const marginFor = (labels) => Math.min(280, 12 + 6.6 * Math.max(4, ...labels.map((l) => l.length)));

  function chartFamily(rows) {
    if (!rows.length) return empty('No results match the filters.');
    const families = [...new Set(rows.map((r) => r.family))].sort();
    return Plot.plot({
      width: widthOf('chart-family'),
      height: 40 + 26 * families.length,
      marginLeft: marginFor(families),
      x: { label: 'results', grid: true },
      y: { label: null, domain: families },
      color: { ...statusColor, legend: true },
      marks: [
        Plot.barX(rows, Plot.groupY({ x: 'count' }, { y: 'family', fill: 'status', order: STATUSES, tip: true })),
        Plot.ruleX([0]),
      ],
    });
  }

  function ordered(rows) {
    const by = $('sort').value;
    const limit = Number($('limit').value);
    const key = { p50: (r) => r.m.p50_ms, p99: (r) => r.m.p99_ms ?? r.m.p50_ms, rss: (r) => r.m.peak_rss_mb }[by];
    const sorted = key
      ? rows.filter((r) => key(r) !== undefined).sort((a, b) => key(b) - key(a))
      : [...rows].sort((a, b) => label(a).localeCompare(label(b)));
    return limit ? sorted.slice(0, limit) : sorted;
  }

  /** One line per model (in the order of `rows`) on a log x axis. */
  function perModel(id, rows, xLabel, marks, opts = {}) {
    const labels = rows.map(label);
    return Plot.plot({
      width: opts.width ?? widthOf(id),
      height: 50 + 16 * labels.length,
      marginLeft: opts.marginLeft ?? marginFor(labels),
      x: { type: 'log', label: xLabel, grid: true, tickFormat: '~g' },
      y: { label: null, domain: labels, axis: opts.axis },
      color: { legend: opts.legend ?? manyBackends },
      marks,
    });
  }

  function chartLatency(rows) {
    const timed = ordered(rows.filter((r) => r.m.p50_ms > 0));
    if (!timed.length) return empty('No timed results match the filters.');
    const p99 = (r) => r.m.p99_ms ?? r.m.p50_ms;
    return perModel('chart-latency', timed, 'latency, ms (log)', [
      Plot.ruleY(timed, { y: label, x1: (r) => r.m.p50_ms, x2: p99, stroke: 'backend' }),
      Plot.tickX(timed, { y: label, x: p99, stroke: 'backend' }),
      Plot.dot(timed, {
        y: label,
        x: (r) => r.m.p50_ms,
        fill: 'backend',
        r: 3.5,
        tip: true,
        channels: { p99: (r) => r.m.p99_ms, status: 'status' },
      }),
    ]);
  }

  function chartRss(rows) {
    const measured = ordered(rows.filter((r) => r.m.peak_rss_mb > 0));
    if (!measured.length) return empty('No memory readings match the filters.');
    return perModel('chart-rss', measured, 'peak RSS, MB (log)', [
      Plot.dot(measured, { y: label, x: (r) => r.m.peak_rss_mb, fill: 'backend', symbol: 'square', r: 3.5, tip: true }),
    ]);
  }

  function chartGeneration(rows) {
    const gen = rows.filter((r) => r.m.tokens_per_s > 0 || r.m.prefill_ms > 0 || r.m.decode_ms_per_token > 0);
    if (!gen.length) return empty('No generative model matches the filters.');
    const metrics = [
      ['prefill_ms', 'prefill, ms (log)'],
      ['decode_ms_per_token', 'decode, ms per token (log)'],
      ['tokens_per_s', 'tokens per second (log)'],
    ];
    const limit = Number($('limit').value) || gen.length;
    const top = gen.sort((a, b) => (b.m.tokens_per_s ?? 0) - (a.m.tokens_per_s ?? 0)).slice(0, limit);
    const margin = marginFor(top.map(label));
    const width = Math.max(240, Math.floor((widthOf('chart-gen') - 30) / 3));
    const box = el('div', { class: 'plots' });
    metrics.forEach(([key, name], i) => {
      const points = top.filter((r) => r.m[key] > 0);
      const mark = Plot.dot(points, { y: label, x: (r) => r.m[key], fill: 'family', r: 3.5, tip: true });
      const first = { width, legend: false };
      const next = { width: width - margin + 20, marginLeft: 20, axis: null, legend: false };
      box.append(perModel('chart-gen', top, name, [mark], i ? next : first));
    });
    return box;
  }

  const runAt = (p, i) => (p.at ? new Date(p.at) : i + 1);
  const runAxis = () => (data.runs.every((p) => p.at) ? { label: 'run', type: 'utc' } : { label: 'run #' });

  function chartTrendPass() {
    const points = data.runs.map((p, i) => ({ ...p, x: runAt(p, i) })).filter((p) => p.passRate !== null);
    if (!points.length) return empty('No run in the history ran anything yet.');
    return Plot.plot({
      width: widthOf('chart-trend-pass'),
      height: 220,
      x: runAxis(),
      y: { label: 'pass rate, % of what ran', percent: true, domain: [0, 100], grid: true },
      marks: [
        Plot.lineY(points, { x: 'x', y: 'passRate', stroke: PASS }),
        Plot.dot(points, {
          x: 'x',
          y: 'passRate',
          fill: PASS,
          tip: true,
          channels: { run: 'run', failing: 'failing' },
        }),
      ],
    });
  }

  /** One result's p50 in each run of the history, coloured by its status; null without one. */
  function rowTrend(r, width, height) {
    const points = r.trend
      .filter((t) => t[2] !== null)
      .map(([i, status, p50]) => ({ x: runAt(data.runs[i], i), p50, status, run: data.runs[i].run }));
    if (!points.length) return null;
    return Plot.plot({
      width,
      height,
      x: runAxis(),
      y: { label: 'p50, ms', grid: true, zero: true },
      color: { ...statusColor, legend: true },
      marks: [
        Plot.lineY(points, { x: 'x', y: 'p50', stroke: 'currentColor', strokeOpacity: 0.5 }),
        Plot.dot(points, { x: 'x', y: 'p50', fill: 'status', r: 4, tip: true, channels: { run: 'run' } }),
      ],
    });
  }

  function chartTrendP50() {
    const r = state.selected === null ? null : data.rows[state.selected];
    const caption = $('chart-trend-p50').querySelector('figcaption');
    if (r) {
      caption.textContent = `p50 latency over runs: ${label(r)}`;
      return rowTrend(r, widthOf('chart-trend-p50'), 220) ?? empty('This result has no latency in the history.');
    }
    caption.textContent = 'p50 latency over runs: median over models (click a cell for one model)';
    const points = data.runs.map((p, i) => ({ ...p, x: runAt(p, i) })).filter((p) => p.medianP50 !== null);
    if (!points.length) return empty('No latency in the history yet.');
    return Plot.plot({
      width: widthOf('chart-trend-p50'),
      height: 220,
      x: runAxis(),
      y: { label: 'median p50, ms', grid: true, zero: true },
      marks: [
        Plot.lineY(points, { x: 'x', y: 'medianP50', stroke: 'currentColor' }),
        Plot.dot(points, { x: 'x', y: 'medianP50', fill: 'currentColor', tip: true, channels: { run: 'run' } }),
      ],
    });
  }

  function renderCharts(rows) {
    put('chart-family', chartFamily(rows));
    put('chart-latency', chartLatency(rows));
    put('chart-rss', chartRss(rows));
    put('chart-gen', chartGeneration(rows));
    put('chart-trend-pass', chartTrendPass());
    put('chart-trend-p50', chartTrendP50());
  }

  return { renderCharts, rowTrend, renderTrend: () => put('chart-trend-p50', chartTrendP50()) };
})();
