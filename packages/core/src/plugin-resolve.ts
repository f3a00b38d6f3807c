import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Finding a plugin's module file the way Node would import it, without importing it: a folder or
 * an installed package is read through its package.json (`exports`, then `main`, then an index
 * file), so that a folder works as a plugin and each miss can be named in the error.
 */

/** Where a spec led: the module file, or each place tried and why it did not do. */
export interface Located {
  file?: string;
  tried: string[];
}

const INDEX_FILES = ['index.js', 'index.mjs', 'index.ts', 'index.mts'];

/** Extensions that need a TypeScript loader when Node runs without one. */
export const TS_EXTENSIONS = ['.ts', '.mts', '.cts', '.tsx'];

/** `--conditions x` / `-C x` of this process (also through NODE_OPTIONS), as Node applies them to `exports`. */
export function importConditions(
  execArgv: string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): string[] {
  const args = [...execArgv, ...nodeOptions.split(/\s+/).filter(Boolean)];
  const custom: string[] = [];
  args.forEach((a, i) => {
    const m = /^(?:--conditions|-C)(?:=(.+))?$/.exec(a);
    const value = m ? (m[1] ?? args[i + 1]) : undefined;
    if (value) custom.push(value);
  });
  return [...new Set([...custom, 'node', 'import', 'module-sync', 'default'])];
}

/** The target of `exports` for `subpath` ('.' or './x'), picking the first condition in the object's own order. */
export function exportsTarget(exp: unknown, subpath: string, conditions: string[]): string | undefined {
  const pick = (v: unknown): string | undefined => {
    if (typeof v === 'string') return v;
    if (Array.isArray(v)) return v.map(pick).find((x) => x !== undefined);
    if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (!conditions.includes(k)) continue;
        const r = pick(x);
        if (r !== undefined) return r;
      }
    }
    return undefined;
  };
  const isSubpathMap = exp && typeof exp === 'object' && !Array.isArray(exp) && Object.keys(exp)[0]?.startsWith('.');
  if (isSubpathMap) return pick((exp as Record<string, unknown>)[subpath]);
  return subpath === '.' ? pick(exp) : undefined;
}

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();

/** A folder as a package: its package.json `exports` (or `main`), else an index file. */
function folderEntry(dir: string, subpath = '.', conditions = importConditions()): Located {
  const tried: string[] = [];
  const manifest = join(dir, 'package.json');
  let pkg: { exports?: unknown; main?: unknown } = {};
  if (existsSync(manifest)) {
    try {
      pkg = JSON.parse(readFileSync(manifest, 'utf8'));
    } catch (err) {
      return { tried: [`${manifest} is not valid JSON (${(err as Error).message})`] };
    }
  }
  if (pkg.exports !== undefined) {
    const target = exportsTarget(pkg.exports, subpath, conditions);
    if (target === undefined)
      return { tried: [`${manifest} "exports" has no "${subpath}" entry for conditions ${conditions.join(', ')}`] };
    const file = resolve(dir, target);
    if (isFile(file)) return { file: realpathSync(file), tried };
    return { tried: [`${manifest} "exports" points at ${target}, which does not exist (not built yet?)`] };
  }
  if (subpath !== '.') {
    const file = resolve(dir, subpath);
    return isFile(file) ? { file: realpathSync(file), tried } : { tried: [`${file} does not exist`] };
  }
  if (typeof pkg.main === 'string') {
    const file = resolve(dir, pkg.main);
    if (isFile(file)) return { file: realpathSync(file), tried };
    tried.push(`${manifest} "main" points at ${pkg.main}, which does not exist`);
  } else tried.push(existsSync(manifest) ? `${manifest} has no "exports" or "main"` : `${dir} has no package.json`);
  const index = INDEX_FILES.map((f) => join(dir, f)).find(isFile);
  if (index) return { file: realpathSync(index), tried };
  tried.push(`${dir} has no ${INDEX_FILES.join(', ')}`);
  return { tried };
}

/** `./x`, `../x`, `/abs/x`: a file or a folder, relative to `cwd`. */
export function locatePath(spec: string, cwd: string): Located {
  const p = resolve(cwd, spec);
  if (!existsSync(p)) return { tried: [`${p} does not exist`] };
  return statSync(p).isFile() ? { file: realpathSync(p), tried: [] } : folderEntry(p);
}

/** `@scope/name/sub` -> ['@scope/name', './sub']; `name` -> ['name', '.']. */
function splitPackageSpec(spec: string): [string, string] {
  const parts = spec.split('/');
  const n = spec.startsWith('@') ? 2 : 1;
  const rest = parts.slice(n).join('/');
  return [parts.slice(0, n).join('/'), rest ? `./${rest}` : '.'];
}

/** The folder of package `name` as Node would find it from `fromDir`: node_modules of each folder upward. */
function packageDir(name: string, fromDir: string): string | undefined {
  for (let d = resolve(fromDir); ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (d === dirname(d)) return undefined;
  }
}

/** A package spec (`name` or `name/subpath`) from the first of `fromDirs` where it is installed. */
export function locatePackage(spec: string, fromDirs: string[]): Located & { installed: boolean } {
  const [name, subpath] = splitPackageSpec(spec);
  for (const dir of fromDirs) {
    const pkg = packageDir(name, dir);
    if (!pkg) continue;
    const found = folderEntry(pkg, subpath);
    return { ...found, tried: found.tried.map((t) => `"${spec}" is installed at ${pkg}, but ${t}`), installed: true };
  }
  return { tried: [], installed: false };
}
