/**
 * The CI path for real (`pnpm test:flow`, minutes: not in `pnpm test`): three `--shard i/3` runs
 * merged by `hf-core report` equal one unsharded run, and three runs into one `--history` give
 * trends, a `hf-core history` table and a dashboard, with a planted 5x slowdown flagged and the
 * run-to-run noise of the other models not. Four runs: with two earlier runs of 0.1 ms models the
 * noise is known so loosely (Student's t at 4 degrees of freedom) that a noisy runner needs a
 * slowdown of 6x to call it one; three earlier runs and 5x leave room for 30% run-to-run noise. HF_CORE_DOCS_SCREENSHOTS=1 also writes the
 * dashboard's screenshots into docs/.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RunSummary } from '@hf-core/core';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../index.ts';
import type { CliIO } from '../context.ts';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const CHROMIUM = process.env.HF_CORE_CHROMIUM ?? '/usr/bin/chromium';
const SLOW_DOWN = fileURLToPath(new URL('../test-fixtures/slow-down/index.ts', import.meta.url));

function capture(cwd: string): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, cwd, env: { ...process.env }, stdout: (s) => void out.push(s), stderr: (s) => void err.push(s) };
}

async function hfCore(dir: string, ...args: string[]): Promise<CliIO & { out: string[]; err: string[] }> {
  const io = capture(dir);
  const code = await main(args, io);
  expect(code, `hf-core ${args.join(' ')}\n${io.err.join('\n')}`).toBe(0);
  return io;
}

const summaryOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
/** What a row says, without the timings that differ between any two runs. */
const rowsOf = (s: RunSummary) =>
  s.results
    .map((r) => ({
      ref: r.ref,
      backend: r.backend,
      family: r.family,
      status: r.status,
      level: r.level,
      checks: r.checks.map((c) => `${c.name}:${c.status}`).sort(),
    }))
    .sort((a, b) => a.ref.localeCompare(b.ref));

describe('hf-core in CI, for real', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hf-core-flow-'));
  afterEach(() => {
    delete process.env.HF_CORE_TEST_SLOW_REF;
  });

  it('three shards merge into one dashboard with the rows of one unsharded run', async () => {
    const base = ['run', '--plugins', 'other,cpu', '--quiet', '--warmup', '1', '--runs', '3', '--min-ms', '0'];
    await hfCore(dir, ...base, '--out', 'whole');
    for (const i of [1, 2, 3]) await hfCore(dir, ...base, '--shard', `${i}/3`, '--out', `shard-${i}`);
    const sizes = [1, 2, 3].map((i) => summaryOf(join(dir, `shard-${i}`)).results.length);
    expect(sizes.every((n) => n > 0)).toBe(true);
    await hfCore(dir, 'report', 'shard-1', 'shard-2', 'shard-3', '--out', 'merged');
    const whole = rowsOf(summaryOf(join(dir, 'whole')));
    expect(whole.length).toBe(sizes.reduce((a, b) => a + b, 0));
    expect(rowsOf(summaryOf(join(dir, 'merged')))).toEqual(whole);
    const page = readFileSync(join(dir, 'merged', 'dashboard', 'index.html'), 'utf8');
    expect(page.match(/<tr data-m=/g)).toHaveLength(whole.length);
    // Each shard's logs came along, so the dashboard's links work (skip rows of types nothing ran have none).
    const logs = (run: string) => readdirSync(join(dir, run, 'logs')).filter((f) => f.endsWith('.log'));
    expect(logs('whole').length).toBeGreaterThan(0);
    expect(logs('merged').sort()).toEqual(logs('whole').sort());
  });

  it('four runs into one --history: trends, a history table, a 5x slowdown flagged and noise not', async () => {
    const history = join(dir, 'nightly', 'history.jsonl');
    const models = ['--models', 'bert,albert,gpt2,vit', '--runs', '30', '--min-ms', '300'];
    const plugins = ['--plugins', `encoder,decoder,vision,cpu,${SLOW_DOWN}`];
    const nights = [1, 2, 3, 4];
    for (const night of nights) {
      if (night === 4) process.env.HF_CORE_TEST_SLOW_REF = 'bert';
      await hfCore(dir, 'run', ...plugins, ...models, '--quiet', '--out', `night-${night}`, '--history', history);
    }
    const table = (await hfCore(dir, 'history', history)).out.join('\n');
    // Each model's p50 by night, so a red run tells a slowdown not planted from one not flagged.
    const p50s = ['bert', 'albert', 'gpt2', 'vit'].map(
      (m) =>
        `${m}: ${nights.map((n) => summaryOf(join(dir, `night-${n}`)).results.find((r) => r.ref === m)?.metrics?.latency_ms?.p50).join(' ')}`,
    );
    expect(table).toContain('4 runs, 16 rows');
    expect(table, p50s.join('\n')).toMatch(
      /Latency regressions \(p50 beyond the run-to-run noise\): 1\n {2}bert \[cpu\]: p50 /,
    );
    expect(table).toContain('Status regressions (passed in its previous run, fails now): none');
    const regressions = JSON.parse(readFileSync(join(dir, 'night-4', 'regressions.json'), 'utf8'));
    expect(regressions.regressions.map((r: { ref: string; kind: string }) => `${r.ref} ${r.kind}`)).toEqual([
      'bert latency',
    ]);
    console.log(`${table}\n`);

    if (!existsSync(CHROMIUM)) return console.log(`no ${CHROMIUM}: the dashboard was not opened`);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1500 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(pathToFileURL(join(dir, 'night-4', 'dashboard', 'index.html')).href);
      await page.waitForSelector('#chart-trend-pass svg');
      expect(errors).toEqual([]);
      expect(await page.locator('#chart-trend-pass svg [aria-label="dot"] circle').count()).toBe(4);
      expect(await page.locator('#chart-trend-p50 figcaption').textContent()).toBe('p50 latency over runs: bert');
      expect(await page.locator('#chart-trend-p50 svg [aria-label="dot"] circle').count()).toBe(4);
      expect(await page.locator('#attention-list li').allTextContents()).toEqual([
        expect.stringMatching(/^pass bert on cpu p50 .* in 3 earlier runs/),
      ]);
      if (process.env.HF_CORE_DOCS_SCREENSHOTS) {
        await page.screenshot({ path: join(REPO, 'docs', 'dashboard.png') });
        await page.click('#theme');
        await page.locator('#matrix tbody tr', { hasText: 'gpt2' }).locator('button.cell').click();
        await page.screenshot({ path: join(REPO, 'docs', 'dashboard-dark.png') });
      }
    } finally {
      await browser.close();
    }
  });
});
