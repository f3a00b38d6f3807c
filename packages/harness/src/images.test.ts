import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { crc32, deflateSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckFailure } from './errors.ts';
import {
  checkerboardImage,
  decodePng,
  encodePng,
  gradientImage,
  noiseImage,
  readRawImage,
  toChwFloats,
  writeTestImages,
  writeUndecodableImage,
} from './images.ts';

const dir = mkdtempSync(join(tmpdir(), 'hf-images-'));

describe('test images', () => {
  it('round-trips gray, gray+alpha, RGB and RGBA through encodePng/decodePng', () => {
    for (const ch of [1, 2, 3, 4] as const) {
      const img = noiseImage(13, 7, 42, ch);
      const back = decodePng(encodePng(img));
      expect(back).toMatchObject({ width: 13, height: 7, channels: ch });
      expect(Buffer.from(back.data).equals(Buffer.from(img.data))).toBe(true);
    }
  });

  it('draws a gradient from black-red corner to the full-green corner, and a checkerboard of the two colours', () => {
    const g = gradientImage(16, 16);
    expect([...g.data.subarray(0, 3)]).toEqual([0, 0, 255]);
    const last = (16 * 16 - 1) * 3;
    expect([...g.data.subarray(last, last + 3)]).toEqual([255, 255, 0]);
    const c = checkerboardImage(16, 16, { cell: 4 });
    expect(c.data[0]).toBe(0);
    expect(c.data[4 * 3]).toBe(255);
    expect(c.data[(4 * 16 + 4) * 3]).toBe(0);
  });

  it('decodes rows written with each PNG filter type (sub, up, average, paeth)', () => {
    const img = noiseImage(9, 5, 7);
    const png = encodePng(img);
    // Re-filter the rows of our own file: row y uses filter y (0..4), so every filter is decoded.
    const stride = 9 * 3;
    const rows: number[] = [];
    const px = (y: number, i: number) => (y < 0 || i < 0 ? 0 : img.data[y * stride + i]!);
    for (let y = 0; y < 5; y++) {
      rows.push(y);
      for (let i = 0; i < stride; i++) {
        const x = px(y, i),
          a = px(y, i - 3),
          b = px(y - 1, i),
          c = px(y - 1, i - 3);
        const p = a + b - c;
        const pred = [
          0,
          a,
          b,
          (a + b) >> 1,
          Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
            ? a
            : Math.abs(p - b) <= Math.abs(p - c)
              ? b
              : c,
        ][y]!;
        rows.push((x - pred) & 255);
      }
    }
    const idat = deflateSync(Buffer.from(rows));
    const ihdrEnd = 8 + 12 + 13;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(idat.length);
    const body = Buffer.concat([Buffer.from('IDAT'), idat]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    const filtered = Buffer.concat([png.subarray(0, ihdrEnd), len, body, crc, png.subarray(png.length - 12)]);
    expect(Buffer.from(decodePng(filtered).data).equals(Buffer.from(img.data))).toBe(true);
  });

  it('writes files transformers.js reads with the same pixels', async () => {
    const tf = await import('@huggingface/transformers');
    const { gradient, checkerboard } = writeTestImages(dir, 32, 24);
    const raw = await readRawImage(tf, gradient, 3);
    expect([raw.width, raw.height, raw.channels]).toEqual([32, 24, 3]);
    expect(Buffer.from(raw.data as Uint8Array).equals(Buffer.from(gradientImage(32, 24).data))).toBe(true);
    await expect(readRawImage(tf, checkerboard, 1)).rejects.toThrow(/checkerboard\.png has 3 channel\(s\), expected 1/);
    expect(toChwFloats(gradientImage(2, 1))[1]).toBe(1);
  });

  it('names the file and the reason when an image cannot be decoded', async () => {
    const tf = await import('@huggingface/transformers');
    const bad = writeUndecodableImage(join(dir, 'broken.png'));
    expect(() => decodePng(readFileSync(bad), bad)).toThrow(CheckFailure);
    expect(() => decodePng(readFileSync(bad), bad)).toThrow(/broken\.png/);
    await expect(readRawImage(tf, bad)).rejects.toThrow(/cannot decode image .*broken\.png/);
    const truncated = encodePng(gradientImage(8, 8)).subarray(0, 40);
    writeFileSync(join(dir, 'cut.png'), truncated);
    expect(() => decodePng(truncated, 'cut.png')).toThrow(/cut\.png.*truncated/);
  });
});
