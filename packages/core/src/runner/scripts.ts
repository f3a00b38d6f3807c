/**
 * Where the test runner's entry module is, as plain JavaScript a bare `node` can start: the
 * built `main.js` beside this file, or, when core runs from its TypeScript source, the runner's
 * modules bundled once into the run's cache folder.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface RunnerScripts {
  /** The file `node` starts. */
  main: string;
  /** URL of esbuild, which the runner's loader imports to compile what is not in the cache. */
  esbuildUrl: string;
}

type Esbuild = typeof import('esbuild');

/** esbuild from this install; its entry is CommonJS, whose exports may sit under `default`. */
export async function loadEsbuild(url = esbuildUrl()): Promise<Esbuild> {
  const mod = (await import(url)) as Esbuild & { default?: Esbuild };
  return typeof mod.transform === 'function' ? mod : mod.default!;
}

export const esbuildUrl = (): string => pathToFileURL(createRequire(import.meta.url).resolve('esbuild')).href;

const bundled = new Map<string, Promise<string>>();

export async function runnerScripts(cacheDir: string): Promise<RunnerScripts> {
  const here = new URL(import.meta.url);
  if (here.pathname.endsWith('.js'))
    return { main: fileURLToPath(new URL('./main.js', here)), esbuildUrl: esbuildUrl() };
  const outdir = join(cacheDir, 'runner');
  let main = bundled.get(outdir);
  if (!main) {
    main = (async () => {
      const { build } = await loadEsbuild();
      await build({
        entryPoints: ['main', 'loader', 'vitest-shim'].map((n) => fileURLToPath(new URL(`./${n}.ts`, here))),
        outdir,
        bundle: true,
        format: 'esm',
        platform: 'node',
        target: 'node20',
        packages: 'external',
        outExtension: { '.js': '.mjs' },
        logLevel: 'silent',
      });
      return join(outdir, 'main.mjs');
    })();
    bundled.set(outdir, main);
  }
  return { main: await main, esbuildUrl: esbuildUrl() };
}
