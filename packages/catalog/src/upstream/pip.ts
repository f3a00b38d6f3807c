/**
 * A transformers release by its version: the wheel in hf-core's cache, else downloaded there by
 * `pip download transformers==<version> --no-deps` from whatever index pip is configured for
 * ($HF_CORE_PIP names another pip command).
 * Only the wheel's files are read (no Python runs); pip is just the downloader.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { openSource, SourceError, type SourceTree } from './source.ts';

const VERSION = /^\d+(\.\d+){1,3}([.-]?(dev|rc|a|b|post)\d*)?$/;

export const isVersion = (s: string) => VERSION.test(s);

/** Where downloaded wheels are kept: $HF_CORE_CACHE, else $XDG_CACHE_HOME/hf-core, else ~/.cache/hf-core. */
export function releaseCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.HF_CORE_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'hf-core');
  return join(base, 'transformers');
}

export function cachedWheel(version: string, dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const name = readdirSync(dir).find((f) => f.startsWith(`transformers-${version}-`) && f.endsWith('.whl'));
  return name && join(dir, name);
}

/** The pip commands tried: $HF_CORE_PIP alone when set, else pip, pip3, python3 -m pip in turn. */
function pipCommands(env: NodeJS.ProcessEnv): string[][] {
  if (env.HF_CORE_PIP) return [env.HF_CORE_PIP.split(' ')];
  return [['pip'], ['pip3'], ['python3', '-m', 'pip']];
}

/** The wheel of a transformers release, from the cache or downloaded into it. Throws SourceError when pip cannot get it. */
export function wheelForVersion(version: string, opts: { env?: NodeJS.ProcessEnv; cacheDir?: string } = {}): string {
  const env = opts.env ?? process.env;
  const dir = opts.cacheDir ?? releaseCacheDir(env);
  const cached = cachedWheel(version, dir);
  if (cached) return cached;
  mkdirSync(dir, { recursive: true });
  const tried: string[] = [];
  for (const [cmd, ...pre] of pipCommands(env)) {
    const args = [...pre, 'download', `transformers==${version}`, '--no-deps', '--only-binary=:all:', '-d', dir];
    const r = spawnSync(cmd, args, { encoding: 'utf8', env, timeout: 600_000 });
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
      tried.push(`${cmd}: not installed`);
      continue;
    }
    const wheel = cachedWheel(version, dir);
    if (r.status === 0 && wheel) return wheel;
    const why = `${r.stderr ?? ''}`.trim().split('\n').filter(Boolean).at(-1) ?? `exit code ${r.status}`;
    throw new SourceError(
      `transformers==${version}`,
      `pip could not download it (${[cmd, ...args].join(' ')}: ${why})`,
      'a transformers version your pip index has, or a path: a wheel, a checkout or an installed package',
    );
  }
  throw new SourceError(
    `transformers==${version}`,
    `no pip to download it with (${tried.join('; ')})`,
    'pip on PATH (or HF_CORE_PIP), or a path: a wheel, a checkout or an installed package',
  );
}

/** Opens what a user named: a path (folder, wheel) or a release version (cache, then pip). */
export function openRelease(
  spec: string,
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; cacheDir?: string } = {},
): SourceTree {
  const path = resolve(opts.cwd ?? process.cwd(), spec);
  if (existsSync(path) || !isVersion(spec)) return openSource([path]);
  return openSource([wheelForVersion(spec, opts)]);
}
