import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HfCore } from './core.ts';
import { rssOfGroupMb } from './process-groups.ts';
import { runModels } from './run.ts';
import { fixtureCpuBackend, isolationFamily, RESOLVE_FROM } from './test-fixtures/isolation.ts';
import type { Classification, ModelResult } from './types.ts';

async function fixtureCore(): Promise<HfCore> {
  const core = new HfCore();
  await core.use(isolationFamily());
  await core.use(fixtureCpuBackend());
  return core;
}

async function classify(core: HfCore, types: string[]): Promise<Classification[]> {
  const out: Classification[] = [];
  for (const t of types)
    out.push((await core.hooks.classify.promise({ ref: { kind: 'type', modelType: t, ref: t } }))!);
  return out;
}

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'hf-core-isolate-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const byRef = (results: ModelResult[]) => Object.fromEntries(results.map((r) => [r.ref, r]));

describe('isolated runs: a misbehaving model is recorded, the others in the run are not affected', () => {
  // One run, each model in its own process: an abort, a corrupt model, one that allocates past
  // the cap (and then passes at the micro size), and a good one.
  it('crash, error and oom (with a micro fallback) beside a pass', async () => {
    const core = await fixtureCore();
    const outDir = tempDir();
    const summary = await runModels(core, await classify(core, ['fx-abort', 'fx-corrupt', 'fx-oom', 'fx-good']), {
      outDir,
      backends: ['cpu'],
      timeoutMs: 60_000,
      memoryCapMb: 400,
      resolveFrom: RESOLVE_FROM,
    });
    const r = byRef(summary.results);

    expect(r['fx-abort']).toMatchObject({ status: 'crash', reason: expect.stringMatching(/test process died/) });
    expect(r['fx-abort']!.evidence).toMatchObject({
      crashedAt: expect.stringContaining('fx-abort.test.ts'),
      nativeStackTrace: true,
    });

    expect(r['fx-corrupt']).toMatchObject({
      status: 'error',
      reason: expect.stringMatching(/failed to load .*fx-corrupt.*model\.onnx on cpu: .*Protobuf parsing failed/),
    });
    expect(r['fx-corrupt']!.evidence).toMatchObject({
      exitCode: 1,
      logFile: expect.stringContaining('fx-corrupt.cpu.log'),
    });

    const oom = r['fx-oom']!;
    expect(oom).toMatchObject({ status: 'pass', fallback: 'micro' });
    expect(oom.model?.dir).toMatch(/fx-oom\.micro$/);
    expect(oom.evidence?.firstAttempt).toMatchObject({
      status: 'oom',
      killedFor: 'oom',
      signal: 'SIGKILL',
      limits: { memoryCapMb: 400 },
    });
    expect((oom.evidence!.firstAttempt as { peakTreeRssMb: number }).peakTreeRssMb).toBeGreaterThan(400);
    // The first attempt's log is kept beside the micro run's.
    expect((oom.evidence!.firstAttempt as { logFile: string }).logFile).toMatch(/fx-oom\.cpu\.first-attempt\.log$/);
    expect(existsSync((oom.evidence!.firstAttempt as { logFile: string }).logFile)).toBe(true);

    expect(r['fx-good']).toMatchObject({
      status: 'pass',
      level: 'session',
      checks: [{ name: 'runs', status: 'pass' }],
    });
    expect(summary.totals).toMatchObject({ total: 4, pass: 2, crash: 1, error: 1, oom: 0 });
    // Every row was written to results.jsonl as it finished.
    expect(readFileSync(join(outDir, 'results.jsonl'), 'utf8').trim().split('\n')).toHaveLength(4);
  }, 180_000);

  it('a test that never returns is killed at the time limit and recorded as timeout', async () => {
    const core = await fixtureCore();
    const summary = await runModels(core, await classify(core, ['fx-hang']), {
      outDir: tempDir(),
      backends: ['cpu'],
      timeoutMs: 6000,
      resolveFrom: RESOLVE_FROM,
    });
    const [hang] = summary.results;
    expect(hang).toMatchObject({ status: 'timeout', reason: expect.stringMatching(/after the 6000 ms limit/) });
    expect(hang!.evidence).toMatchObject({ killedFor: 'timeout', signal: 'SIGKILL', limits: { timeoutMs: 6000 } });
    expect(hang!.duration_ms).toBeGreaterThanOrEqual(6000);
    expect(hang!.duration_ms).toBeLessThan(15_000);
  }, 60_000);

  it('a plugin adds its own fallback: a tap on hooks.fallback answers the timeout with another attempt', async () => {
    const core = await fixtureCore();
    const seen: string[] = [];
    await core.use({
      name: 'test:retry-after-timeout',
      apply(c) {
        // Before core's own fallbacks; it retries a timed-out model once as the fx-good type.
        c.hooks.fallback.tapPromise({ name: 'test:retry-after-timeout', stage: -10 }, async (row, ctx) => {
          seen.push(`${row.ref}:${row.status}`);
          if (row.status !== 'timeout') return row;
          const again = await ctx.retry({ ...ctx.classification, ref: 'fx-good', modelType: 'fx-good' });
          return { ...again, ref: row.ref, fallback: 'fx-good', reason: `retried after: ${row.reason}` };
        });
      },
    });
    const summary = await runModels(core, await classify(core, ['fx-hang', 'fx-good-2']), {
      outDir: tempDir(),
      backends: ['cpu'],
      timeoutMs: 4000,
      resolveFrom: RESOLVE_FROM,
    });
    const r = byRef(summary.results);
    expect(r['fx-hang']).toMatchObject({
      status: 'pass',
      fallback: 'fx-good',
      checks: [{ name: 'runs', status: 'pass' }],
    });
    expect(r['fx-hang']!.reason).toMatch(/^retried after: still running after the 4000 ms limit/);
    expect(r['fx-good-2']).toMatchObject({ status: 'pass' });
    expect(seen.sort()).toEqual(['fx-good-2:pass', 'fx-hang:timeout']);
  }, 60_000);
});

describe("hf-core's runner and the vitest CLI give the same rows", () => {
  // The same generated files, run by each: every check, its status and message, the level and
  // the row's status agree (a crash's reason names what each saw die).
  it('for a mix of pass/fail/skip/nested hooks/a throw outside a check, a crash, and files that need vitest itself (an import, it.each)', async () => {
    const types = ['fx-mixed', 'fx-abort', 'fx-expect', 'fx-each'];
    const rowsOf = async (runner: 'hf-core' | 'vitest') => {
      const core = await fixtureCore();
      const outDir = tempDir();
      const summary = await runModels(core, await classify(core, types), {
        outDir,
        backends: ['cpu'],
        timeoutMs: 60_000,
        resolveFrom: RESOLVE_FROM,
        runner,
        jobs: 2,
      });
      const here = (text: string) => text.replaceAll(outDir, '<out>');
      return summary.results.map((r) => ({
        ref: r.ref,
        status: r.status,
        level: r.level,
        checks: r.checks.map((c) => ({ name: c.name, status: c.status, message: here(c.message) })),
        ...(r.status === 'crash' ? {} : { reason: here(r.reason) }),
      }));
    };
    const ours = await rowsOf('hf-core');
    expect(ours).toEqual(await rowsOf('vitest'));
    const mixed = ours.find((r) => r.ref === 'fx-mixed')!;
    expect(mixed).toMatchObject({ status: 'fail', reason: 'wrong: expected 1, got 2' });
    expect(mixed.checks.map((c) => `${c.name}:${c.status}`)).toEqual([
      'runs:pass',
      'wrong:fail',
      'not-here:skip',
      'hooks:pass',
      'after-throw:pass',
    ]);
    expect(ours.map((r) => r.status)).toEqual(['fail', 'crash', 'pass', 'pass']);
    expect(ours.slice(-2).map((r) => r.checks.map((c) => c.name))).toEqual([
      ['runs', 'expect'],
      ['runs', 'each'],
    ]);
  }, 180_000);
});

describe('rssOfGroupMb', () => {
  it('sums resident memory over a process group, including children', async () => {
    // A detached shell (its own group) whose node child holds 150 MB of touched memory.
    const child = spawn(
      'sh',
      [
        '-c',
        `"${process.execPath}" -e "globalThis.b = Buffer.alloc(150 * 1024 * 1024, 1); setTimeout(() => {}, 20000)"`,
      ],
      { detached: true, stdio: 'ignore' },
    );
    try {
      let seen = 0;
      for (let i = 0; i < 50 && seen < 150; i++) {
        await new Promise((r) => setTimeout(r, 100));
        seen = rssOfGroupMb(child.pid!) ?? 0;
      }
      expect(seen).toBeGreaterThan(150);
      expect(seen).toBeLessThan(400);
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
    }
  });
});
