/**
 * The runner's answers to the page's Node built-ins (see page/node/): file operations inside the
 * folders the job may touch, zlib and the temp folder. Anything else is refused with a reason.
 */
import {
  appendFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve, sep } from 'node:path';
import { deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';

/** Folders the page may read (and, for `write`, write), by absolute path. */
export interface PageRoots {
  read: string[];
  write: string[];
}

const inside = (root: string, p: string) => p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);

export class FolderGuard {
  constructor(readonly roots: PageRoots) {}

  private check(path: unknown, kind: 'read' | 'write'): string {
    if (typeof path !== 'string') throw new Error(`a path is required, got ${typeof path}`);
    const p = resolve(path);
    const roots = kind === 'read' ? [...this.roots.read, ...this.roots.write] : this.roots.write;
    if (!roots.some((r) => inside(resolve(r), p)))
      throw Object.assign(
        new Error(`EACCES: the page may not ${kind} ${p} (it may ${kind} under ${roots.join(', ')})`),
        { code: 'EACCES' },
      );
    return p;
  }
  readable = (p: unknown) => this.check(p, 'read');
  writable = (p: unknown) => this.check(p, 'write');
  /** Whether the static server may serve this path. */
  canRead(p: string): boolean {
    try {
      this.readable(p);
      return true;
    } catch {
      return false;
    }
  }
}

/** A Stats as it crosses the wire: what the page's fs stand-in answers isFile() and the others from. */
const statsOf = (s: Stats) => ({
  size: s.size,
  mtimeMs: s.mtimeMs,
  file: s.isFile(),
  dir: s.isDirectory(),
  link: s.isSymbolicLink(),
  fifo: s.isFIFO(),
  socket: s.isSocket(),
});

const text = (data: unknown) => (data instanceof Uint8Array ? data : String(data));
const options = (o: unknown) => (o && typeof o === 'object' ? o : {}) as { recursive?: boolean; force?: boolean };

/** The calls the page may make, by name, each with its arguments as they came over the wire. */
export function nodeCalls(guard: FolderGuard): Record<string, (...args: unknown[]) => unknown> {
  return {
    'fs.existsSync': (p) => guard.canRead(String(p)) && existsSync(guard.readable(p)),
    'fs.readFileSync': (p) => readFileSync(guard.readable(p)),
    'fs.writeFileSync': (p, data) => writeFileSync(guard.writable(p), text(data)),
    'fs.appendFileSync': (p, data) => appendFileSync(guard.writable(p), text(data)),
    'fs.mkdirSync': (p, o) => mkdirSync(guard.writable(p), { recursive: options(o).recursive }),
    'fs.mkdtempSync': (prefix) => mkdtempSync(guard.writable(prefix)),
    'fs.renameSync': (from, to) => renameSync(guard.writable(from), guard.writable(to)),
    'fs.rmSync': (p, o) => rmSync(guard.writable(p), { recursive: options(o).recursive, force: options(o).force }),
    'fs.readdirSync': (p) => readdirSync(guard.readable(p)),
    'fs.statSync': (p) => statsOf(statSync(guard.readable(p))),
    // What core's resolveInside walks (a model folder's own symlinks): the link itself, never its target.
    'fs.lstatSync': (p) => statsOf(lstatSync(guard.readable(p))),
    'fs.readlinkSync': (p) => readlinkSync(guard.readable(p)),
    'fs.realpathSync': (p) => realpathSync(guard.readable(p)),
    'zlib.deflateSync': (data) => deflateSync(data as Uint8Array),
    'zlib.inflateSync': (data) => inflateSync(data as Uint8Array),
    'zlib.gzipSync': (data) => gzipSync(data as Uint8Array),
    'zlib.gunzipSync': (data) => gunzipSync(data as Uint8Array),
    'os.tmpdir': () => tmpdir(),
  };
}
