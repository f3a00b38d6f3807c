import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { CheckFailure } from './errors.ts';

/**
 * Images that tests make themselves (no downloads): 8-bit pixels, row-major, channels
 * interleaved (HWC), the layout PNG stores and transformers.js's RawImage holds.
 */
export interface TestImage {
  width: number;
  height: number;
  /** 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. */
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array;
}

export type Channels = TestImage['channels'];

function blank(width: number, height: number, channels: Channels): TestImage {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new RangeError(`image size must be positive integers, got ${width}x${height}`);
  }
  if (![1, 2, 3, 4].includes(channels)) throw new RangeError(`channels must be 1, 2, 3 or 4, got ${channels}`);
  return { width, height, channels, data: new Uint8Array(width * height * channels) };
}

/** A diagonal colour gradient: red grows left to right, green top to bottom, blue the other way. */
export function gradientImage(width: number, height: number, channels: Channels = 3): TestImage {
  const img = blank(width, height, channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const r = Math.round((255 * x) / Math.max(1, width - 1));
      const g = Math.round((255 * y) / Math.max(1, height - 1));
      const b = 255 - Math.round((r + g) / 2);
      writePixel(img, x, y, [r, g, b, 255]);
    }
  }
  return img;
}

/** Squares of `cell` pixels alternating between two colours (default black and white). */
export function checkerboardImage(
  width: number,
  height: number,
  opts: { cell?: number; channels?: Channels; a?: [number, number, number]; b?: [number, number, number] } = {},
): TestImage {
  const cell = opts.cell ?? 8;
  const img = blank(width, height, opts.channels ?? 3);
  const a = opts.a ?? [0, 0, 0];
  const b = opts.b ?? [255, 255, 255];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = (Math.floor(x / cell) + Math.floor(y / cell)) % 2 === 0 ? a : b;
      writePixel(img, x, y, [...c, 255]);
    }
  }
  return img;
}

/** Seeded uniform noise (the same seed gives the same pixels on every machine). */
export function noiseImage(width: number, height: number, seed = 1, channels: Channels = 3): TestImage {
  const img = blank(width, height, channels);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < img.data.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    img.data[i] = (s >>> 0) & 255;
  }
  return img;
}

/** Writes RGB(A) into the pixel; gray images take the luma, alpha channels take `rgba[3]`. */
function writePixel(img: TestImage, x: number, y: number, rgba: number[]): void {
  const o = (y * img.width + x) * img.channels;
  const [r, g, b, a] = rgba as [number, number, number, number];
  if (img.channels >= 3) {
    img.data[o] = r;
    img.data[o + 1] = g;
    img.data[o + 2] = b;
    if (img.channels === 4) img.data[o + 3] = a;
  } else {
    img.data[o] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    if (img.channels === 2) img.data[o + 1] = a;
  }
}

// --- PNG (8-bit, non-interlaced) -------------------------------------------------------------

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const COLOR_TYPE: Record<Channels, number> = { 1: 0, 2: 4, 3: 2, 4: 6 };
const CHANNELS_OF: Record<number, Channels> = { 0: 1, 4: 2, 2: 3, 6: 4 };

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A valid PNG file of the image (filter 0 on every row, zlib-deflated). */
export function encodePng(img: TestImage): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(img.width, 0);
  ihdr.writeUInt32BE(img.height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = COLOR_TYPE[img.channels];
  const stride = img.width * img.channels;
  const raw = Buffer.alloc((stride + 1) * img.height);
  for (let y = 0; y < img.height; y++) raw.set(img.data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Decodes an 8-bit, non-interlaced gray/RGB/RGBA PNG (what encodePng writes, and what most
 * tools write). Anything else is an error that names `source` and what was wrong.
 */
export function decodePng(bytes: Uint8Array, source = '<buffer>'): TestImage {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (why: string) => new CheckFailure(`cannot decode image ${source}: ${why}`, { file: source });
  if (buf.length < 8 || !buf.subarray(0, 8).equals(SIGNATURE))
    throw bad(`not a PNG file (first bytes ${buf.subarray(0, 8).toString('hex') || 'none'})`);
  let off = 8;
  let width = 0,
    height = 0,
    channels: Channels | undefined;
  const idat: Buffer[] = [];
  let ended = false;
  while (off + 8 <= buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('ascii', off + 4, off + 8);
    if (off + 12 + len > buf.length)
      throw bad(`chunk ${type} at byte ${off} runs past the end of the file (truncated?)`);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (crc32(buf.subarray(off + 4, off + 8 + len)) !== buf.readUInt32BE(off + 8 + len))
      throw bad(`chunk ${type} at byte ${off} has a bad CRC`);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8) throw bad(`bit depth ${data[8]} is not supported (8 only)`);
      channels = CHANNELS_OF[data[9]!];
      if (!channels) throw bad(`colour type ${data[9]} is not supported (gray, gray+alpha, RGB, RGBA)`);
      if (data[12] !== 0) throw bad('interlaced PNGs are not supported');
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') {
      ended = true;
      break;
    }
    off += 12 + len;
  }
  if (!channels || width === 0 || height === 0) throw bad('no IHDR chunk');
  if (!ended) throw bad(`the file ends at byte ${buf.length} before its IEND chunk (truncated?)`);
  if (idat.length === 0) throw bad('no IDAT chunk');
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat));
  } catch (err) {
    throw bad(`pixel data does not inflate (${(err as Error).message})`);
  }
  const stride = width * channels;
  if (raw.length < (stride + 1) * height)
    throw bad(`pixel data holds ${raw.length} bytes, expected ${(stride + 1) * height}`);
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const row = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const o = y * stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[o + i - channels]! : 0;
      const b = y > 0 ? out[o - stride + i]! : 0;
      const c = y > 0 && i >= channels ? out[o - stride + i - channels]! : 0;
      const x = row[i]!;
      const v =
        filter === 0
          ? x
          : filter === 1
            ? x + a
            : filter === 2
              ? x + b
              : filter === 3
                ? x + ((a + b) >> 1)
                : filter === 4
                  ? x + paeth(a, b, c)
                  : -1;
      if (v < 0) throw bad(`row ${y} has unknown filter type ${filter}`);
      out[o + i] = v & 255;
    }
  }
  return { width, height, channels, data: out };
}

export function writePng(path: string, img: TestImage): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, encodePng(img));
  return path;
}

/** The standard set of test images as PNG files in `dir`: a gradient and a checkerboard (RGB). */
export function writeTestImages(dir: string, width = 64, height = 48): { gradient: string; checkerboard: string } {
  return {
    gradient: writePng(join(dir, 'gradient.png'), gradientImage(width, height)),
    checkerboard: writePng(
      join(dir, 'checkerboard.png'),
      checkerboardImage(width, height, { cell: 8, b: [240, 200, 40] }),
    ),
  };
}

/** A file named .png that no decoder accepts (a PNG signature followed by garbage): for bad-input checks. */
export function writeUndecodableImage(path: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, Buffer.concat([SIGNATURE, Buffer.from('this is not image data\n')]));
  return path;
}

/** Pixels of an image as float CHW in [0, 1] (one row of `pixel_values` before normalisation). */
export function toChwFloats(img: TestImage): Float32Array {
  const { width, height, channels, data } = img;
  const out = new Float32Array(width * height * channels);
  const plane = width * height;
  for (let p = 0; p < plane; p++) for (let c = 0; c < channels; c++) out[c * plane + p] = data[p * channels + c]! / 255;
  return out;
}

type RawImageLike = { width: number; height: number; channels: number };

/**
 * An image file through transformers.js's own reader (RawImage.read, sharp in Node), the way
 * pipelines read it; a file it cannot decode is a CheckFailure naming the file and the reason.
 * `expectChannels` makes a wrong channel count a failure that says what came out.
 */
export async function readRawImage<T extends RawImageLike>(
  tf: { RawImage: { read(input: string): Promise<T> } },
  path: string,
  expectChannels?: number,
): Promise<T> {
  let img: T;
  try {
    img = await tf.RawImage.read(path);
  } catch (err) {
    throw new CheckFailure(
      `cannot decode image ${path}: ${(err as Error).message} (give a PNG, JPEG, WebP, GIF or TIFF file)`,
      { file: path },
    );
  }
  if (expectChannels !== undefined && img.channels !== expectChannels) {
    throw new CheckFailure(`image ${path} has ${img.channels} channel(s), expected ${expectChannels}`, {
      file: path,
      channels: img.channels,
      expected: expectChannels,
    });
  }
  return img;
}
