/**
 * A throwaway npm registry for the release rehearsal: verdaccio 6.8.0 (6.10 needs Node 22) on
 * 127.0.0.1, serving @hf-core/* and hf-core only from what the rehearsal publishes, and every
 * other package through the registry npm is configured with. Stopped by its pid.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

export interface Registry {
  url: string;
  pid: number;
  /** An npmrc pointing at the registry, with a token that may publish. */
  npmrc: string;
  /** An npmrc pointing at the registry, anonymous: what installs use (verdaccio checks a token on every request). */
  installNpmrc: string;
  stop(): void;
}

/**
 * fetch with two retries: a keep-alive socket from an earlier request may have been closed by the
 * registry while a long step ran, and the first use of it then fails.
 */
export async function fetchRetry(url: string, init?: RequestInit): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (err) {
      if (attempt >= 3) throw new Error(`${url}: ${(err as Error).message} (${String((err as Error).cause ?? '')})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The registry npm uses here (a mirror where one is configured): the uplink for third-party packages. */
function upstreamRegistry(): string {
  const r = spawnSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' });
  const url = r.status === 0 ? r.stdout.trim() : '';
  return url.startsWith('http') ? url : 'https://registry.npmjs.org/';
}

function config(storage: string, upstream: string): string {
  const own = (pattern: string) => `  '${pattern}':\n    access: $all\n    publish: $authenticated\n`;
  return [
    `storage: ${JSON.stringify(storage)}`,
    'auth:',
    '  htpasswd:',
    `    file: ${JSON.stringify(join(storage, 'htpasswd'))}`,
    '    max_users: 10',
    // A throwaway user on 127.0.0.1: a cheap hash, so a busy machine does not spend seconds per request.
    '    algorithm: sha1',
    'uplinks:',
    '  upstream:',
    `    url: ${JSON.stringify(upstream)}`,
    '    timeout: 60s',
    'packages:',
    // Ours come only from what the rehearsal publishes, never from the public registry.
    own('@hf-core/*').trimEnd(),
    own('hf-core').trimEnd(),
    "  '**':\n    access: $all\n    publish: $authenticated\n    proxy: upstream",
    'server:',
    '  keepAliveTimeout: 60',
    'log: { type: stdout, format: pretty, level: warn }',
    '',
  ].join('\n');
}

async function waitUntilUp(url: string, child: ChildProcess, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}-/ping`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`verdaccio did not answer ${url}-/ping within ${ms / 1000} s`);
}

/** Adds a user through the registry's API and returns its token. */
async function addUser(url: string): Promise<string> {
  const name = 'rehearsal';
  const res = await fetchRetry(`${url}-/user/org.couchdb.user:${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: 'rehearsal-only', type: 'user', roles: [], date: new Date().toISOString() }),
  });
  const body = (await res.json()) as { token?: string; error?: string };
  if (!res.ok || !body.token) throw new Error(`verdaccio refused the user: ${res.status} ${body.error ?? ''}`);
  return body.token;
}

/** Starts verdaccio in `dir` (storage, config, log) and returns it with a publishing npmrc. */
export async function startRegistry(dir: string): Promise<Registry> {
  const storage = join(dir, 'storage');
  mkdirSync(storage, { recursive: true });
  const cfg = join(dir, 'verdaccio.yaml');
  writeFileSync(cfg, config(storage, upstreamRegistry()));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const pkgJson = createRequire(import.meta.url).resolve('verdaccio/package.json');
  const { bin } = JSON.parse(readFileSync(pkgJson, 'utf8')) as { bin: string | Record<string, string> };
  const script = typeof bin === 'string' ? bin : bin.verdaccio!;
  const log = openSync(join(dir, 'verdaccio.log'), 'a');
  const child = spawn(
    process.execPath,
    [join(dirname(pkgJson), script), '--config', cfg, '--listen', `127.0.0.1:${port}`],
    { stdio: ['ignore', log, log] },
  );
  const pid = child.pid;
  if (!pid) throw new Error('verdaccio did not start');
  const stop = () => {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  // Whatever happens to this process, the registry goes with it.
  process.once('exit', stop);
  try {
    await waitUntilUp(url, child, 60_000);
    const token = await addUser(url);
    const npmrc = join(dir, 'npmrc');
    writeFileSync(npmrc, `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\n`);
    const installNpmrc = join(dir, 'install.npmrc');
    writeFileSync(installNpmrc, `registry=${url}\n`);
    return { url, pid, npmrc, installNpmrc, stop };
  } catch (err) {
    stop();
    throw err;
  }
}
