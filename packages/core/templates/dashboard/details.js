// The details of one result, in the page's dialog: checks, metrics, evidence, log and its trend.
globalThis.hfDashboard.details = (() => {
  const { data, state, $, el, fmt, charts } = globalThis.hfDashboard;

  function details(i) {
    const r = data.rows[i];
    state.selected = i;
    charts.renderTrend();
    const body = $('details-body');
    body.replaceChildren();
    const metric = (name, value) =>
      value === undefined ? null : el('tr', {}, el('th', {}, name), el('td', {}, value));
    const parts = [
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
    ];
    body.append(...parts.filter(Boolean));
    const trend = r.trend.length > 1 ? charts.rowTrend(r, 520, 180) : null;
    if (trend) body.append(el('h4', {}, 'p50 over runs'), trend);
    $('details').showModal();
  }

  return details;
})();
