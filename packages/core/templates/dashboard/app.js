// The hf-core dashboard's behaviour: filters, charts (Observable Plot, inlined with d3), the
// details of a result and the theme. Every string from a model or a config reaches the page as DOM
// text (textContent, attribute values), never as markup.
/* global Plot */
(() => {
  const data = JSON.parse(document.getElementById('hf-core-data').textContent);
  const STATUSES = ['fail', 'error', 'crash', 'timeout', 'oom', 'pass', 'skip'];
  // The status colours are defined once, in the page's style sheet.
  const css = getComputedStyle(document.documentElement);
  const statusColor = { domain: STATUSES, range: STATUSES.map((s) => css.getPropertyValue(`--${s}`).trim()) };
  const PASS = statusColor.range[STATUSES.indexOf('pass')];
  const manyBackends = data.backends.length > 1;
  const $ = (id) => document.getElementById(id);

  /** An element with attributes and children; strings become text nodes. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {}))
      if (v !== undefined && v !== null) node.setAttribute(k, String(v));
    for (const c of children.flat()) if (c !== undefined && c !== null) node.append(c instanceof Node ? c : String(c));
    return node;
  }
  const fmt = (x, unit = '') =>
    x === undefined || x === null ? '–' : `${x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)}${unit}`;
  const label = (r) => (manyBackends ? `${r.ref} · ${r.backend}` : r.ref);

  // --- theme -----------------------------------------------------------------------------------
  const root = document.documentElement;
  const stored = (() => {
    try {
      return localStorage.getItem('hf-core-theme');
    } catch {
      return null;
    }
  })();
  if (stored === 'dark' || stored === 'light') root.dataset.theme = stored;
  $('theme').addEventListener('click', () => {
    const dark = root.dataset.theme
      ? root.dataset.theme === 'dark'
      : matchMedia('(prefers-color-scheme: dark)').matches;
    root.dataset.theme = dark ? 'light' : 'dark';
    try {
      localStorage.setItem('hf-core-theme', root.dataset.theme);
    } catch {
      // file:// pages may have no storage: the choice lasts until the page is closed
    }
  });

  // --- filters ---------------------------------------------------------------------------------
  const state = { family: '', backend: '', status: '', level: '', q: '', selected: null };
  const matches = (r) =>
    (!state.family || r.family === state.family) &&
    (!state.backend || r.backend === state.backend) &&
    (!state.status || r.status === state.status) &&
    (!state.level || (r.level ?? 'none') === state.level) &&
    (!state.q ||
      [r.ref, r.modelType, r.family, r.backend, r.reason, ...r.findings].join('\n').toLowerCase().includes(state.q));

  function applyFilters() {
    const shown = data.rows.filter(matches);
    let lines = 0;
    for (const tr of document.querySelectorAll('#matrix tbody tr')) {
      const line = data.matrix[Number(tr.dataset.m)];
      const any = Object.values(line.cells).some((i) => matches(data.rows[i]));
      tr.hidden = !any;
      if (any) lines += 1;
    }
    for (const node of document.querySelectorAll('#matrix [data-backend]'))
      node.hidden = Boolean(state.backend) && node.dataset.backend !== state.backend;
    $('count').textContent = `${shown.length} of ${data.rows.length} results, ${lines} models`;
    renderCharts(shown);
  }
  for (const [id, key] of [
    ['f-family', 'family'],
    ['f-backend', 'backend'],
    ['f-status', 'status'],
    ['f-level', 'level'],
  ]) {
    $(id).addEventListener('change', (e) => {
      state[key] = e.target.value;
      applyFilters();
    });
  }
  let typing;
  $('f-search').addEventListener('input', (e) => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      state.q = e.target.value.trim().toLowerCase();
      applyFilters();
    }, 120);
  });
  $('sort').addEventListener('change', () => applyFilters());
  $('limit').addEventListener('change', () => applyFilters());

  // --- charts ----------------------------------------------------------------------------------
  function put(id, chart) {
    const fig = $(id);
    for (const old of fig.querySelectorAll(':scope > :not(figcaption)')) old.remove();
    fig.append(chart);
  }
  const empty = (text) => el('p', { class: 'empty' }, text);
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

  function chartTrendP50() {
    const r = state.selected === null ? null : data.rows[state.selected];
    const caption = $('chart-trend-p50').querySelector('figcaption');
    if (r) {
      caption.textContent = `p50 latency over runs: ${label(r)}`;
      const points = r.trend
        .filter((t) => t[2] !== null)
        .map(([i, status, p50]) => ({ x: runAt(data.runs[i], i), p50, status, run: data.runs[i].run }));
      if (!points.length) return empty('This result has no latency in the history.');
      return Plot.plot({
        width: widthOf('chart-trend-p50'),
        height: 220,
        x: runAxis(),
        y: { label: 'p50, ms', grid: true, zero: true },
        color: { ...statusColor, legend: true },
        marks: [
          Plot.lineY(points, { x: 'x', y: 'p50', stroke: 'currentColor', strokeOpacity: 0.5 }),
          Plot.dot(points, { x: 'x', y: 'p50', fill: 'status', r: 4, tip: true, channels: { run: 'run' } }),
        ],
      });
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

  // --- details of one result -------------------------------------------------------------------
  function details(i) {
    const r = data.rows[i];
    state.selected = i;
    put('chart-trend-p50', chartTrendP50());
    const body = $('details-body');
    body.replaceChildren();
    const metric = (name, value) =>
      value === undefined ? null : el('tr', {}, el('th', {}, name), el('td', {}, value));
    body.append(
      el('h3', {}, `${r.ref} on ${r.backend} `, el('span', { class: `badge ${r.status}` }, r.status)),
      el(
        'p',
        {},
        `family ${r.family}, level ${r.level ?? 'none'}`,
        r.dtype ? `, dtype ${r.dtype}` : '',
        r.fallback ? ` (fell back to ${r.fallback})` : '',
      ),
      r.reason ? el('p', { class: 'reason' }, r.reason) : null,
      ...r.findings.map((f) => el('p', { class: 'reason' }, `▲ ${f}`)),
      el(
        'table',
        { class: 'metrics' },
        metric('load', r.m.load_ms !== undefined ? fmt(r.m.load_ms, ' ms') : undefined),
        metric('first forward', r.m.first_forward_ms !== undefined ? fmt(r.m.first_forward_ms, ' ms') : undefined),
        metric(
          'latency p50 / p90 / p99',
          r.m.p50_ms !== undefined ? `${fmt(r.m.p50_ms)} / ${fmt(r.m.p90_ms)} / ${fmt(r.m.p99_ms)} ms` : undefined,
        ),
        metric('peak RSS', r.m.peak_rss_mb !== undefined ? fmt(r.m.peak_rss_mb, ' MB') : undefined),
        metric('prefill', r.m.prefill_ms !== undefined ? fmt(r.m.prefill_ms, ' ms') : undefined),
        metric(
          'decode',
          r.m.decode_ms_per_token !== undefined ? fmt(r.m.decode_ms_per_token, ' ms per token') : undefined,
        ),
        metric('tokens per second', r.m.tokens_per_s !== undefined ? fmt(r.m.tokens_per_s) : undefined),
      ),
      el('h4', {}, `Checks (${r.checks.length})`),
      r.checks.length
        ? el(
            'table',
            { class: 'checks' },
            r.checks.map((c) =>
              el(
                'tr',
                {},
                el('td', {}, el('span', { class: `badge ${c.status}` }, c.status)),
                el('td', {}, c.name),
                el('td', {}, c.level ?? ''),
                el('td', {}, c.message),
              ),
            ),
          )
        : el('p', {}, 'No check ran.'),
      r.evidence
        ? el(
            'p',
            {},
            Object.entries(r.evidence)
              .map(([k, v]) => `${k}: ${v}`)
              .join(', '),
          )
        : null,
      r.tail ? el('pre', {}, r.tail) : null,
      r.log ? el('p', {}, 'Log: ', el('a', { href: r.log }, r.log)) : el('p', {}, 'No log kept for this result.'),
    );
    const trend = r.trend.filter((t) => t[2] !== null);
    if (trend.length > 1) {
      body.append(
        el('h4', {}, 'p50 over runs'),
        Plot.plot({
          width: 520,
          height: 160,
          x: { label: 'run #' },
          y: { label: 'p50, ms', grid: true, zero: true },
          color: statusColor,
          marks: [
            Plot.lineY(trend, { x: (t) => t[0] + 1, y: (t) => t[2], stroke: 'currentColor', strokeOpacity: 0.5 }),
            Plot.dot(trend, { x: (t) => t[0] + 1, y: (t) => t[2], fill: (t) => t[1], r: 4 }),
          ],
        }),
      );
    }
    $('details').showModal();
  }
  document.addEventListener('click', (e) => {
    const target = e.target instanceof Element ? e.target.closest('button[data-i]') : null;
    if (target) details(Number(target.dataset.i));
  });
  $('details').addEventListener('click', (e) => {
    if (e.target === $('details')) $('details').close();
  });

  const firstRegressed = data.rows.findIndex((r) => r.findings.some((f) => f.startsWith('p50')));
  state.selected = firstRegressed >= 0 ? firstRegressed : null;
  applyFilters();
  let resizing;
  addEventListener('resize', () => {
    clearTimeout(resizing);
    resizing = setTimeout(applyFilters, 200);
  });
})();
