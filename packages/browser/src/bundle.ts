/**
 * Bundles a generated test file for the page with esbuild: the file itself (the single source of
 * its checks), the harness and the family's checks it imports, transformers.js and
 * onnxruntime-web, and the page runtime. Node built-ins become the page's stand-ins (page/node/),
 * `vitest` the page's runner (page/vitest.ts), and Node-only engine modules a proxy to the runner.
 */
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { basename, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin, type PluginBuild } from 'esbuild';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const page = (name: string) => here(`./page/${name}${ext}`);

/** Node built-ins the page offers, each by its stand-in; any other built-in fails the bundle. */
const BUILTINS: Record<string, string> = {
  fs: page('node/fs'),
  'fs/promises': page('node/fs-promises'),
  zlib: page('node/zlib'),
  os: page('node/os'),
  net: page('node/net'),
  url: page('node/url'),
  buffer: page('node/buffer'),
  path: 'path-browserify',
};

/** Modules only Node can load, run by the runner for the page (the cpu parity reference). */
export const NODE_ONLY_MODULES = ['@hf-core/ort/cpu-engine'];

export interface PageBundle {
  /** Output files by name: boot.js, test.js, engine.js and shared chunks. */
  files: Map<string, Uint8Array>;
  /** Node-only modules the bundle proxies, by absolute path (the runner loads only these). */
  remoteModules: Set<string>;
  ortDist: string;
}

const BUILTIN_NAMES = new Set(builtinModules);
const builtinName = (id: string) => (id.startsWith('node:') ? id.slice(5) : BUILTIN_NAMES.has(id) ? id : undefined);

interface Resolved {
  path: string;
}

async function resolveFrom(b: PluginBuild, id: string, dir: string, kind: 'import-statement' = 'import-statement') {
  const r = await b.resolve(id, { resolveDir: dir, kind, pluginData: { hfCoreSkip: true } });
  return r.errors.length ? undefined : (r as Resolved);
}

interface PluginState {
  testFile: string;
  resolveDir: string;
  remoteModules: Set<string>;
  /** Where the page's onnxruntime-web lives (its dist folder holds the WebAssembly files). */
  ortDist?: string;
}

function pagePlugin(opts: PluginState): Plugin {
  return {
    name: 'hf-core-page',
    setup(b) {
      const skip = (args: { pluginData?: { hfCoreSkip?: boolean } }) => args.pluginData?.hfCoreSkip;

      b.onResolve({ filter: /^vitest$/ }, () => ({ path: page('vitest') }));

      b.onResolve({ filter: /^[\w/:-]+$/ }, (args) => {
        const name = builtinName(args.path);
        if (!name || skip(args)) return undefined;
        const stand = BUILTINS[name];
        if (!stand)
          return {
            errors: [{ text: `${args.importer} imports node:${name}, which a browser page cannot provide` }],
          };
        return stand.startsWith('/') ? { path: stand } : resolveFrom(b, stand, dirname(here('.')));
      });

      // One transformers.js and one onnxruntime-web in the page: the harness's.
      b.onResolve({ filter: /^@huggingface\/transformers$/ }, async (args) => {
        if (skip(args)) return undefined;
        const harness = await resolveFrom(b, '@hf-core/harness', opts.resolveDir);
        return resolveFrom(b, args.path, harness ? dirname(harness.path) : args.resolveDir);
      });
      b.onResolve({ filter: /^onnxruntime-web(\/.*)?$/ }, async (args) => {
        if (skip(args)) return undefined;
        const harness = await resolveFrom(b, '@hf-core/harness', opts.resolveDir);
        const tf = await resolveFrom(b, '@huggingface/transformers', harness ? dirname(harness.path) : opts.resolveDir);
        const r = await resolveFrom(b, args.path, tf ? dirname(tf.path) : args.resolveDir);
        if (r) opts.ortDist = dirname(r.path);
        return r;
      });

      b.onResolve({ filter: /^@hf-core\// }, async (args) => {
        if (skip(args)) return undefined;
        // As the output folder's vitest config does: from the hf-core install, then the importer.
        const r =
          (await resolveFrom(b, args.path, opts.resolveDir)) ?? (await resolveFrom(b, args.path, args.resolveDir));
        if (!r)
          return { errors: [{ text: `cannot resolve ${args.path} from ${args.importer} or the hf-core install` }] };
        if (NODE_ONLY_MODULES.includes(args.path)) {
          opts.remoteModules.add(r.path);
          return { path: r.path, namespace: 'hf-core-remote' };
        }
        return r;
      });
      b.onLoad({ filter: /.*/, namespace: 'hf-core-remote' }, (args) => ({
        contents: `import { remoteEngine } from ${JSON.stringify(page('remote-engine'))};
export default () => remoteEngine(${JSON.stringify(args.path)});`,
        resolveDir: dirname(here('.')),
        loader: 'ts',
      }));

      // The test file locates its model folder from import.meta.url: keep its real location.
      b.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => {
        if (args.path !== opts.testFile) return undefined;
        const source = await readFile(args.path, 'utf8');
        return {
          contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
          loader: 'ts',
        };
      });
    },
  };
}

/** Bundles `testFile` with the page engine and runtime; nothing is written to disk. */
export async function bundlePage(testFile: string, opts: { resolveFrom: string }): Promise<PageBundle> {
  const state: PluginState = { testFile, resolveDir: dirname(opts.resolveFrom), remoteModules: new Set() };
  const result = await build({
    entryPoints: { boot: page('boot'), test: testFile, engine: page('engine') },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['hf-core-source'],
    write: false,
    outdir: '/hf-core-bundle',
    inject: [page('node/process'), page('node/buffer')],
    define: { global: 'globalThis' },
    logLevel: 'silent',
    plugins: [pagePlugin(state)],
  }).catch((err: { errors?: { text: string; location?: { file: string; line: number } }[] }) => {
    const lines = (err.errors ?? []).map(
      (e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`,
    );
    throw new Error(`bundling ${basename(testFile)} for the page failed:\n${lines.join('\n') || String(err)}`);
  });
  const files = new Map<string, Uint8Array>();
  for (const f of result.outputFiles) files.set(basename(f.path), f.contents);
  if (!state.ortDist)
    throw new Error('the page bundle has no onnxruntime-web (is @huggingface/transformers installed?)');
  return { files, remoteModules: state.remoteModules, ortDist: state.ortDist };
}
