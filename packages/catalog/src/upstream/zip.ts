/**
 * Reads files out of a zip archive (a Python wheel) with node:zlib alone: the central directory
 * says where each entry lies, stored entries are copied and deflated ones inflated. Enough for
 * wheels; zip64 archives, encryption and multi-disk archives are refused with the reason.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

export interface ZipArchive {
  /** Every file name in the archive, as stored (forward slashes). */
  readonly names: string[];
  /** The entry's bytes as UTF-8 text, or undefined when the archive has no such entry. */
  readText(name: string): string | undefined;
  close(): void;
}

/** Thrown for a file that is not a zip archive this reader can open; the message says why. */
export class ZipError extends Error {
  constructor(
    readonly file: string,
    why: string,
  ) {
    super(`${file}: ${why}`);
    this.name = 'ZipError';
  }
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

interface Entry {
  method: number;
  compressedSize: number;
  localOffset: number;
}

function read(fd: number, offset: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, offset + done);
    if (n === 0) break;
    done += n;
  }
  return buf.subarray(0, done);
}

/** Opens a zip archive; throws ZipError when the file is not one. */
export function openZip(file: string): ZipArchive {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    // The end-of-central-directory record sits in the last 22 bytes plus an optional comment.
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = read(fd, size - tailLength, tailLength);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new ZipError(file, 'not a zip archive (no end-of-central-directory record)');
    const count = tail.readUInt16LE(eocd + 10);
    const dirSize = tail.readUInt32LE(eocd + 12);
    const dirOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || dirOffset === 0xffffffff) throw new ZipError(file, 'zip64 archives are not supported');
    const dir = read(fd, dirOffset, dirSize);
    const entries = new Map<string, Entry>();
    for (let p = 0, i = 0; i < count; i++) {
      if (dir.readUInt32LE(p) !== CENTRAL) throw new ZipError(file, 'corrupt central directory');
      const flags = dir.readUInt16LE(p + 8);
      const method = dir.readUInt16LE(p + 10);
      const compressedSize = dir.readUInt32LE(p + 20);
      const nameLength = dir.readUInt16LE(p + 28);
      const extraLength = dir.readUInt16LE(p + 30);
      const commentLength = dir.readUInt16LE(p + 32);
      const localOffset = dir.readUInt32LE(p + 42);
      const name = dir.toString('utf8', p + 46, p + 46 + nameLength);
      if (!(flags & 1)) entries.set(name, { method, compressedSize, localOffset });
      p += 46 + nameLength + extraLength + commentLength;
    }
    const archive: ZipArchive = {
      names: [...entries.keys()],
      readText(name) {
        const e = entries.get(name);
        if (!e) return undefined;
        const header = read(fd, e.localOffset, 30);
        if (header.readUInt32LE(0) !== LOCAL) throw new ZipError(file, `corrupt local header of ${name}`);
        const start = e.localOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
        const raw = read(fd, start, e.compressedSize);
        if (e.method === 0) return raw.toString('utf8');
        if (e.method === 8) return inflateRawSync(raw).toString('utf8');
        throw new ZipError(
          file,
          `${name} uses compression method ${e.method}; only stored and deflated entries are read`,
        );
      },
      close: () => closeSync(fd),
    };
    return archive;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}
