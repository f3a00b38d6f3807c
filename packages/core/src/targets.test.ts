import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HfCoreError } from './errors.ts';
import { assertHistoryFile, assertResumeFolder } from './targets.ts';

const root = mkdtempSync(join(tmpdir(), 'hf-core-targets-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const at = (name: string, files: Record<string, string> = {}) => {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
};
const row = JSON.stringify({ ref: 'bert', backend: 'cpu', status: 'pass', checks: [] });
const entry = JSON.stringify({
  v: 1,
  run: 'r1',
  at: '2026-01-01T00:00:00Z',
  ref: 'bert',
  backend: 'cpu',
  status: 'pass',
});

function refusal(fn: () => void): HfCoreError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HfCoreError) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('--resume takes only a folder an hf-core run wrote', () => {
  it('accepts a run folder: with result rows, or killed before its first row', () => {
    expect(() => assertResumeFolder(at('run', { 'results.jsonl': `${row}\n` }))).not.toThrow();
    expect(() =>
      assertResumeFolder(at('killed-early', { 'vitest.config.mjs': '// Written by hf-core' })),
    ).not.toThrow();
  });

  it('refuses, with exit code 2, a missing folder, a file, a foreign folder and foreign results.jsonl', () => {
    const missing = refusal(() => assertResumeFolder(join(root, 'nope')));
    expect(missing.exitCode).toBe(2);
    expect(missing.message).toMatch(/no such folder, so there is no run to continue/);
    expect(refusal(() => assertResumeFolder(join(at('file', { x: '' }), 'x'))).message).toMatch(/it is not a folder/);
    expect(refusal(() => assertResumeFolder(at('home', { '.bashrc': 'x' }))).message).toMatch(
      /not an hf-core output folder \(no results\.jsonl, summary\.json or vitest\.config\.mjs\)/,
    );
    expect(refusal(() => assertResumeFolder(at('other-tool', { 'results.jsonl': '{"loss": 0.1}\n' }))).message).toMatch(
      /results\.jsonl does not hold hf-core result rows/,
    );
  });
});

describe('--history takes a new file or an hf-core history', () => {
  it('accepts a file not there yet, an empty one, and a history', () => {
    expect(() => assertHistoryFile(join(root, 'new', 'history.jsonl'))).not.toThrow();
    expect(() => assertHistoryFile(join(at('empty', { 'h.jsonl': '' }), 'h.jsonl'))).not.toThrow();
    expect(() => assertHistoryFile(join(at('hist', { 'h.jsonl': `${entry}\n` }), 'h.jsonl'))).not.toThrow();
  });

  it('refuses a file that is not a history (it would be appended to) and a folder, with exit code 2', () => {
    const passwd = refusal(() =>
      assertHistoryFile(join(at('etc', { passwd: 'root:x:0:0:root:/root:/bin/bash\n' }), 'passwd')),
    );
    expect(passwd.exitCode).toBe(2);
    expect(passwd.message).toMatch(/is not an hf-core history \(line 1: not JSON/);
    expect(refusal(() => assertHistoryFile(at('a-folder'))).message).toMatch(/not a regular file/);
  });
});
