import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fifoHasReader, makeFifo } from '../../../scripts/fuzz/canaries.ts';
import { discoverModelFolder, hasOnnxFiles } from './discover.ts';
import { insideOrThrow, isRefused, readTextInside, resolveInside, type Resolved } from './paths.ts';

const root = mkdtempSync(join(tmpdir(), 'hf-core-paths-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const outside = join(root, 'outside');
mkdirSync(outside);
writeFileSync(join(outside, 'secret.txt'), 'secret');
const fifo = join(outside, 'secret.fifo');
makeFifo(fifo);

/** A model folder with an onnx/ subfolder and the given symlinks (name -> target). */
function folder(name: string, links: Record<string, string> = {}): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  writeFileSync(join(dir, 'config.json'), '{"model_type":"bert"}');
  writeFileSync(join(dir, 'onnx', 'model.onnx'), 'x');
  for (const [link, target] of Object.entries(links)) symlinkSync(target, join(dir, link));
  return dir;
}

const problem = (r: Resolved) => (isRefused(r) ? r.problem : undefined);

describe('resolveInside: a name a model folder gives stays in the folder or is refused', () => {
  const dir = folder('plain');

  it('resolves names inside, existing or not, with their kind and size', () => {
    expect(resolveInside(dir, 'model.onnx', { from: 'onnx' })).toMatchObject({
      rel: 'onnx/model.onnx',
      exists: true,
      kind: 'file',
      bytes: 1,
    });
    expect(resolveInside(dir, 'onnx/x/../model.onnx')).toMatchObject({ rel: 'onnx/model.onnx', exists: true });
    expect(resolveInside(dir, 'model.onnx_data', { from: 'onnx' })).toMatchObject({ exists: false });
  });

  it('refuses a name that leaves the folder by `..`, an absolute name and a NUL byte, saying which field', () => {
    const what = 'onnx/model.onnx: external data location "../../x" of initializer "w"';
    expect(problem(resolveInside(dir, '../../x', { from: 'onnx', what }))).toBe(`${what} leaves the model folder`);
    expect(problem(resolveInside(dir, join(outside, 'secret.txt')))).toMatch(
      /is an absolute path: it leaves the model folder/,
    );
    expect(problem(resolveInside(dir, 'a\0b'))).toMatch(/NUL byte/);
    // Its twin: `..` that stays inside is fine.
    expect(problem(resolveInside(dir, '../model.onnx', { from: 'onnx/deeper' }))).toBeUndefined();
  });
});

describe('symlinks in the folder', () => {
  it('follows a link that stays inside, to its real file', () => {
    const dir = folder('link-inside', { 'tokenizer.json': 'config.json', 'onnx/model_fp16.onnx': 'model.onnx' });
    expect(resolveInside(dir, 'tokenizer.json')).toMatchObject({ real: join(dir, 'config.json'), kind: 'file' });
    expect(resolveInside(dir, 'onnx/model_fp16.onnx')).toMatchObject({ real: join(dir, 'onnx', 'model.onnx') });
  });

  it('refuses links out of the folder (relative, absolute, a linked subfolder) and names the link', () => {
    const dir = folder('link-out', {
      'tokenizer.json': '../outside/secret.txt',
      'vocab.txt': join(outside, 'secret.txt'),
      'onnx/model.onnx_data': '../../outside/secret.fifo',
    });
    mkdirSync(join(dir, 'sub'));
    symlinkSync(outside, join(dir, 'sub', 'onnx'));
    expect(problem(resolveInside(dir, 'tokenizer.json'))).toBe(
      'tokenizer.json is a symlink to ../outside/secret.txt, outside the model folder',
    );
    expect(problem(resolveInside(dir, 'vocab.txt'))).toMatch(/vocab\.txt is a symlink to \/.*secret\.txt, outside/);
    expect(problem(resolveInside(dir, 'sub/onnx/secret.txt'))).toMatch(/goes through sub\/onnx, which is a symlink to/);
    expect(discoverModelFolder(dir).refused).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^tokenizer\.json is a symlink/),
        expect.stringMatching(/^onnx\/model\.onnx_data is a symlink/),
      ]),
    );
  });

  it('refuses a link to an outside fifo without opening it (an open would block: the fifo has no reader)', () => {
    const dir = folder('fifo-out', { 'config.json.link': '../outside/secret.fifo' });
    rmSync(join(dir, 'config.json'));
    symlinkSync('config.json.link', join(dir, 'config.json'));
    expect(readTextInside(dir, 'config.json').refused).toMatch(/symlink to \.\.\/outside\/secret\.fifo, outside/);
    expect(() => insideOrThrow(dir, 'config.json')).toThrow(/outside the model folder/);
    expect(fifoHasReader(fifo)).toBe(false);
  });

  it('the fifo check sees a reader when there is one (the twin of the test above)', async () => {
    const reader = spawn('cat', [fifo], { stdio: 'ignore' });
    try {
      let seen = false;
      for (let i = 0; i < 100 && !seen; i++) {
        await new Promise((r) => setTimeout(r, 20));
        seen = fifoHasReader(fifo);
      }
      expect(seen).toBe(true);
    } finally {
      reader.kill();
    }
  });

  it('refuses symlink loops: a link to itself, a pair, a subfolder looping back', () => {
    const dir = folder('loops', {
      'config.json.a': 'config.json.b',
      'config.json.b': 'config.json.a',
      'self.json': 'self.json',
    });
    symlinkSync('../onnx', join(dir, 'onnx', 'again'));
    expect(problem(resolveInside(dir, 'config.json.a'))).toMatch(/symlink loop/);
    expect(problem(resolveInside(dir, 'self.json'))).toMatch(/symlink loop/);
    // A cycle through a folder is fine as long as the path ends somewhere real.
    expect(resolveInside(dir, 'onnx/again/again/model.onnx')).toMatchObject({ exists: true, kind: 'file' });
  });

  it('lets a Hugging Face cache snapshot link into its repo blobs, and nothing further', () => {
    const repo = join(root, 'hub', 'models--org--tiny');
    const snap = join(repo, 'snapshots', 'abc123');
    mkdirSync(join(repo, 'blobs'), { recursive: true });
    mkdirSync(join(snap, 'onnx'), { recursive: true });
    writeFileSync(join(repo, 'blobs', 'h1'), 'onnx bytes');
    symlinkSync('../../../blobs/h1', join(snap, 'onnx', 'model.onnx'));
    symlinkSync('../../../../../outside/secret.txt', join(snap, 'config.json'));
    expect(resolveInside(snap, 'onnx/model.onnx')).toMatchObject({ real: join(repo, 'blobs', 'h1'), kind: 'file' });
    expect(discoverModelFolder(snap).files.map((f) => f.path)).toEqual(['onnx/model.onnx']);
    expect(problem(resolveInside(snap, 'config.json'))).toMatch(/outside the model folder/);
    // A name (not a link) still may not leave the snapshot for the blobs.
    expect(problem(resolveInside(snap, '../../blobs/h1'))).toMatch(/leaves the model folder/);
  });
});

describe('files that are not regular files', () => {
  it('refuses a fifo or a folder where a file is read, and says a file is too large instead of reading it', () => {
    const dir = folder('special');
    rmSync(join(dir, 'config.json'));
    makeFifo(join(dir, 'config.json'));
    mkdirSync(join(dir, 'onnx', 'model_fp16.onnx'));
    writeFileSync(join(dir, 'tokenizer.json'), '{}');
    truncateSync(join(dir, 'tokenizer.json'), 2048);
    expect(readTextInside(dir, 'config.json').refused).toBe('config.json is a fifo, not a regular file');
    expect(readTextInside(dir, 'tokenizer.json', { maxBytes: 1024 }).problem).toMatch(
      /has 2048 bytes, more than the 1024/,
    );
    expect(discoverModelFolder(dir).refused).toEqual([
      'onnx/model_fp16.onnx is a dir, not a regular file',
      'config.json is a fifo, not a regular file',
    ]);
    // Its twin: a regular config.json is read.
    expect(readTextInside(folder('regular'), 'config.json').text).toBe('{"model_type":"bert"}');
  });

  it('counts a folder whose only ONNX file is refused as a checkpoint, and refuses it by name', () => {
    const dir = join(root, 'only-link');
    mkdirSync(dir);
    symlinkSync('../outside/secret.fifo', join(dir, 'model.onnx'));
    expect(hasOnnxFiles(dir)).toBe(true);
    expect(() => discoverModelFolder(dir)).toThrow(/model\.onnx is a symlink to \.\.\/outside\/secret\.fifo/);
    expect(fifoHasReader(fifo)).toBe(false);
  });
});
