/**
 * One rule for every path a model folder names (ONNX external data `location`s, config,
 * tokenizer and processor files, genai_config.json file names, reference.json cases, symlinks in
 * the folder): it is resolved inside the folder, or refused, before anything is opened. Symlinks
 * are followed one component at a time with `lstat` and `readlink` on entries inside the folder
 * only, so a link that points outside is refused without its target being opened or even
 * stat'ed. A Hugging Face cache snapshot (`models--org--name/snapshots/<sha>/`) may link into its
 * repo's `blobs/`: that repo folder is the boundary for links, the snapshot for names.
 */
import { lstatSync, readFileSync, readlinkSync, realpathSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { HfCoreError } from './errors.ts';

/** A path resolved inside a model folder. */
export interface InsidePath {
  /** Absolute path under the folder as named (symlinks kept): what to hand to ONNX Runtime and transformers.js. */
  path: string;
  /** Relative to the folder, `/`-separated. */
  rel: string;
  /** Where it really is once symlinks are followed (inside the boundary). */
  real: string;
  exists: boolean;
  /** What it is when it exists: `file`, `dir`, or another kind (fifo, socket, device). */
  kind?: 'file' | 'dir' | 'fifo' | 'socket' | 'device';
  bytes?: number;
}

/** A path that leaves the folder (or loops): `problem` is a sentence naming it and why. */
export interface RefusedPath {
  problem: string;
}

export type Resolved = InsidePath | RefusedPath;

export const isRefused = (r: Resolved): r is RefusedPath => 'problem' in r;

/** More symlinks than this on one path is a loop (Linux gives ELOOP at 40). */
const MAX_LINKS = 40;

const kindOf = (st: Stats): InsidePath['kind'] =>
  st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isFIFO() ? 'fifo' : st.isSocket() ? 'socket' : 'device';

const within = (root: string, p: string) => p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);

/** The folder symlinks of `real` may point into: its HF cache repo for a snapshot, else itself. */
function linkBoundary(real: string): string {
  const snapshots = dirname(real);
  const repo = dirname(snapshots);
  return basename(snapshots) === 'snapshots' && /^(models|datasets|spaces)--/.test(basename(repo)) ? repo : real;
}

/** The real path of a model folder (the user chose it, so its own symlinks are followed). */
function folderRoot(folder: string): { root: string; given: string; boundary: string } | RefusedPath {
  const given = resolve(folder);
  let root: string;
  try {
    root = realpathSync(given);
  } catch (err) {
    return { problem: `${given} cannot be opened (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  return { root, given, boundary: linkBoundary(root) };
}

/** `is a symlink to T, outside...`, or which link on its way is, when it is not the file itself. */
function linkOut(root: string, link: string, name: string, target: string): string {
  const at = relative(root, link).split(sep).join('/');
  const self = at === name.split(sep).join('/');
  return `${self ? 'is' : `goes through ${at}, which is`} a symlink to ${target}, outside the model folder`;
}

const parts = (p: string) => p.split(/[\\/]+/).filter((s) => s && s !== '.');

/**
 * Resolves `name`, relative to `from` (a folder relative to `folder`; default the folder itself),
 * inside `folder`. Refused (never opened or stat'ed): an absolute name, a name whose `..` leave the
 * folder, a symlink on the way whose target is outside (the snapshot's HF cache repo for a cache
 * snapshot), a symlink loop. `what` names the file and field for the sentence, e.g.
 * `onnx/model.onnx: external data location "../x" of initializer W`.
 */
export function resolveInside(folder: string, name: string, opts: { from?: string; what?: string } = {}): Resolved {
  const what = opts.what ?? name;
  const refuse = (why: string): RefusedPath => ({ problem: `${what} ${why}` });
  if (name.includes('\0')) return refuse('holds a NUL byte');
  if (isAbsolute(name) || /^[A-Za-z]:[\\/]/.test(name))
    return refuse('is an absolute path: it leaves the model folder');
  const lexical = normalize(join(opts.from ?? '', name));
  if (lexical === '..' || lexical.startsWith(`..${sep}`) || isAbsolute(lexical))
    return refuse('leaves the model folder');
  const r = folderRoot(folder);
  if ('problem' in r) return r;
  const queue = parts(lexical);
  let cur = r.root;
  let links = 0;
  let lastLink: { at: string; target: string } | undefined;
  let st: Stats | undefined;
  while (queue.length) {
    const p = queue.shift()!;
    if (p === '..') {
      if (cur === r.boundary)
        return refuse(lastLink ? linkOut(r.root, lastLink.at, lexical, lastLink.target) : 'leaves the model folder');
      cur = dirname(cur);
      st = undefined;
      continue;
    }
    const next = join(cur, p);
    try {
      st = lstatSync(next);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return refuse(`cannot be read (${code})`);
      // Missing: nothing further can be a symlink, so the rest is lexical.
      const real = resolve(next, ...queue);
      if (!within(r.boundary, real)) return refuse('leaves the model folder');
      return { path: join(r.given, lexical), rel: lexical.split(sep).join('/'), real, exists: false };
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) return refuse('is a symlink loop (more than 40 links on its path)');
      const target = readlinkSync(next);
      lastLink = { at: next, target };
      if (isAbsolute(target)) {
        const t = normalize(target);
        // Inside by its real path, or by the path the user gave the folder as.
        const base = within(r.boundary, t) ? r.boundary : within(r.given, t) ? r.given : undefined;
        if (!base) return refuse(linkOut(r.root, next, lexical, target));
        cur = base === r.given ? r.root : r.boundary;
        queue.unshift(...parts(relative(base, t)));
      } else {
        // Judged by its words first, so a link out is named as such and its target never touched.
        if (!within(r.boundary, resolve(cur, target))) return refuse(linkOut(r.root, next, lexical, target));
        queue.unshift(...parts(target));
      }
      st = undefined;
      continue;
    }
    if (queue.length && !st.isDirectory()) {
      const real = resolve(next, ...queue);
      return { path: join(r.given, lexical), rel: lexical.split(sep).join('/'), real, exists: false };
    }
    cur = next;
  }
  st ??= lstatSync(cur);
  return {
    path: join(r.given, lexical),
    rel: lexical.split(sep).join('/') || '.',
    real: cur,
    exists: true,
    kind: kindOf(st),
    bytes: st.size,
  };
}

/** A path inside the folder, or an HfCoreError (PATH_ESCAPE) naming the file and field. */
export function insideOrThrow(folder: string, name: string, opts: { from?: string; what?: string } = {}): InsidePath {
  const r = resolveInside(folder, name, opts);
  if (isRefused(r)) throw pathEscape([r.problem]);
  return r;
}

/** The error of a model folder that names paths outside itself (status `error`, exit code 2). */
export function pathEscape(problems: string[]): HfCoreError {
  return new HfCoreError(`${problems.join('; ')}.`, {
    code: 'PATH_ESCAPE',
    hint: 'hf-core opens nothing outside a model folder: copy the file into the folder (or fix the name that points out of it).',
  });
}

/** JSON and text files hf-core reads whole from a model folder are at most this big. */
export const MAX_TEXT_BYTES = 256 * 1024 * 1024;

/**
 * The text of a regular file inside the folder; `{}` when it is absent. `refused` (never opened)
 * when it leaves the folder, loops, or is not a regular file (reading a fifo would block);
 * `problem` when it is larger than `maxBytes`.
 */
export function readTextInside(
  folder: string,
  name: string,
  opts: { what?: string; maxBytes?: number } = {},
): { text?: string; refused?: string; problem?: string } {
  const what = opts.what ?? name;
  const r = resolveInside(folder, name, { what });
  if (isRefused(r)) return { refused: r.problem };
  if (!r.exists) return {};
  if (r.kind !== 'file') return { refused: `${what} is a ${r.kind}, not a regular file` };
  const max = opts.maxBytes ?? MAX_TEXT_BYTES;
  if ((r.bytes ?? 0) > max) return { problem: `${what} has ${r.bytes} bytes, more than the ${max} hf-core reads` };
  return { text: readFileSync(r.real, 'utf8') };
}
