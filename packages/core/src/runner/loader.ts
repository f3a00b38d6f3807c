/**
 * Module hooks of hf-core's test runner process (registered by runner/main.ts):
 * - resolve: a generated test lives in an output folder without node_modules, so `vitest`
 *   resolves to the shim and `@hf-core/*` from the hf-core install, then from the importer (a
 *   plugin's own modules), as the output folder's vitest.config.mjs does for vitest;
 * - load: TypeScript modules (the test, and hf-core's own sources where the install has them)
 *   as ES modules compiled once per run (transform.ts).
 */
import { readFile } from 'node:fs/promises';
import type { LoadHook, ResolveHook } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compileTs } from './transform.ts';

export interface RunnerLoaderData {
  /** A file of the hf-core install from which `@hf-core/*` resolves. */
  resolveFrom: string;
  /** URL of the vitest shim module. */
  shimUrl: string;
  /** The compiled-module cache of this run (transform.ts). */
  cacheDir: string;
  /** URL of the esbuild module (this file may run from a copy outside the install). */
  esbuildUrl: string;
}

let data: RunnerLoaderData | undefined;
let resolveFromUrl = '';

export function initialize(d: RunnerLoaderData): void {
  data = d;
  resolveFromUrl = pathToFileURL(d.resolveFrom).href;
}

export const resolve: ResolveHook = async (specifier, context, next) => {
  if (!data) return next(specifier, context);
  if (specifier === 'vitest') return { url: data.shimUrl, shortCircuit: true };
  if (specifier.startsWith('@hf-core/') && context.parentURL !== resolveFromUrl) {
    try {
      return await next(specifier, { ...context, parentURL: resolveFromUrl });
    } catch {
      // not in the install: the importer's own dependencies below
    }
  }
  return next(specifier, context);
};

/** `.ts` and `.mts` are ES modules here, as vitest runs them (a generated test's folder has no package.json). */
const TS_MODULE = /\.m?ts$/;

export const load: LoadHook = async (url, context, next) => {
  if (!data || !url.startsWith('file:')) return next(url, context);
  const path = new URL(url).pathname;
  // JSON imported without `with { type: 'json' }`, as bundlers and vitest accept it.
  if (path.endsWith('.json') && context.importAttributes?.type !== 'json')
    return next(url, { ...context, importAttributes: { ...context.importAttributes, type: 'json' } });
  if (!TS_MODULE.test(path)) return next(url, context);
  const source = await readFile(fileURLToPath(url), 'utf8');
  return { format: 'module', source: await compileTs(data.cacheDir, source, url, data.esbuildUrl), shortCircuit: true };
};
