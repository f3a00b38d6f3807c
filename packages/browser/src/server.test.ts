import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderGuard } from './node-calls.ts';
import { PAGE_CONFIG_GLOBAL } from './page/config.ts';
import { RemoteEngines } from './remote.ts';
import { PageServer, pageHtml } from './server.ts';
import { decodeValue, ROUTES, TOKEN_HEADER, type WireAnswer } from './wire.ts';

const dir = mkdtempSync(join(tmpdir(), 'hf-core-server-'));
const model = join(dir, 'models', 'bert');
const ortDist = join(dir, 'ort');
mkdirSync(model, { recursive: true });
mkdirSync(ortDist);
writeFileSync(join(model, 'config.json'), '{"model_type":"bert"}');
writeFileSync(join(ortDist, 'ort-wasm-simd-threaded.wasm'), Buffer.from([0, 97, 115, 109]));
writeFileSync(join(dir, 'outside.txt'), 'not served');

const server = new PageServer({
  guard: new FolderGuard({ read: [model], write: [] }),
  remote: new RemoteEngines(new Set()),
  ortDist,
  config: { env: {}, device: 'wasm', pid: 1, browser: 'Chromium test' },
});
let origin = '';
beforeAll(async () => {
  server.setBundle(new Map([['boot.js', new TextEncoder().encode('export {}')]]));
  origin = await server.start();
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const call = async (fn: string, args: unknown[], token = server.token) => {
  const res = await fetch(`${origin}${ROUTES.node}`, {
    method: 'POST',
    headers: { [TOKEN_HEADER]: token },
    body: JSON.stringify({ fn, args }),
  });
  return { status: res.status, text: await res.text() };
};

describe("the page's 127.0.0.1 server", () => {
  it('listens on 127.0.0.1 only, cross-origin isolated, and serves the model folder at its absolute path', async () => {
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${origin}${model}/config.json`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('bert');
    expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const wasm = await fetch(`${origin}${ROUTES.ort}ort-wasm-simd-threaded.wasm`);
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect((await fetch(`${origin}${ROUTES.bundle}boot.js`)).status).toBe(200);
  });

  it('refuses what is outside the job folders, a traversal, an unknown runtime file, and lists each', async () => {
    const before = server.refused.length;
    for (const path of [
      `${dir}/outside.txt`,
      `${model}/../../outside.txt`,
      `${ROUTES.ort}..%2Foutside.txt`,
      '/etc/passwd',
    ])
      expect((await fetch(`${origin}${path}`)).status, path).toBe(404);
    expect(server.refused.length - before).toBe(4);
  });

  it("answers the page's node calls only with the run's token", async () => {
    expect((await call('fs.existsSync', [join(model, 'config.json')], 'wrong')).status).toBe(404);
    const ok = JSON.parse((await call('fs.readFileSync', [join(model, 'config.json')])).text) as WireAnswer;
    expect(ok.ok && new TextDecoder().decode(decodeValue(ok.value) as Uint8Array)).toContain('bert');
    const refused = JSON.parse((await call('fs.readFileSync', [join(dir, 'outside.txt')])).text) as WireAnswer;
    expect(refused).toMatchObject({ ok: false, error: { code: 'EACCES' } });
    const unknown = JSON.parse((await call('child_process.execSync', ['ls'])).text) as WireAnswer;
    expect(unknown).toMatchObject({
      ok: false,
      error: { message: `${ROUTES.node} has no call "child_process.execSync"` },
    });
  });

  it('inlines the page config as inert data: a hostile value cannot close the script', () => {
    const hostile = '</script><script>alert(1)</script>${x}`';
    const html = pageHtml({ env: { HF_CORE_IMAGES: hostile }, token: 't', device: 'webgpu', pid: 1, browser: 'b' });
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    const json = /= (\{.*\});<\/script>/.exec(html)![1]!;
    expect(JSON.parse(json)).toMatchObject({ env: { HF_CORE_IMAGES: hostile } });
    expect(html).toContain(`globalThis.${PAGE_CONFIG_GLOBAL} =`);
  });
});
