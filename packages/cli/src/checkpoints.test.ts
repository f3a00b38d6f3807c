import { createServer, type Server } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelResult } from '@hf-core/core';
import { buildFixtures } from '../../../plugins/checkpoint/test/fixtures.ts';
import { main } from './index.ts';

// End to end through the CLI: a config's models: list naming a folder (with backends), a hub id
// served from a local HF_ENDPOINT (fetched into the cache, then run at dtype q8), and a folder
// without ONNX files; each generated test runs in its own process.
const root = mkdtempSync(join(tmpdir(), 'hf-core-cli-ckpt-'));
let fx: Awaited<ReturnType<typeof buildFixtures>>;
let server: Server;
let endpoint = '';
const sha = 'ab'.repeat(20);

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) =>
    statSync(join(dir, n)).isDirectory() ? listFiles(join(dir, n)).map((f) => `${n}/${f}`) : [n],
  );
}

beforeAll(async () => {
  fx = await buildFixtures(join(root, 'fx'));
  const files = listFiles(fx.llama);
  server = createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '');
    if (url === '/api/models/org/tiny-llama/revision/main')
      return void res.end(JSON.stringify({ sha, siblings: files.map((rfilename) => ({ rfilename })) }));
    const m = /^\/org\/tiny-llama\/resolve\/[0-9a-f]+\/(.+)$/.exec(url);
    if (m && files.includes(m[1]!)) return void res.end(readFileSync(join(fx.llama, m[1]!)));
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => {
  server.close();
  rmSync(root, { recursive: true, force: true });
});

async function cli(...argv: string[]) {
  const err: string[] = [];
  const env = { ...process.env, HF_HUB_CACHE: join(root, 'hub'), HF_ENDPOINT: endpoint, HF_HUB_OFFLINE: '' };
  const code = await main(argv, { stdout: () => undefined, stderr: (s) => err.push(s), cwd: root, env });
  return { code, err: err.join('\n') };
}

const rows = (out: string): ModelResult[] =>
  readFileSync(join(out, 'results.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ModelResult);

describe('hf-core run on real checkpoints', () => {
  it('runs a config models: list (folder with backends, hub id with dtype, broken folder) and reports folder, files and level', async () => {
    writeFileSync(
      join(root, 'hf-core.config.json'),
      JSON.stringify({
        plugins: ['checkpoint', 'cpu'],
        allowNetwork: true,
        measure: { warmup: 1, runs: 2, minMs: 0 },
        models: [
          { path: relative(root, fx.stacked), backends: ['cpu'] },
          { id: 'org/tiny-llama', dtype: ['q8'] },
          relative(root, fx.noOnnx),
        ],
      }),
    );
    const out = join(root, 'out-config');
    const r = await cli('run', '--out', out, '--quiet');
    expect(r.err).toContain('hf-core: fetching org/tiny-llama into the Hugging Face cache (dtypes q8)');
    expect(r.code).toBe(1); // the folder without ONNX files is an error row; the others still ran
    const byRef = Object.fromEntries(rows(out).map((x) => [x.ref, x]));
    expect(byRef['fx/stacked-cache']).toMatchObject({
      status: 'pass',
      level: 'session',
      family: 'decoder-only',
      model: { dtype: 'fp32', files: ['onnx/model.onnx'] },
    });
    expect(byRef['fx/stacked-cache']!.metrics.tokens_per_s).toBeGreaterThan(0);
    const hub = byRef['org/tiny-llama#q8']!;
    expect(hub).toMatchObject({
      status: 'pass',
      level: 'pipeline',
      model: { dtype: 'q8', dir: join(root, 'hub', 'models--org--tiny-llama', 'snapshots', sha) },
    });
    expect(hub.model!.files).toContain('onnx/model_quantized.onnx');
    expect(hub.checks.find((c) => c.name === 'dtype-parity')).toMatchObject({
      status: 'skip',
      message: 'no fp32 model file to compare q8 with',
    });
    expect(byRef['fx/no-onnx']).toMatchObject({ status: 'error' });
    expect(byRef['fx/no-onnx']!.reason).toContain(
      'has no ONNX file (looked for *.onnx at its top and under onnx/; it has config.json, pytorch_model.bin)',
    );
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toContain(
      `- org/tiny-llama#q8 on cpu: folder \`${hub.model!.dir}\`, dtype q8, level pipeline (the highest level hf-core tests); files: onnx/model_quantized.onnx, config.json`,
    );
    expect(report).toContain('- fx/stacked-cache on cpu: folder');
  });

  it('takes --model repeatedly and says which dtypes a folder lacks', async () => {
    const out = join(root, 'out-flags');
    const r = await cli(
      'run',
      '--plugins',
      'checkpoint,cpu',
      '--model',
      fx.contrib,
      '--model',
      fx.truncated,
      '--dtype',
      'fp32,fp16',
      '--out',
      out,
      '--quiet',
      '--runs',
      '2',
      '--warmup',
      '1',
      '--min-ms',
      '0',
    );
    expect(r.code).toBe(1);
    const byRef = Object.fromEntries(rows(out).map((x) => [x.ref, x]));
    expect(byRef[`${fx.contrib}#fp32`]).toMatchObject({ status: 'pass', level: 'session' });
    expect(byRef[`${fx.contrib}#fp16`]).toMatchObject({ status: 'skip' });
    expect(byRef[`${fx.contrib}#fp16`]!.reason).toContain('has no fp16 variant (it has fp32');
    expect(byRef[`${fx.truncated}#fp32`]!.reason).toMatch(/model\.onnx_data is truncated: it has 100 bytes/);
  });
});
