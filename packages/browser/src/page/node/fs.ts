/**
 * `node:fs` in the page: each call is answered by the runner process on the real file system,
 * inside the folders the job may touch (the model, the output folder, the temp folder). Reads
 * of anything else fail with EACCES; `/proc` is never served, so a page never reports the
 * runner's memory as its own.
 */
import { asBuffer, type Buffer } from './buffer.ts';
import { callSync } from '../rpc.ts';

type Encoding = BufferEncoding | { encoding?: BufferEncoding | null } | null | undefined;
const encodingOf = (e: Encoding) => (typeof e === 'string' ? e : (e?.encoding ?? undefined));

/** Bytes from the runner as Node returns them: a Buffer, or a string when an encoding is asked. */
function asNode(bytes: unknown, encoding: Encoding): Buffer | string {
  const buf = asBuffer(bytes);
  const enc = encodingOf(encoding);
  return enc ? buf.toString(enc) : buf;
}

export interface PageStats {
  size: number;
  mtimeMs: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
}

export function toStats(v: unknown): PageStats {
  const s = v as {
    size: number;
    mtimeMs: number;
    file: boolean;
    dir: boolean;
    link?: boolean;
    fifo?: boolean;
    socket?: boolean;
  };
  return {
    size: s.size,
    mtimeMs: s.mtimeMs,
    isFile: () => s.file,
    isDirectory: () => s.dir,
    isSymbolicLink: () => s.link === true,
    isFIFO: () => s.fifo === true,
    isSocket: () => s.socket === true,
  };
}

export const existsSync = (path: string): boolean => callSync('fs.existsSync', String(path)) as boolean;
export const readFileSync = (path: string, encoding?: Encoding) =>
  asNode(callSync('fs.readFileSync', String(path)), encoding) as Buffer & string;
export const writeFileSync = (path: string, data: string | Uint8Array): void => {
  callSync('fs.writeFileSync', String(path), data);
};
export const appendFileSync = (path: string, data: string | Uint8Array): void => {
  callSync('fs.appendFileSync', String(path), data);
};
export const mkdirSync = (path: string, options?: { recursive?: boolean }): string | undefined =>
  callSync('fs.mkdirSync', String(path), options ?? {}) as string | undefined;
export const mkdtempSync = (prefix: string): string => callSync('fs.mkdtempSync', String(prefix)) as string;
export const renameSync = (from: string, to: string): void => {
  callSync('fs.renameSync', String(from), String(to));
};
export const rmSync = (path: string, options?: { recursive?: boolean; force?: boolean }): void => {
  callSync('fs.rmSync', String(path), options ?? {});
};
export const readdirSync = (path: string): string[] => callSync('fs.readdirSync', String(path)) as string[];
export const statSync = (path: string): PageStats => toStats(callSync('fs.statSync', String(path)));
export const lstatSync = (path: string): PageStats => toStats(callSync('fs.lstatSync', String(path)));
export const readlinkSync = (path: string): string => callSync('fs.readlinkSync', String(path)) as string;
export const realpathSync = (path: string): string => callSync('fs.realpathSync', String(path)) as string;

function unavailable(name: string) {
  return (): never => {
    throw new Error(`fs.${name} is not available in the browser page; read the whole file with readFileSync`);
  };
}
export const openSync = unavailable('openSync');
export const readSync = unavailable('readSync');
export const closeSync = unavailable('closeSync');
export const createReadStream = unavailable('createReadStream');
export const createWriteStream = unavailable('createWriteStream');

export default {
  existsSync,
  lstatSync,
  readlinkSync,
  realpathSync,
  readFileSync,
  writeFileSync,
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  readdirSync,
  statSync,
  openSync,
  readSync,
  closeSync,
  createReadStream,
  createWriteStream,
};
