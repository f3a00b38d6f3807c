// The dashboard's behaviour: the theme, the filters, clicks on results. page.js, charts.js and
// details.js come first.
(() => {
  const { data, state, $, charts, details } = globalThis.hfDashboard;

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
    charts.renderCharts(shown);
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
