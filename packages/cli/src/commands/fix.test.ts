import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../index.ts';
import type { CliIO } from '../context.ts';

function capture(cwd: string): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, cwd, env: {}, stdout: (s) => void out.push(s), stderr: (s) => void err.push(s) };
}

const HEADER = '// hf-core:template-version 1\n';
const BROKEN = `${HEADER}describe('sum', () => {\nit('adds', () => {\n        expect(1 + 1).toBe(2);\n   });\n});\n`;
const FIXED = `${HEADER}import { describe, expect, it } from 'vitest';\n\ndescribe('sum', () => {\n  it('adds', () => {\n    expect(1 + 1).toBe(2);\n  });\n});\n`;

describe('hf-core fix', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hf-core-cli-fix-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--check reports what would change and exits 1, writing nothing', async () => {
    writeFileSync(join(dir, 'a.test.ts'), BROKEN);
    const io = capture(dir);
    expect(await main(['fix', '*.test.ts', '--check'], io)).toBe(1);
    expect(io.out[0]).toBe('~ would fix a.test.ts (imports, format)');
    expect(io.out[1]).toMatch(/^1 file: 1 would change, 0 with errors, 0 unchanged \(\d+ ms\)$/);
    expect(readFileSync(join(dir, 'a.test.ts'), 'utf8')).toBe(BROKEN);
  });

  it('fixes in place, then --check finds nothing to do and exits 0', async () => {
    const io = capture(dir);
    expect(await main(['fix', 'a.test.ts'], io)).toBe(0);
    expect(readFileSync(join(dir, 'a.test.ts'), 'utf8')).toBe(FIXED);
    const check = capture(dir);
    expect(await main(['fix', 'a.test.ts', '--check', '--json'], check)).toBe(0);
    const json = JSON.parse(check.out.join('\n')) as {
      check: boolean;
      results: { changed: boolean; diagnostics: unknown[] }[];
    };
    expect(json.check).toBe(true);
    expect(json.results).toEqual([
      { file: join(dir, 'a.test.ts'), changed: false, changedBy: [], diagnostics: [], written: false },
    ]);
  });

  it('exits 1 and names file, line and column of a type error', async () => {
    writeFileSync(join(dir, 'b.test.ts'), FIXED.replace('toBe(2)', 'toBe(2, 3)'));
    const io = capture(dir);
    expect(await main(['fix', 'b.test.ts', '--check'], io)).toBe(1);
    expect(io.out[0]).toBe('✗ b.test.ts: 1 error');
    expect(io.out[1]).toBe('    b.test.ts:6:27 Expected 1 arguments, but got 2. (TS2554) [typecheck]');
  });

  it('exits 2 when no file matches, saying which pattern', async () => {
    const io = capture(dir);
    expect(await main(['fix', 'nothing/**/*.test.ts'], io)).toBe(2);
    expect(io.err.join('\n')).toContain('No files matched "nothing/**/*.test.ts"');
    expect(await main(['fix'], capture(dir))).toBe(2);
  });
});
