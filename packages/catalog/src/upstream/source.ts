/**
 * Where a transformers release is read from, as one interface over every layout it ships in:
 * a git checkout (`src/transformers/...`), an installed package (`site-packages/transformers`),
 * the package folder itself or its `models/auto` folder, a wheel file read directly, or the
 * two auto files named on their own. Paths are relative to the `transformers` package root.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { openZip, ZipError } from './zip.ts';

export interface SourceTree {
  /** What was read, for messages and the sync file: a folder, a wheel, or two files. */
  readonly origin: string;
  /** The release version the source names (wheel metadata or `__version__`), when it names one. */
  readonly version?: string;
  /** A file's text by its path under the package root (`models/auto/configuration_auto.py`). */
  read(path: string): string | undefined;
  /** Paths under the package root of the files in `dir` and its sub-folders. */
  list(dir: string): string[];
  close(): void;
}

/** Thrown when a path is not a transformers source; `expected` says what would have been. */
export class SourceError extends Error {
  constructor(
    readonly path: string,
    readonly what: string,
    readonly expected: string,
  ) {
    super(`${path}: ${what}`);
    this.name = 'SourceError';
  }
}

export const AUTO_DIR = 'models/auto';
export const CONFIGURATION_AUTO = `${AUTO_DIR}/configuration_auto.py`;

const EXPECTED_FOLDER =
  'a transformers git checkout, an installed transformers package (site-packages/transformers), ' +
  'its models/auto folder, or a transformers wheel (transformers-<version>-py3-none-any.whl)';
const EXPECTED_WHEEL =
  'a transformers wheel, transformers-<version>-py3-none-any.whl, as `pip download transformers==<version> --no-deps` saves it';

const versionIn = (init: string | undefined) => /^__version__\s*=\s*["']([^"']+)["']/m.exec(init ?? '')?.[1];

function folderTree(root: string, origin: string): SourceTree {
  const read = (p: string) => {
    const f = join(root, p);
    return existsSync(f) && statSync(f).isFile() ? readFileSync(f, 'utf8') : undefined;
  };
  const list = (dir: string): string[] => {
    const abs = join(root, dir);
    if (!existsSync(abs)) return [];
    return readdirSync(abs, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) =>
        join(d.parentPath, d.name)
          .slice(root.length + 1)
          .split('\\')
          .join('/'),
      );
  };
  return { origin, version: versionIn(read('__init__.py')), read, list, close() {} };
}

/** The package root under a folder: checkout, site-packages, the package, or its auto folder. */
function packageRoot(dir: string): string | undefined {
  const candidates = [
    join(dir, 'src', 'transformers'),
    join(dir, 'transformers'),
    dir,
    resolve(dir, '..', '..'),
    resolve(dir, '..'),
  ];
  return candidates.find((c) => existsSync(join(c, CONFIGURATION_AUTO)));
}

function wheelTree(file: string): SourceTree {
  let zip: ReturnType<typeof openZip>;
  try {
    zip = openZip(file);
  } catch (err) {
    if (err instanceof ZipError) throw new SourceError(file, err.message.slice(file.length + 2), EXPECTED_WHEEL);
    throw err;
  }
  const prefix = 'transformers/';
  if (!zip.names.includes(prefix + CONFIGURATION_AUTO)) {
    zip.close();
    const project = zip.names.find((n) => /^[^/]+\.dist-info\/METADATA$/.test(n))?.split('-')[0];
    throw new SourceError(
      file,
      `is ${project ? `a wheel of "${project}"` : 'a zip archive'}, not of transformers: it has no transformers/${CONFIGURATION_AUTO}`,
      EXPECTED_WHEEL,
    );
  }
  const metadata = zip.names.find((n) => /^transformers-[^/]+\.dist-info\/METADATA$/.test(n));
  const version =
    /^Version:\s*(\S+)/m.exec((metadata && zip.readText(metadata)) ?? '')?.[1] ??
    versionIn(zip.readText(`${prefix}__init__.py`));
  return {
    origin: file,
    version,
    read: (p) => zip.readText(prefix + p),
    list: (dir) =>
      zip.names.filter((n) => n.startsWith(`${prefix}${dir}/`) && !n.endsWith('/')).map((n) => n.slice(prefix.length)),
    close: () => zip.close(),
  };
}

const isZip = (file: string) => {
  const head = readFileSync(file).subarray(0, 4);
  return head.length === 4 && head.readUInt32LE(0) === 0x04034b50;
};

/**
 * Opens what the user named: one folder or wheel, or the auto files themselves
 * (`configuration_auto.py` and `modeling_auto.py`, in either order; `auto_mappings.py` beside
 * the configuration file is read too, as transformers 5 imports it from there).
 */
export function openSource(paths: string[]): SourceTree {
  if (paths.length === 1) {
    const p = resolve(paths[0]);
    if (!existsSync(p)) throw new SourceError(p, 'does not exist', EXPECTED_FOLDER);
    if (statSync(p).isDirectory()) {
      const root = packageRoot(p);
      if (!root)
        throw new SourceError(
          p,
          `is not a transformers tree: no ${CONFIGURATION_AUTO} under it (looked in src/transformers, transformers, the folder itself and above it)`,
          EXPECTED_FOLDER,
        );
      return folderTree(root, p);
    }
    if (p.endsWith('.whl') || isZip(p)) return wheelTree(p);
    throw new SourceError(p, 'is a single file that is neither a wheel nor a folder', EXPECTED_FOLDER);
  }
  if (paths.length !== 2)
    throw new SourceError(
      paths.join(' '),
      `${paths.length} paths given`,
      `one source (${EXPECTED_FOLDER}), or two auto files`,
    );
  const files = paths.map((x) => resolve(x));
  for (const f of files)
    if (!existsSync(f)) throw new SourceError(f, 'does not exist', 'configuration_auto.py and modeling_auto.py');
  const isConfig = (f: string) => /^CONFIG_MAPPING_NAMES\b|from \.auto_mappings import/m.test(readFileSync(f, 'utf8'));
  const [configuration, modeling] = isConfig(files[1]) && !isConfig(files[0]) ? [files[1], files[0]] : files;
  const beside = join(dirname(configuration), 'auto_mappings.py');
  const byPath: Record<string, string> = {
    [CONFIGURATION_AUTO]: configuration,
    [`${AUTO_DIR}/modeling_auto.py`]: modeling,
    ...(existsSync(beside) ? { [`${AUTO_DIR}/auto_mappings.py`]: beside } : {}),
  };
  const init = join(dirname(configuration), '..', '..', '__init__.py');
  return {
    origin: `${basename(configuration)} + ${basename(modeling)} in ${dirname(configuration)}`,
    version: existsSync(init) ? versionIn(readFileSync(init, 'utf8')) : undefined,
    read: (p) => (byPath[p] ? readFileSync(byPath[p], 'utf8') : undefined),
    list: () => [],
    close() {},
  };
}
