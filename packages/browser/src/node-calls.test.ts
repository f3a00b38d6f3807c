import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FolderGuard, nodeCalls } from './node-calls.ts';

const base = mkdtempSync(join(tmpdir(), 'hf-core-guard-'));
const model = join(base, 'models', 'bert');
const out = join(base, 'out');
const elsewhere = join(base, 'elsewhere');
for (const d of [model, out, elsewhere]) mkdirSync(d, { recursive: true });
writeFileSync(join(model, 'config.json'), '{"model_type":"bert"}');
writeFileSync(join(elsewhere, 'secret.txt'), 'not for the page');
afterAll(() => rmSync(base, { recursive: true, force: true }));

const guard = new FolderGuard({ read: [model], write: [out] });
const calls = nodeCalls(guard);

describe("the page's file access (answered by the runner)", () => {
  it('reads inside the model folder and writes inside the output folder', () => {
    expect(Buffer.from(calls['fs.readFileSync']!(join(model, 'config.json')) as Uint8Array).toString()).toContain(
      'bert',
    );
    calls['fs.writeFileSync']!(join(out, 'a.txt'), 'x');
    calls['fs.appendFileSync']!(join(out, 'a.txt'), Buffer.from('y'));
    expect(Buffer.from(calls['fs.readFileSync']!(join(out, 'a.txt')) as Uint8Array).toString()).toBe('xy');
    expect(calls['fs.readdirSync']!(model)).toEqual(['config.json']);
    expect(calls['fs.statSync']!(model)).toMatchObject({ dir: true, file: false });
  });

  it('refuses reads outside its folders, a ../ escape and /proc included, with EACCES and the allowed folders', () => {
    for (const p of [join(elsewhere, 'secret.txt'), `${model}/../../elsewhere/secret.txt`, '/proc/self/status']) {
      expect(() => calls['fs.readFileSync']!(p)).toThrow(/EACCES: the page may not read/);
      expect(calls['fs.existsSync']!(p)).toBe(false);
    }
    expect(() => calls['fs.readFileSync']!(`${model}-sibling/config.json`)).toThrow(/EACCES/);
  });

  it('refuses writes into a folder it may only read', () => {
    expect(() => calls['fs.writeFileSync']!(join(model, 'config.json'), '{}')).toThrow(/may not write/);
    expect(guard.canRead(join(model, 'config.json'))).toBe(true);
  });

  it('runs zlib for the page: what deflateSync packs, inflateSync unpacks', () => {
    const data = Buffer.from('hf-core '.repeat(100));
    const packed = calls['zlib.deflateSync']!(data) as Uint8Array;
    expect(packed.length).toBeLessThan(data.length);
    expect(Buffer.from(calls['zlib.inflateSync']!(packed) as Uint8Array).equals(data)).toBe(true);
  });
});
