import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HfCoreError } from './errors.ts';
import { downloadHubSnapshot, parseRef, selectHubFiles } from './sources.ts';

// A stand-in hub on 127.0.0.1 (HF_ENDPOINT): the model listing API and /resolve/<sha>/<file>.
const sha = 'c0ffee'.padEnd(40, '0');
const repoFiles: Record<string, string> = {
  'config.json': '{"model_type":"llama"}',
  'tokenizer.json': '{}',
  'README.md': '# not fetched',
  'onnx/model.onnx': 'fp32 graph',
  'onnx/model.onnx_data': 'fp32 weights',
  'onnx/model_quantized.onnx': 'q8 graph',
  'onnx/model_q4.onnx': 'q4 graph',
  'onnx/model_q4.onnx_data': 'q4 weights',
  'onnx/model_q4.onnx_data_1': 'q4 weights 2',
};
const root = mkdtempSync(join(tmpdir(), 'hf-core-download-'));
const requests: string[] = [];
let server: Server;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  server = createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '');
    requests.push(url);
    if (url === '/api/models/org/tiny/revision/main')
      return void res.end(
        JSON.stringify({ sha, siblings: Object.keys(repoFiles).map((rfilename) => ({ rfilename })) }),
      );
    const m = /^\/org\/tiny\/resolve\/([0-9a-f]+)\/(.+)$/.exec(url);
    if (m && m[1] === sha && repoFiles[m[2]!] !== undefined) return void res.end(repoFiles[m[2]!]);
    res.statusCode = 404;
    res.end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  env = { HF_ENDPOINT: `http://127.0.0.1:${port}`, HF_HUB_CACHE: join(root, 'hub') };
});
afterAll(() => {
  server.close();
  rmSync(root, { recursive: true, force: true });
});

describe('downloadHubSnapshot', () => {
  it('picks the support files and the ONNX files (with every external data chunk) of the dtypes asked', () => {
    const names = Object.keys(repoFiles);
    expect(selectHubFiles(names)).toEqual(['config.json', 'tokenizer.json', 'onnx/model.onnx', 'onnx/model.onnx_data']);
    expect(selectHubFiles(names, ['q8', 'q4'])).toEqual([
      'config.json',
      'tokenizer.json',
      'onnx/model_quantized.onnx',
      'onnx/model_q4.onnx',
      'onnx/model_q4.onnx_data',
      'onnx/model_q4.onnx_data_1',
    ]);
  });

  it('fetches into the cache layout, where parseRef then finds the snapshot offline', async () => {
    const got = await downloadHubSnapshot('org/tiny', undefined, env, { dtypes: ['q4'] });
    const snapshot = join(env.HF_HUB_CACHE!, 'models--org--tiny', 'snapshots', sha);
    expect(got.dir).toBe(snapshot);
    expect(readFileSync(join(snapshot, 'onnx', 'model_q4.onnx_data_1'), 'utf8')).toBe('q4 weights 2');
    expect(existsSync(join(snapshot, 'onnx', 'model.onnx'))).toBe(false);
    expect(existsSync(join(snapshot, 'README.md'))).toBe(false);
    expect(readFileSync(join(env.HF_HUB_CACHE!, 'models--org--tiny', 'refs', 'main'), 'utf8')).toBe(sha);
    expect(parseRef('org/tiny', { cwd: root, env })).toEqual({ kind: 'folder', path: snapshot, ref: 'org/tiny' });
    // A second fetch reuses the files already there.
    const before = requests.length;
    await downloadHubSnapshot('org/tiny', undefined, env, { dtypes: ['q4'] });
    expect(requests.slice(before)).toEqual(['/api/models/org/tiny/revision/main']);
  });

  it('refuses under HF_HUB_OFFLINE=1 and names the URL of a missing model', async () => {
    await expect(downloadHubSnapshot('org/tiny', undefined, { ...env, HF_HUB_OFFLINE: '1' })).rejects.toThrow(
      'Not fetching "org/tiny": HF_HUB_OFFLINE is set.',
    );
    const err = await downloadHubSnapshot('org/missing', 'v1', env).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HfCoreError);
    expect((err as HfCoreError).message).toBe(
      `${env.HF_ENDPOINT}/api/models/org/missing/revision/v1 answered 404 Not Found.`,
    );
  });
});
