// The dashboard's shared pieces: its data, the status colours, DOM helpers and the filter state,
// in one namespace that charts.js, details.js and app.js read. Every string from a model or a
// config reaches the page as DOM text (textContent, attribute values), never as markup.
globalThis.hfDashboard = (() => {
  const data = JSON.parse(document.getElementById('hf-core-data').textContent);
  const STATUSES = ['fail', 'error', 'crash', 'timeout', 'oom', 'pass', 'skip'];
  // The status colours are defined once, in the page's style sheet.
  const css = getComputedStyle(document.documentElement);
  const statusColor = { domain: STATUSES, range: STATUSES.map((s) => css.getPropertyValue(`--${s}`).trim()) };
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

  /** Replaces what a chart's figure shows (its caption stays). */
  function put(id, chart) {
    const fig = $(id);
    for (const old of fig.querySelectorAll(':scope > :not(figcaption)')) old.remove();
    fig.append(chart);
  }

  return {
    data,
    STATUSES,
    statusColor,
    PASS: statusColor.range[STATUSES.indexOf('pass')],
    manyBackends,
    $,
    el,
    put,
    fmt: (x, unit = '') =>
      x === undefined || x === null ? '–' : `${x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)}${unit}`,
    label: (r) => (manyBackends ? `${r.ref} · ${r.backend}` : r.ref),
    empty: (text) => el('p', { class: 'empty' }, text),
    /** The filters' values, and the result whose trend is drawn (an index into data.rows, or null). */
    state: { family: '', backend: '', status: '', level: '', q: '', selected: null },
  };
})();
