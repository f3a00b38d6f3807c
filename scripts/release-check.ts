/**
 * `pnpm release:check`: the release rehearsal. Builds, packs every package, publishes them with
 * changesets to a local verdaccio, installs into fresh folders with npm as a user would, and runs
 * the published CLI: the lean path (@hf-core/cli + the encoder and cpu plugins, with its size), the
 * README's npm quick start as written, the full set (with its size), openvino as a clear skip,
 * vision on cpu, a TypeScript plugin by path and a folder plugin, and the generated tests under
 * plain vitest. Ends with one line, `N passed, N failed`; exit 1 when any failed.
 * `--keep` leaves the work folder (printed) in place; it is kept anyway when a check fails.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  changesetPackages,
  type Manifest,
  manifestProblems,
  publishedPackages,
  tarballProblems,
} from './release-check-manifests.ts';
import { fetchRetry, type Registry, startRegistry } from './release-check-registry.ts';

const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));
const work = mkdtempSync(join(tmpdir(), 'hf-core-release-'));
const keep = process.argv.includes('--keep');
const logs = join(work, 'logs');
mkdirSync(logs);

let passed = 0;
let failed = 0;
const notes: string[] = [];

/** Runs one check: it passes unless it throws; a failure prints why and where its log is. */
async function check(name: string, fn: () => Promise<string | undefined> | string | undefined): Promise<boolean> {
  const t0 = Date.now();
  try {
    const detail = await fn();
    passed++;
    console.log(`✓ ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)${detail ? `: ${detail}` : ''}`);
    return true;
  } catch (err) {
    failed++;
    console.log(`✗ ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s): ${(err as Error).message}`);
    return false;
  }
}

/** Environment without the npm/pnpm settings of the shell that started us, plus `extra`. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_|^NPM_CONFIG_|^PNPM_/i.test(k)));
  return { ...env, TURBO_TELEMETRY_DISABLED: '1', FORCE_COLOR: '0', NO_COLOR: '1', ...extra };
}

interface ShResult {
  code: number;
  out: string;
}

let logCount = 0;
/** Runs a command to completion (or its timeout), output to a numbered log; throws with the log's tail when `expect` is not met. */
function sh(
  label: string,
  cmd: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; expect?: number | 'any' },
): ShResult {
  const log = join(logs, `${String(++logCount).padStart(2, '0')}-${label.replace(/[^a-z0-9]+/gi, '-')}.log`);
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env,
    encoding: 'utf8',
    timeout: opts.timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
    killSignal: 'SIGKILL',
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  writeFileSync(log, `$ ${cmd} ${args.join(' ')}\n(cwd ${opts.cwd})\n\n${out}\n[exit ${r.status ?? r.signal}]\n`);
  const code = r.status ?? 124;
  const expected = opts.expect ?? 0;
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT')
    throw new Error(`${label} ran past ${opts.timeoutMs / 1000} s (log: ${log})`);
  if (expected !== 'any' && code !== expected) {
    const tail = out.trim().split('\n').slice(-6).join('\n    ');
    throw new Error(`${label} exited ${code}, expected ${expected} (log: ${log})\n    ${tail}`);
  }
  return { code, out };
}

/** Bytes of every file under `dir` (apparent size, links not followed) and the number of packages. */
function installedSize(dir: string): { bytes: number; packages: number } {
  let bytes = 0;
  let packages = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && existsSync(join(p, 'package.json')) && d.endsWith('node_modules')) packages++;
        walk(p);
      } else bytes += lstatSync(p).size;
    }
  };
  walk(join(dir, 'node_modules'));
  // Scoped packages sit one level deeper.
  for (const scope of readdirSync(join(dir, 'node_modules')).filter((s) => s.startsWith('@')))
    packages += readdirSync(join(dir, 'node_modules', scope)).length;
  return { bytes, packages };
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

/** The README's npm quick start: the ```sh block after the marker, run as written. */
function quickStartScript(): string {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const m = /<!-- release:check runs this block -->\s*```sh\n([\s\S]*?)```/.exec(readme);
  if (!m) throw new Error('README.md has no ```sh block after <!-- release:check runs this block -->');
  return m[1]!;
}

/** Rows of a run folder's summary.json. */
function rows(out: string): { modelType: string; backend: string; status: string; reason: string }[] {
  return JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).results;
}

function expectRows(out: string, want: { status: string; reason?: RegExp }): string {
  const got = rows(out);
  if (!got.length) throw new Error(`${out}/summary.json has no rows`);
  const bad = got.filter((r) => r.status !== want.status || (want.reason && !want.reason.test(r.reason)));
  if (bad.length)
    throw new Error(
      `${bad.length} of ${got.length} rows are not ${want.status}: ${bad.map((r) => `${r.modelType}[${r.backend}] ${r.status} ${r.reason}`).join('; ')}`,
    );
  return `${got.length} row(s) ${want.status}`;
}

const FAST = ['--runs', '3', '--warmup', '1', '--min-ms', '0', '--quiet'];

async function rehearse(): Promise<void> {
  const env = cleanEnv();
  const published = publishedPackages(repo);
  await check(
    `manifests: ${published.length} packages publish, each with README, engines, repository, keywords and a changeset`,
    () => {
      const inChangesets = changesetPackages(repo);
      const problems = published.flatMap((p) => manifestProblems(repo, p, inChangesets));
      if (problems.length) throw new Error(`\n    ${problems.join('\n    ')}`);
      return undefined;
    },
  );
  if (
    !(await check(
      'build (pnpm build)',
      () => void sh('build', 'pnpm', ['build'], { cwd: repo, env, timeoutMs: 600_000 }),
    ))
  )
    return;
  const packs = join(work, 'packs');
  mkdirSync(packs);
  await check(`pack every package (${published.length})`, () => {
    const problems: string[] = [];
    for (const p of published) {
      sh(`pack ${p.manifest.name}`, 'pnpm', ['pack', '--pack-destination', packs], {
        cwd: join(repo, p.dir),
        env,
        timeoutMs: 120_000,
      });
    }
    for (const tgz of readdirSync(packs).filter((f) => f.endsWith('.tgz'))) {
      const files = sh(`list ${tgz}`, 'tar', ['-tzf', join(packs, tgz)], { cwd: packs, env, timeoutMs: 60_000 }).out;
      const manifest = JSON.parse(
        sh(`manifest ${tgz}`, 'tar', ['-xzOf', join(packs, tgz), 'package/package.json'], {
          cwd: packs,
          env,
          timeoutMs: 60_000,
        }).out,
      ) as Manifest;
      problems.push(...tarballProblems(manifest.name, files.trim().split('\n'), manifest));
    }
    const count = readdirSync(packs).filter((f) => f.endsWith('.tgz')).length;
    if (count !== published.length) problems.push(`${count} tarballs for ${published.length} packages`);
    if (problems.length) throw new Error(`\n    ${problems.join('\n    ')}`);
    return 'each has its README and entry files, and no workspace: range';
  });

  let registry: Registry | undefined;
  try {
    if (
      !(await check('verdaccio 6.8.0 on 127.0.0.1', async () => {
        registry = await startRegistry(join(work, 'registry'));
        return `${registry.url} (pid ${registry.pid})`;
      }))
    )
      return;
    const reg = registry!;
    const npmEnv = cleanEnv({
      NPM_CONFIG_USERCONFIG: reg.npmrc,
      npm_config_registry: reg.url,
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      npm_config_prefer_online: 'true',
    });
    const publishedOk = await check('publish with changesets (changeset publish --no-git-tag)', async () => {
      sh('changeset publish', 'pnpm', ['changeset', 'publish', '--no-git-tag'], {
        cwd: repo,
        env: npmEnv,
        timeoutMs: 300_000,
      });
      const missing: string[] = [];
      for (const p of published) {
        const res = await fetchRetry(`${reg.url}${p.manifest.name.replace('/', '%2f')}`);
        const doc = res.ok ? ((await res.json()) as { versions?: Record<string, unknown> }) : {};
        if (!doc.versions?.[p.manifest.version]) missing.push(`${p.manifest.name}@${p.manifest.version}`);
      }
      if (missing.length) throw new Error(`not on the registry after publishing: ${missing.join(', ')}`);
      return `${published.length} packages on ${reg.url}`;
    });
    if (!publishedOk) return;
    const userEnv = { ...npmEnv, NPM_CONFIG_USERCONFIG: reg.installNpmrc, ONNXRUNTIME_NODE_INSTALL: 'skip' };
    const project = (name: string) => {
      const dir = join(work, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name, private: true, type: 'module' }, null, 2)}\n`);
      return dir;
    };
    const npx = (label: string, dir: string, args: string[], expect: number | 'any' = 0) =>
      sh(label, 'npx', ['--no-install', ...args], { cwd: dir, env: userEnv, timeoutMs: 300_000, expect });

    // The lean path: the CLI and the two plugins asked for, nothing else.
    const lean = project('lean');
    const leanOk = await check(
      'lean install: npm i -D @hf-core/cli @hf-core/plugin-encoder @hf-core/plugin-cpu',
      () => {
        sh('npm install lean', 'npm', ['i', '-D', '@hf-core/cli', '@hf-core/plugin-encoder', '@hf-core/plugin-cpu'], {
          cwd: lean,
          env: userEnv,
          timeoutMs: 600_000,
        });
        const ours = readdirSync(join(lean, 'node_modules', '@hf-core'));
        const plugins = ours.filter((n) => n.startsWith('plugin-')).sort();
        if (plugins.join(',') !== 'plugin-cpu,plugin-encoder')
          throw new Error(`the lean install holds plugins it was not asked for: ${plugins.join(', ')}`);
        const size = installedSize(lean);
        notes.push(
          `lean install (@hf-core/cli + plugin-encoder + plugin-cpu): ${size.packages} packages, ${mb(size.bytes)}`,
        );
        return `@hf-core/${ours.join(', @hf-core/')}; ${size.packages} packages, ${mb(size.bytes)}`;
      },
    );
    if (leanOk) {
      await check('lean: npx hf-core --version prints the published version', () => {
        const v = npx('version', lean, ['hf-core', '--version']).out;
        const want = published.find((p) => p.manifest.name === '@hf-core/cli')!.manifest.version;
        if (!v.includes(`hf-core/${want}`)) throw new Error(`printed "${v.trim()}", not hf-core/${want}`);
        return v.trim();
      });
      await check('lean: hf-core run with no --plugins uses the installed plugins and says which', () => {
        const r = npx('run default', lean, ['hf-core', 'run', '--models', 'bert', '--out', 'out-default', ...FAST]);
        if (!r.out.includes('using the installed plugins: cpu, encoder'))
          throw new Error('it did not say "using the installed plugins: cpu, encoder"');
        return expectRows(join(lean, 'out-default'), { status: 'pass' });
      });
      await check('lean: doctor says how to install the backends that are missing, for npm', () => {
        const out = npx('doctor', lean, ['hf-core', 'doctor']).out;
        for (const b of ['wasm', 'cuda', 'webgpu', 'openvino'])
          if (!out.includes(`npm i -D @hf-core/plugin-${b}`))
            throw new Error(`no \`npm i -D @hf-core/plugin-${b}\` in:\n${out}`);
        if (!/^cpu\s+yes/m.test(out)) throw new Error('cpu is not available');
        return undefined;
      });
      await check('lean: an unknown plugin is exit 2 with the npm install command, no stack trace', () => {
        const r = npx('unknown plugin', lean, ['hf-core', 'run', '--plugins', 'vision,cpu'], 2);
        if (!r.out.includes('npm i -D @hf-core/plugin-vision')) throw new Error(`no install command in: ${r.out}`);
        if (/^\s+at /m.test(r.out)) throw new Error(`a stack trace: ${r.out}`);
        return r.out.trim().split('\n')[0];
      });
      const scaffolded = await check('lean: hf-core plugin new my-encoder --family', () => {
        npx('plugin new', lean, ['hf-core', 'plugin', 'new', 'my-encoder', '--family']);
        return undefined;
      });
      if (scaffolded) {
        await check('lean: a TypeScript plugin by path runs (./my-encoder/src/index.ts)', () => {
          const args = ['--plugins', './my-encoder/src/index.ts,cpu', '--models', 'my_encoder', '--out', 'out-ts'];
          npx('ts plugin', lean, ['hf-core', 'run', ...args, ...FAST]);
          return expectRows(join(lean, 'out-ts'), { status: 'pass' });
        });
        await check('lean: a folder plugin runs (./my-encoder)', () => {
          const args = ['--plugins', './my-encoder,cpu', '--models', 'my_encoder', '--out', 'out-folder'];
          npx('folder plugin', lean, ['hf-core', 'run', ...args, ...FAST]);
          return expectRows(join(lean, 'out-folder'), { status: 'pass' });
        });
      }
    }

    // The README's npm quick start, as written, in a fresh folder; then the other backends.
    const full = project('full');
    const quickOk = await check("README's npm quick start, as written", () => {
      writeFileSync(join(work, 'quick-start.sh'), quickStartScript());
      sh('quick start', 'bash', ['-euo', 'pipefail', join(work, 'quick-start.sh')], {
        cwd: full,
        // The user's npm, pointed at the rehearsal's registry; the block sets everything else itself.
        env: cleanEnv({
          NPM_CONFIG_USERCONFIG: reg.installNpmrc,
          npm_config_audit: 'false',
          npm_config_fund: 'false',
          npm_config_prefer_online: 'true',
        }),
        timeoutMs: 900_000,
      });
      return undefined;
    });
    if (!quickOk) return;
    const fullOk = await check('full set: + npm i -D @hf-core/plugin-wasm, -cuda, -webgpu, -openvino', () => {
      const backends = ['wasm', 'cuda', 'webgpu', 'openvino'].map((b) => `@hf-core/plugin-${b}`);
      sh('npm install full', 'npm', ['i', '-D', ...backends], { cwd: full, env: userEnv, timeoutMs: 600_000 });
      const size = installedSize(full);
      notes.push(`full set (hf-core + every backend plugin): ${size.packages} packages, ${mb(size.bytes)}`);
      return `${size.packages} packages, ${mb(size.bytes)}`;
    });
    if (!fullOk) return;
    await check('full: npx hf-core run --plugins vision,openvino --models vit: a clear skip', () => {
      npx('openvino', full, [
        'hf-core',
        'run',
        '--plugins',
        'vision,openvino',
        '--models',
        'vit',
        '--out',
        'out-ov',
        ...FAST,
      ]);
      return expectRows(join(full, 'out-ov'), { status: 'skip', reason: /openvino unavailable: .*openvino-node/ });
    });
    await check('full: npx hf-core run --plugins vision,cpu --models vit passes', () => {
      npx('vision cpu', full, [
        'hf-core',
        'run',
        '--plugins',
        'vision,cpu',
        '--models',
        'vit',
        '--out',
        'out-vit',
        ...FAST,
      ]);
      return expectRows(join(full, 'out-vit'), { status: 'pass' });
    });
    await check(
      'full: the generated tests pass under plain vitest (npx vitest run --config out-vit/vitest.config.mjs)',
      () => {
        const r = npx('plain vitest', full, ['vitest', 'run', '--config', 'out-vit/vitest.config.mjs']);
        return /Tests\s+\d+ passed/.exec(r.out)?.[0];
      },
    );
  } finally {
    if (registry) {
      registry.stop();
      console.log(`verdaccio (pid ${registry.pid}) stopped`);
    }
  }
}

const t0 = Date.now();
try {
  await rehearse();
} catch (err) {
  failed++;
  console.log(`✗ the rehearsal stopped: ${(err as Error).stack ?? err}`);
} finally {
  for (const n of notes) console.log(`installed size: ${n}`);
  // Kept when asked, or when something failed: its logs/ say why.
  const kept = keep || failed > 0;
  console.log(
    `work folder: ${work}${kept ? ' (kept: logs/ has each command)' : ' (removed)'}; ${((Date.now() - t0) / 1000).toFixed(0)} s in all`,
  );
  if (!kept) rmSync(work, { recursive: true, force: true });
  console.log(`\n${passed} passed, ${failed} failed`);
}
process.exit(failed ? 1 : 0);
