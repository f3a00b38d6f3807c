/**
 * The page's only server: on 127.0.0.1, for the life of one run. It serves the page and its
 * bundle, onnxruntime-web's WebAssembly files from the installed package, the job's folders at
 * their absolute paths (models, test inputs), and answers the page's calls into Node. Nothing
 * the page needs comes from anywhere else.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve } from 'node:path';
import { type FolderGuard, nodeCalls } from './node-calls.ts';
import type { PageConfig } from './page/config.ts';
import { PAGE_CONFIG_GLOBAL } from './page/config.ts';
import type { RemoteEngines } from './remote.ts';
import { decodeValue, encodeValue, ROUTES, TOKEN_HEADER, type WireAnswer, type WireCall } from './wire.ts';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.html': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.wav': 'audio/wav',
};

/** Cross-origin isolation: finer timers, and SharedArrayBuffer for a threaded runtime. */
const HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

export interface PageServerOptions {
  guard: FolderGuard;
  remote: RemoteEngines;
  /** Folder of onnxruntime-web's dist files (the copy transformers.js uses). */
  ortDist: string;
  /** Page config, less the token the server makes. */
  config: Omit<PageConfig, 'token'>;
}

/** The page's HTML: its config inlined as inert JSON, then the boot module. */
export function pageHtml(config: PageConfig): string {
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  return `<!doctype html><html><head><meta charset="utf-8"><title>hf-core</title>
<script>globalThis.${PAGE_CONFIG_GLOBAL} = ${json};</script>
<script type="module" src="${ROUTES.bundle}boot.js"></script></head><body></body></html>`;
}

export class PageServer {
  readonly token = randomBytes(16).toString('hex');
  /** Paths asked of the server that it refused (outside the job's folders, or unknown). */
  readonly refused: string[] = [];
  served = 0;
  private server?: Server;
  private bundle = new Map<string, Uint8Array>();
  private readonly calls: Record<string, (...args: unknown[]) => unknown>;

  constructor(private readonly opts: PageServerOptions) {
    this.calls = nodeCalls(opts.guard);
  }

  /** The bundled files, by name under ROUTES.bundle. */
  setBundle(files: Map<string, Uint8Array>): void {
    this.bundle = files;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error) => this.send(res, 500, 'text/plain', err.message));
    });
    await new Promise<void>((ok, fail) => {
      this.server!.once('error', fail);
      this.server!.listen(0, '127.0.0.1', ok);
    });
    return this.origin;
  }

  get origin(): string {
    const a = this.server?.address() as AddressInfo | null;
    if (!a) throw new Error('the page server is not started');
    return `http://127.0.0.1:${a.port}`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((ok) => s.close(() => ok()));
  }

  private send(res: ServerResponse, status: number, type: string, body: string | Uint8Array): void {
    res.writeHead(status, { ...HEADERS, 'content-type': type });
    res.end(body);
  }

  private refuse(res: ServerResponse, path: string, why: string): void {
    this.refused.push(path);
    this.send(res, 404, 'text/plain', `${path}: ${why}`);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = decodeURIComponent(new URL(req.url ?? '/', this.origin).pathname);
    this.served++;
    if (req.method === 'POST') return this.answerCall(req, res, path);
    if (path === ROUTES.page)
      return this.send(res, 200, TYPES['.html']!, pageHtml({ ...this.opts.config, token: this.token }));
    if (path.startsWith(ROUTES.bundle)) {
      const file = this.bundle.get(path.slice(ROUTES.bundle.length));
      return file ? this.send(res, 200, TYPES['.js']!, file) : this.refuse(res, path, 'not in the bundle');
    }
    if (path.startsWith(ROUTES.ort)) {
      const name = path.slice(ROUTES.ort.length);
      if (!/^[\w.-]+$/.test(name)) return this.refuse(res, path, 'not an onnxruntime-web file name');
      return this.sendFile(res, join(this.opts.ortDist, name), path);
    }
    if (!this.opts.guard.canRead(path)) return this.refuse(res, path, "outside the job's folders");
    return this.sendFile(res, resolve(path), path);
  }

  private sendFile(res: ServerResponse, file: string, path: string): void {
    let size: number;
    try {
      const s = statSync(file);
      if (!s.isFile()) {
        this.refuse(res, path, 'not a file');
        return;
      }
      size = s.size;
    } catch {
      this.refuse(res, path, 'no such file');
      return;
    }
    res.writeHead(200, {
      ...HEADERS,
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': size,
    });
    createReadStream(file).pipe(res);
  }

  private async answerCall(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.headers[TOKEN_HEADER] !== this.token) return this.refuse(res, path, 'missing or wrong token');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const { fn, args } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WireCall;
    const table = path === ROUTES.node ? this.calls : path === ROUTES.remote ? this.opts.remote.calls : undefined;
    const impl = table?.[fn];
    let answer: WireAnswer;
    if (!impl) answer = { ok: false, error: { message: `${path} has no call "${fn}"` } };
    else {
      try {
        answer = { ok: true, value: encodeValue(await impl(...args.map(decodeValue))) };
      } catch (err) {
        const e = err as Error & { code?: string };
        answer = { ok: false, error: { message: e.message, ...(e.code ? { code: e.code } : {}) } };
      }
    }
    this.send(res, 200, TYPES['.json']!, JSON.stringify(answer ?? { ok: true, value: null }));
  }
}
