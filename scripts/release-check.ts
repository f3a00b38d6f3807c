/**
 * `pnpm release:check`: the release rehearsal. Builds, packs every package, publishes them with
 * changesets to a local verdaccio, installs into fresh folders with npm as a user would, and runs
 * the published CLI: the lean path (@hf-core/cli + the encoder and cpu plugins, with its size), a
 * TypeScript plugin by path and a folder plugin, the README's npm quick start as written, the full
 * set (with its size), openvino as a clear skip, vision on cpu, and the generated tests under plain
 * vitest. Ends with one line, `N passed, N failed`; exit 1 when any failed. `--keep` leaves the
 * work folder (printed) in place; it is kept anyway when a check fails.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  changesetPackages,
  type Manifest,
  manifestProblems,
  type PublishedPackage,
  publishedPackages,
  tarballProblems,
} from './release-check-manifests.ts';
import { fetchRetry, type Registry, startRegistry } from './release-check-registry.ts';
import { cleanEnv, expectRows, installedSize, mb, Rehearsal } from './release-check-steps.ts';

const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));
const r = new Rehearsal();
const env = cleanEnv();
const FAST = ['--runs', '3', '--warmup', '1', '--min-ms', '0', '--quiet'];
const words = (s: string) => s.split(' ');

/** The README's npm quick start: the ```sh block after the marker, run as written. */
function quickStartScript(): string {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const m = /<!-- release:check runs this block -->\s*```sh\n([\s\S]*?)```/.exec(readme);
  if (!m) throw new Error('README.md has no ```sh block after <!-- release:check runs this block -->');
  return m[1]!;
}

const lines = (problems: string[]) => `\n    ${problems.join('\n    ')}`;

/** Manifests, build, and a tarball of every package with what it must hold; false when nothing can be published. */
async function buildAndPack(published: PublishedPackage[]): Promise<boolean> {
  const what = 'each with README, engines, repository, keywords and a changeset';
  await r.check(`manifests: ${published.length} packages publish, ${what}`, () => {
    const inChangesets = changesetPackages(repo);
    const problems = published.flatMap((p) => manifestProblems(repo, p, inChangesets));
    if (problems.length) throw new Error(lines(problems));
    return undefined;
  });
  const built = await r.check('build (pnpm build)', () => {
    r.sh('build', 'pnpm', ['build'], { cwd: repo, env, timeoutMs: 600_000 });
    return undefined;
  });
  if (!built) return false;
  const packs = join(r.work, 'packs');
  mkdirSync(packs);
  return r.check(`pack every package (${published.length})`, () => {
    const problems: string[] = [];
    for (const p of published)
      r.sh(`pack ${p.manifest.name}`, 'pnpm', ['pack', '--pack-destination', packs], {
        cwd: join(repo, p.dir),
        env,
        timeoutMs: 120_000,
      });
    const tarballs = readdirSync(packs).filter((f) => f.endsWith('.tgz'));
    for (const tgz of tarballs) {
      const tar = (label: string, args: string[]) =>
        r.sh(`${label} ${tgz}`, 'tar', args, { cwd: packs, env, timeoutMs: 60_000 }).out;
      const files = tar('list', ['-tzf', tgz]).trim().split('\n');
      const manifest = JSON.parse(tar('manifest', ['-xzOf', tgz, 'package/package.json'])) as Manifest;
      problems.push(...tarballProblems(manifest.name, files, manifest));
    }
    if (tarballs.length !== published.length)
      problems.push(`${tarballs.length} tarballs for ${published.length} packages`);
    if (problems.length) throw new Error(lines(problems));
    return 'each has its README and entry files, and no workspace: range';
  });
}

/** `changeset publish` to the registry; every package must then be there. */
function publish(reg: Registry, published: PublishedPackage[], npmEnv: NodeJS.ProcessEnv): Promise<boolean> {
  return r.check('publish with changesets (changeset publish --no-git-tag)', async () => {
    const opts = { cwd: repo, env: npmEnv, timeoutMs: 300_000 };
    r.sh('changeset publish', 'pnpm', words('changeset publish --no-git-tag'), opts);
    const missing: string[] = [];
    for (const { manifest: m } of published) {
      const res = await fetchRetry(`${reg.url}${m.name.replace('/', '%2f')}`);
      const doc = res.ok ? ((await res.json()) as { versions?: Record<string, unknown> }) : {};
      if (!doc.versions?.[m.version]) missing.push(`${m.name}@${m.version}`);
    }
    if (missing.length) throw new Error(`not on the registry after publishing: ${missing.join(', ')}`);
    return `${published.length} packages on ${reg.url}`;
  });
}

type Npx = (label: string, dir: string, args: string[], expect?: number) => { out: string };

/** The lean path: the CLI and the two plugins asked for, nothing else; then what a user does with it. */
async function lean(userEnv: NodeJS.ProcessEnv, npx: Npx, version: string): Promise<void> {
  const dir = r.project('lean');
  const asked = ['@hf-core/cli', '@hf-core/plugin-encoder', '@hf-core/plugin-cpu'];
  const installed = await r.check(`lean install: npm i -D ${asked.join(' ')}`, () => {
    r.sh('npm install lean', 'npm', ['i', '-D', ...asked], { cwd: dir, env: userEnv, timeoutMs: 600_000 });
    const ours = readdirSync(join(dir, 'node_modules', '@hf-core'));
    const plugins = ours.filter((n) => n.startsWith('plugin-')).sort();
    if (plugins.join(',') !== 'plugin-cpu,plugin-encoder')
      throw new Error(`the lean install holds plugins it was not asked for: ${plugins.join(', ')}`);
    const size = installedSize(dir);
    r.notes.push(`lean install (${asked.join(' + ')}): ${size.packages} packages, ${mb(size.bytes)}`);
    return `@hf-core/${ours.join(', @hf-core/')}; ${size.packages} packages, ${mb(size.bytes)}`;
  });
  if (!installed) return;
  await r.check('lean: npx hf-core --version prints the published version', () => {
    const v = npx('version', dir, words('hf-core --version')).out.trim();
    if (!v.includes(`hf-core/${version}`)) throw new Error(`printed "${v}", not hf-core/${version}`);
    return v;
  });
  await r.check('lean: hf-core run with no --plugins uses the installed plugins and says which', () => {
    const { out } = npx('run default', dir, [...words('hf-core run --models bert --out out-default'), ...FAST]);
    const said = 'using the installed plugins: cpu, encoder';
    if (!out.includes(said)) throw new Error(`it did not say "${said}"`);
    return expectRows(join(dir, 'out-default'), { status: 'pass' });
  });
  await r.check('lean: doctor says how to install the backends that are missing, for npm', () => {
    const { out } = npx('doctor', dir, words('hf-core doctor'));
    for (const b of ['wasm', 'cuda', 'webgpu', 'openvino'])
      if (!out.includes(`npm i -D @hf-core/plugin-${b}`))
        throw new Error(`no \`npm i -D @hf-core/plugin-${b}\` in:\n${out}`);
    if (!/^cpu\s+yes/m.test(out)) throw new Error('cpu is not available');
    return undefined;
  });
  await r.check('lean: an unknown plugin is exit 2 with the npm install command, no stack trace', () => {
    const { out } = npx('unknown plugin', dir, words('hf-core run --plugins vision,cpu'), 2);
    if (!out.includes('npm i -D @hf-core/plugin-vision')) throw new Error(`no install command in: ${out}`);
    if (/^\s+at /m.test(out)) throw new Error(`a stack trace: ${out}`);
    return out.trim().split('\n')[0];
  });
  const scaffolded = await r.check('lean: hf-core plugin new my-encoder --family', () => {
    npx('plugin new', dir, words('hf-core plugin new my-encoder --family'));
    return undefined;
  });
  if (!scaffolded) return;
  for (const [what, spec, out] of [
    ['a TypeScript plugin by path', './my-encoder/src/index.ts', 'out-ts'],
    ['a folder plugin', './my-encoder', 'out-folder'],
  ] as const) {
    await r.check(`lean: ${what} runs (${spec})`, () => {
      npx(what, dir, [...words(`hf-core run --plugins ${spec},cpu --models my_encoder --out ${out}`), ...FAST]);
      return expectRows(join(dir, out), { status: 'pass' });
    });
  }
}

/** The README's npm quick start, as written, in a fresh folder; then every backend, and runs on them. */
async function full(reg: Registry, userEnv: NodeJS.ProcessEnv, npx: Npx): Promise<void> {
  const dir = r.project('full');
  const quick = await r.check("README's npm quick start, as written", () => {
    writeFileSync(join(r.work, 'quick-start.sh'), quickStartScript());
    r.sh('quick start', 'bash', ['-euo', 'pipefail', join(r.work, 'quick-start.sh')], {
      cwd: dir,
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
  if (!quick) return;
  const backends = ['wasm', 'cuda', 'webgpu', 'openvino'].map((b) => `@hf-core/plugin-${b}`);
  const all = await r.check(`full set: + npm i -D ${backends.join(' ')}`, () => {
    r.sh('npm install full', 'npm', ['i', '-D', ...backends], { cwd: dir, env: userEnv, timeoutMs: 600_000 });
    const size = installedSize(dir);
    r.notes.push(`full set (hf-core + every backend plugin): ${size.packages} packages, ${mb(size.bytes)}`);
    return `${size.packages} packages, ${mb(size.bytes)}`;
  });
  if (!all) return;
  await r.check('full: npx hf-core run --plugins vision,openvino --models vit: a clear skip', () => {
    npx('openvino', dir, [...words('hf-core run --plugins vision,openvino --models vit --out out-ov'), ...FAST]);
    return expectRows(join(dir, 'out-ov'), { status: 'skip', reason: /openvino unavailable: .*openvino-node/ });
  });
  await r.check('full: npx hf-core run --plugins vision,cpu --models vit passes', () => {
    npx('vision cpu', dir, [...words('hf-core run --plugins vision,cpu --models vit --out out-vit'), ...FAST]);
    return expectRows(join(dir, 'out-vit'), { status: 'pass' });
  });
  await r.check(
    'full: the generated tests pass under plain vitest (npx vitest run --config out-vit/vitest.config.mjs)',
    () => {
      const { out } = npx('plain vitest', dir, words('vitest run --config out-vit/vitest.config.mjs'));
      return /Tests\s+\d+ passed/.exec(out)?.[0];
    },
  );
}

async function rehearse(): Promise<void> {
  const published = publishedPackages(repo);
  if (!(await buildAndPack(published))) return;
  let registry: Registry | undefined;
  try {
    const started = await r.check('verdaccio 6.8.0 on 127.0.0.1', async () => {
      registry = await startRegistry(join(r.work, 'registry'));
      return `${registry.url} (pid ${registry.pid})`;
    });
    if (!started || !registry) return;
    const reg = registry;
    const npmEnv = cleanEnv({
      NPM_CONFIG_USERCONFIG: reg.npmrc,
      npm_config_registry: reg.url,
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      npm_config_prefer_online: 'true',
    });
    if (!(await publish(reg, published, npmEnv))) return;
    // Installs are anonymous, as a user's are, and skip onnxruntime-node's CUDA download (README).
    const userEnv = { ...npmEnv, NPM_CONFIG_USERCONFIG: reg.installNpmrc, ONNXRUNTIME_NODE_INSTALL: 'skip' };
    const npx: Npx = (label, dir, args, expect = 0) =>
      r.sh(label, 'npx', ['--no-install', ...args], { cwd: dir, env: userEnv, timeoutMs: 300_000, expect });
    const version = published.find((p) => p.manifest.name === '@hf-core/cli')!.manifest.version;
    await lean(userEnv, npx, version);
    await full(reg, userEnv, npx);
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
  r.failed++;
  console.log(`✗ the rehearsal stopped: ${(err as Error).stack ?? err}`);
} finally {
  r.finish(t0, process.argv.includes('--keep'));
}
process.exit(r.failed ? 1 : 0);
