import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '@hf-core/core';
import { main } from './index.ts';
import type { CliIO } from './context.ts';

function captureIO(cwd: string): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, cwd, env: { ...process.env }, stdout: (s) => out.push(s), stderr: (s) => err.push(s) };
}

const FAST = ['--warmup', '1', '--runs', '3', '--min-ms', '0'];

describe('hf-core run, end to end (encoder on cpu)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hf-e2e-'));
  const out = join(dir, 'out');

  it('runs exactly the models named and writes results.jsonl, summary.json and report.md', async () => {
    const io = captureIO(dir);
    const code = await main(['run', '--plugins', 'encoder,cpu', '--models', 'bert,roberta', '--out', out, ...FAST], io);
    expect(code, io.err.join('\n')).toBe(0);
    for (const f of ['results.jsonl', 'summary.json', 'report.md', 'junit.xml'])
      expect(existsSync(join(out, f))).toBe(true);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.results.map((r) => r.modelType).sort()).toEqual(['bert', 'roberta']);
    for (const r of summary.results) {
      expect(r).toMatchObject({ family: 'encoder-only', backend: 'cpu', status: 'pass', level: 'pipeline' });
      expect(r.checks.map((c) => c.name)).toEqual(
        expect.arrayContaining(['output-shapes', 'padding-invariance', 'automodel', 'feature-extraction', 'fill-mask']),
      );
      expect(r.checks.every((c) => c.status === 'pass' || (c.name === 'parity' && c.status === 'skip'))).toBe(true);
      const m = r.metrics;
      expect(m.load_ms).toBeGreaterThan(0);
      expect(m.first_forward_ms).toBeGreaterThan(0);
      expect(m.latency_ms).toMatchObject({
        p50: expect.any(Number),
        p90: expect.any(Number),
        p95: expect.any(Number),
        p99: expect.any(Number),
        mean: expect.any(Number),
        stdev: expect.any(Number),
      });
      expect(m.latency_ms!.n).toBeGreaterThanOrEqual(3);
      expect(m.peak_rss_mb).toBeGreaterThan(20);
    }
    expect(readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(
      /\| bert \| encoder-only \| cpu \| pass \| pipeline \|/,
    );
  });

  it('a corrupt model.onnx makes that model an error with the runtime message; the others still run', async () => {
    // A copy of the synthesized bert folder, as a user's checkpoint folder, with its graph broken.
    const broken = join(dir, 'broken-bert');
    cpSync(join(out, 'models', 'bert'), broken, { recursive: true });
    writeFileSync(join(broken, 'onnx', 'model.onnx'), 'this is not an onnx file');
    const io = captureIO(dir);
    const again = join(dir, 'again');
    const code = await main(
      ['run', '--plugins', 'encoder,checkpoint,cpu', '--models', 'roberta', '--model', broken, '--out', again, ...FAST],
      io,
    );
    expect(code).toBe(1);
    const summary = JSON.parse(readFileSync(join(again, 'summary.json'), 'utf8')) as RunSummary;
    const bert = summary.results.find((r) => r.ref === broken)!;
    expect(bert.status).toBe('error');
    expect(bert.reason).toMatch(/model\.onnx.*(protobuf|parse|Load model)/i);
    expect(summary.results.find((r) => r.modelType === 'roberta')!.status).toBe('pass');
  });
});

describe('hf-core bad input', () => {
  it('an unknown plugin exits 2 naming what was tried and what is installed', async () => {
    const io = captureIO(process.cwd());
    expect(await main(['run', '--plugins', 'encoder,nosuch'], io)).toBe(2);
    const msg = io.err.join('\n');
    expect(msg).toContain('"@hf-core/plugin-nosuch", "hf-core-plugin-nosuch", "nosuch"');
    expect(msg).toMatch(/Installed plugins: .*encoder/);
  });

  it('an unknown model type exits 2 with the nearest known names', async () => {
    const io = captureIO(process.cwd());
    expect(await main(['run', '--plugins', 'encoder,cpu', '--models', 'bertt'], io)).toBe(2);
    expect(io.err.join('\n')).toMatch(/bertt.*bert/s);
  });

  it('--jobs 0, --jobs abc, --seed -1 exit 2 with the accepted range', async () => {
    for (const [flag, value, range] of [
      ['--jobs', '0', 'a whole number from 1 to 256'],
      ['--jobs', 'abc', 'a whole number from 1 to 256'],
      ['--seed', '-1', 'a whole number from 0 to 4294967295'],
      ['--threads', '0', 'a whole number from 1 to 256'],
    ]) {
      const io = captureIO(process.cwd());
      expect(await main(['run', '--plugins', 'encoder,cpu', flag!, value!], io)).toBe(2);
      expect(io.err.join('\n')).toContain(`${flag} expects ${range}, got "${value}"`);
    }
  });

  it('an unknown option or command exits 2 and points at --help', async () => {
    const io = captureIO(process.cwd());
    expect(await main(['run', '--no-such-flag'], io)).toBe(2);
    expect(await main(['frobnicate'], io)).toBe(2);
    expect(io.err.join('\n')).toMatch(/--help/);
  });
});
