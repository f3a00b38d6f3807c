import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Conditions tried in a package's `exports`, in the package's own key order: workspace source
 * first (`hf-core-source`), then type declarations, then what Node would load.
 */
const CONDITIONS = new Set(['hf-core-source', 'types', 'import', 'node', 'default']);

/** Directory of this package; its node_modules hold what fix itself depends on (harness). */
export const FIX_PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** `@scope/name/sub/path` -> `['@scope/name', './sub/path']`; `name` -> `['name', '.']`. */
export function splitSpecifier(specifier: string): [string, string] {
  const parts = specifier.split('/');
  const nameLength = specifier.startsWith('@') ? 2 : 1;
  const name = parts.slice(0, nameLength).join('/');
  const rest = parts.slice(nameLength).join('/');
  return [name, rest ? `./${rest}` : '.'];
}

/** The folder of an installed package, looked up the way Node would from each of `fromDirs`. */
export function findPackageDir(name: string, fromDirs: readonly string[]): string | undefined {
  for (const from of fromDirs) {
    const lookups = createRequire(join(from, 'noop.js')).resolve.paths(name) ?? [];
    for (const nodeModules of lookups) {
      const dir = join(nodeModules, name);
      if (existsSync(join(dir, 'package.json'))) return realpathSync(dir);
    }
  }
  return undefined;
}

type ExportsValue = string | null | ExportsValue[] | { [key: string]: ExportsValue };

function pickTarget(value: ExportsValue, star?: string): string | undefined {
  if (value === null) return undefined;
  if (typeof value === 'string') return star === undefined ? value : value.replaceAll('*', star);
  if (Array.isArray(value)) {
    for (const v of value) {
      const t = pickTarget(v, star);
      if (t) return t;
    }
    return undefined;
  }
  for (const [key, v] of Object.entries(value)) {
    if (CONDITIONS.has(key)) {
      const t = pickTarget(v, star);
      if (t) return t;
    }
  }
  return undefined;
}

function exportsTarget(exportsField: ExportsValue, subpath: string): string | undefined {
  const isSubpathMap =
    typeof exportsField === 'object' &&
    exportsField !== null &&
    !Array.isArray(exportsField) &&
    Object.keys(exportsField).some((k) => k.startsWith('.'));
  if (!isSubpathMap) return subpath === '.' ? pickTarget(exportsField) : undefined;
  const map = exportsField as Record<string, ExportsValue>;
  if (subpath in map) return pickTarget(map[subpath]);
  for (const [key, value] of Object.entries(map)) {
    const star = key.indexOf('*');
    if (star < 0) continue;
    const [head, tail] = [key.slice(0, star), key.slice(star + 1)];
    if (subpath.startsWith(head) && subpath.endsWith(tail) && subpath.length >= key.length - 1) {
      return pickTarget(value, subpath.slice(head.length, subpath.length - tail.length));
    }
  }
  return undefined;
}

/** A `.js` target's declaration file beside it (`index.js` -> `index.d.ts`), if there is one. */
function declarationFor(file: string): string {
  if (/\.(d\.[mc]?ts|[mc]?tsx?)$/.test(file)) return file;
  const m = /\.([mc]?)js$/.exec(file);
  if (m) {
    const dts = `${file.slice(0, -m[0].length)}.d.${m[1]}ts`;
    if (existsSync(dts)) return dts;
  }
  return file;
}

/**
 * The file the type checker should read for a bare import such as `@hf-core/harness` or
 * `@hf-core/plugin-encoder/checks`: the package's `hf-core-source` export (TypeScript source)
 * where it has one, else its declarations. Undefined when no package or export matches.
 */
export function resolveSourceEntry(specifier: string, fromDirs: readonly string[]): string | undefined {
  const [name, subpath] = splitSpecifier(specifier);
  const dir = findPackageDir(name, fromDirs);
  if (!dir) return undefined;
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    exports?: ExportsValue;
    types?: string;
    typings?: string;
    main?: string;
  };
  let target: string | undefined;
  if (pkg.exports !== undefined) target = exportsTarget(pkg.exports, subpath);
  else if (subpath === '.') target = pkg.types ?? pkg.typings ?? pkg.main ?? 'index.js';
  else target = subpath;
  if (!target) return undefined;
  const file = declarationFor(resolve(dir, target));
  return existsSync(file) ? file : undefined;
}
