import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelResult, RunSummary } from '../types.ts';
import { renderDashboard } from './html.ts';
import type { HistoryEntry } from './history-store.ts';

/** Debian's chromium (`apt-get install -y chromium`); `npx playwright install` cannot download here. */
const CHROMIUM = process.env.HF_CORE_CHROMIUM ?? '/usr/bin/chromium';
const hostile = '</script><script>alert(1)</script><img src=x onerror=alert(2)>"\'&${x}';

function result(r: Partial<ModelResult> & Pick<ModelResult, 'ref'>): ModelResult {
  return {
    modelType: r.ref,
    family: 'encoder-only',
    backend: 'cpu',
    status: 'pass',
    reason: '',
    level: 'pipeline',
    checks: [{ name: 'output-shapes', status: 'pass', message: 'ok', level: 'session' }],
    metrics: {},
    started_at: '2025-03-03T02:00:00.000Z',
    duration_ms: 900,
    ...r,
  };
}

const lat = (p50: number) => ({ p50, p90: p50 * 1.2, p95: p50 * 1.3, p99: p50 * 1.6, mean: p50, stdev: 0.01, n: 50 });

/** A run as a nightly job writes one: several families, two backends, failures, a hostile model. */
function nightly(): RunSummary {
  const results: ModelResult[] = [];
  const models: [string, ModelResult['family'], number][] = [
    ['bert', 'encoder-only', 0.9],
    ['roberta', 'encoder-only', 1.1],
    ['gpt2', 'decoder-only', 2.3],
    ['llama', 'decoder-only', 4.1],
    ['vit', 'vision', 3.2],
    ['whisper', 'speech', 7.5],
    [hostile, 'multimodal', 5.5],
  ];
  for (const [ref, family, p50] of models)
    for (const backend of ['cpu', 'wasm']) {
      const generative = family === 'decoder-only';
      results.push(
        result({
          ref,
          family,
          backend,
          level: backend === 'cpu' ? 'pipeline' : 'session',
          checks: [
            { name: 'output-shapes', status: 'pass', message: 'ok', level: 'session' },
            {
              name: ref === hostile ? hostile : 'padding-invariance',
              status: 'pass',
              message: hostile,
              level: 'session',
            },
          ],
          metrics: {
            load_ms: 40 * p50,
            latency_ms: lat(backend === 'wasm' ? p50 * 2 : p50),
            peak_rss_mb: 100 + 20 * p50,
            ...(generative ? { prefill_ms: p50 * 3, decode_ms_per_token: p50, tokens_per_s: 1000 / p50 } : {}),
          },
        }),
      );
    }
  results.push(
    result({
      ref: 'clip',
      family: 'multimodal',
      status: 'fail',
      reason: 'parity: max abs diff 0.3',
      checks: [{ name: 'parity', status: 'fail', message: 'max abs diff 0.3 > 1e-4', level: 'session' }],
    }),
    result({
      ref: 't5',
      family: 'encoder-decoder',
      status: 'crash',
      level: null,
      reason: 'the test process died with SIGSEGV',
      checks: [],
      evidence: { exitCode: null, signal: 'SIGSEGV', outputTail: `Segmentation fault\n${hostile}` },
    }),
    result({
      ref: 'rt-detr',
      family: 'vision',
      backend: 'wasm',
      status: 'skip',
      level: null,
      reason: 'not covered yet',
    }),
  );
  const totals = { total: results.length, pass: 0, fail: 0, skip: 0, error: 0, crash: 0, timeout: 0, oom: 0 };
  for (const r of results) totals[r.status] += 1;
  return {
    tool: { name: 'hf-core', version: '0.1.0' },
    started_at: '2025-03-03T02:00:00.000Z',
    finished_at: '2025-03-03T02:40:00.000Z',
    options: {},
    totals,
    results,
  };
}

/** Two earlier nights in which `llama` on cpu was three times faster and `clip` passed. */
function earlierNights(s: RunSummary): HistoryEntry[] {
  return ['2025-03-01T02:00:00.000Z', '2025-03-02T02:00:00.000Z'].flatMap((at, night) =>
    s.results.map((r) => ({
      v: 1,
      run: at,
      at,
      ref: r.ref,
      backend: r.backend,
      family: r.family,
      status: r.ref === 'clip' ? 'pass' : r.status,
      level: r.level,
      p50_ms:
        r.metrics.latency_ms &&
        (r.ref === 'llama' && r.backend === 'cpu' ? r.metrics.latency_ms.p50 / 3 : r.metrics.latency_ms.p50) *
          (night ? 1.03 : 0.98),
      p90_ms: r.metrics.latency_ms?.p90,
      peak_rss_mb: r.metrics.peak_rss_mb,
    })),
  );
}

describe.skipIf(!existsSync(CHROMIUM))(
  `the dashboard in a real browser (${CHROMIUM}; apt-get install -y chromium)`,
  () => {
    let browser: Browser;
    let page: Page;
    const problems: string[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'hf-core-dashboard-'));
    const summary = nightly();

    beforeAll(async () => {
      const file = join(dir, 'index.html');
      writeFileSync(file, renderDashboard(summary, { history: earlierNights(summary) }));
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      page = await browser.newPage({ viewport: { width: 1300, height: 1600 } });
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('dialog', (d) => {
        problems.push(`a dialog opened: ${d.message()}`);
        void d.dismiss();
      });
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) problems.push(`network request: ${r.url()}`);
      });
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('#chart-latency svg');
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('loads from file:// with no console error, no network and no script from a model name', async () => {
      expect(problems).toEqual([]);
      // The data island, d3, Plot and the page's four scripts: the hostile name added none.
      expect(await page.locator('script').count()).toBe(7);
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.locator('#matrix tbody th', { hasText: '<script>alert(1)</script>' }).count()).toBe(1);
    });

    it('headline numbers: coverage over the catalog, pass rate of what ran, backends', async () => {
      expect(await page.locator('#card-coverage .big').textContent()).toMatch(/^\d+ \/ \d{3} types$/);
      // 16 of 17 ran (one skip): 14 pass.
      expect(await page.locator('#card-pass .big').textContent()).toBe('87.5%');
      expect(await page.locator('#card-backends').textContent()).toContain('cpu (9 ran), wasm (7 ran)');
    });

    it('lists failures and regressions first: the crash, the failure and the 3x slower model', async () => {
      const items = await page.locator('#attention-list li').allTextContents();
      expect(items.map((t) => t.split(' on ')[0]!.trim())).toEqual(['crash t5', 'fail clip', 'pass llama']);
      expect(items[1]).toContain('status pass -> fail');
      expect(items[2]).toMatch(/p50 4\.1 ms vs .* 3\.\dx their mean/);
      // bert got 3% slower between nights: noise, not a regression.
      expect(items.join('\n')).not.toContain('bert');
    });

    it('draws every chart with its data (SVG marks from Observable Plot)', async () => {
      const marks = (chart: string, mark: string, el: string) =>
        page.locator(`#${chart} svg [aria-label="${mark}"] ${el}`).count();
      expect(await marks('chart-family', 'bar', 'rect')).toBeGreaterThanOrEqual(6);
      expect(await marks('chart-latency', 'dot', 'circle')).toBe(14);
      expect(await marks('chart-rss', 'dot', 'path')).toBe(14);
      expect(await marks('chart-gen', 'dot', 'circle')).toBe(12);
      expect(await marks('chart-trend-pass', 'dot', 'circle')).toBe(3);
      // The trend of the model that regressed is picked first: its p50 over the three nights.
      expect(await page.locator('#chart-trend-p50 figcaption').textContent()).toContain('llama · cpu');
      expect(await marks('chart-trend-p50', 'dot', 'circle')).toBe(3);
    });

    it('filters by family, backend, status, level and search change the rows and the charts', async () => {
      const rows = () => page.locator('#matrix tbody tr:not([hidden])').count();
      expect(await rows()).toBe(10);
      await page.selectOption('#f-family', 'decoder-only');
      expect(await rows()).toBe(2);
      expect(await page.locator('#chart-latency svg [aria-label="dot"] circle').count()).toBe(4);
      await page.selectOption('#f-backend', 'wasm');
      expect(await page.locator('#chart-latency svg [aria-label="dot"] circle').count()).toBe(2);
      expect(await page.locator('#matrix th[data-backend="cpu"]').isHidden()).toBe(true);
      await page.selectOption('#f-family', '');
      await page.selectOption('#f-backend', '');
      await page.selectOption('#f-status', 'crash');
      expect(await rows()).toBe(1);
      await page.selectOption('#f-status', '');
      await page.selectOption('#f-level', 'session');
      expect(await rows()).toBe(7);
      await page.selectOption('#f-level', '');
      await page.fill('#f-search', 'whisp');
      await page.waitForFunction(() => document.querySelectorAll('#matrix tbody tr:not([hidden])').length === 1);
      expect(await page.locator('#count').textContent()).toBe('2 of 17 results, 1 models');
      await page.fill('#f-search', '');
      await page.waitForFunction(() => document.querySelectorAll('#matrix tbody tr:not([hidden])').length === 10);
    });

    it('clicking a cell shows its checks, metrics and trend; hostile text stays text', async () => {
      await page.locator('#matrix tbody tr', { hasText: 'clip' }).locator('button.cell').click();
      const details = page.locator('#details');
      expect(await details.isVisible()).toBe(true);
      expect(await details.locator('.checks').textContent()).toContain('max abs diff 0.3 > 1e-4');
      expect(await details.locator('h3').textContent()).toBe('clip on cpu fail');
      expect(await details.textContent()).not.toContain('null');
      await page.click('#details-close');
      await page.locator('#matrix tbody tr', { hasText: '<script>' }).locator('button.cell[title*="on wasm"]').click();
      expect(await details.locator('h3').textContent()).toBe(`${hostile} on wasm pass`);
      expect(await details.locator('.checks').textContent()).toContain(hostile);
      expect(await details.locator('svg [aria-label="dot"] circle').count()).toBe(3);
      await page.click('#details-close');
      await page.locator('#matrix tbody tr', { hasText: 't5' }).locator('button.cell').click();
      expect(await details.locator('pre').textContent()).toBe(`Segmentation fault\n${hostile}`);
      await page.click('#details-close');
      expect(problems).toEqual([]);
    });

    it('switches between light and dark', async () => {
      const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const light = await background();
      await page.click('#theme');
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
      expect(await background()).not.toBe(light);
      const shot = join(dir, 'dark.png');
      await page.screenshot({ path: shot });
      expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
      await page.click('#theme');
      expect(await background()).toBe(light);
    });
  },
);
