import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findChromium } from './chromium.ts';
import { runPageTest } from './run-page.ts';

const chromium = findChromium();
const dir = mkdtempSync(join(tmpdir(), 'hf-core-page-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'hello.txt'), 'hello from the runner');

/** A test file written the way generated tests are (vitest API, Node built-ins), run in a page. */
function fixture(name: string, body: string): string {
  const file = join(dir, `${name}.test.ts`);
  writeFileSync(
    file,
    `import { describe, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const DIR = ${JSON.stringify(dir)};
describe(${JSON.stringify(name)}, () => {
${body}
});
`,
  );
  return file;
}

const run = (file: string, flags: string[] = []) =>
  runPageTest({
    testFile: file,
    device: 'wasm',
    chromium: 'path' in chromium ? chromium.path : '',
    chromiumFlags: flags,
    env: {},
    roots: { read: [dir], write: [dir] },
  });

describe.skipIf(!('path' in chromium))(
  `a test file in a Chromium page (${'missing' in chromium ? chromium.missing : 'Chromium found'})`,
  () => {
    it('runs its tests with vitest semantics, reaches the job folders through node:fs and nothing else, fails a request that leaves 127.0.0.1, and reports page errors', async () => {
      const r = await run(
        fixture(
          'page',
          `
  it('reads inside its folders', () => {
    if (readFileSync(join(DIR, 'hello.txt'), 'utf8') !== 'hello from the runner') throw new Error('wrong contents');
    writeFileSync(join(DIR, 'written.txt'), 'from the page');
  });
  it('is refused outside them', () => {
    if (existsSync('/etc/hostname')) throw new Error('the page sees /etc/hostname');
    readFileSync('/proc/self/status');
  });
  it('is cross-origin isolated (timers at full resolution)', () => {
    if (!(globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated) throw new Error('not isolated');
  });
  it('skips', (ctx) => ctx.skip('nothing to do here'));
  it('fetches a model from the internet', async () => { await fetch('https://huggingface.co/bert/resolve/main/config.json'); });
  it('throws later', () => { setTimeout(() => { throw new Error('late boom'); }, 0); });
  it('leaves a rejection unhandled', async () => { Promise.reject(new Error('nobody catches me')); await new Promise((r) => setTimeout(r, 50)); });
`,
        ),
      );
      expect(r.crashed).toBe(false);
      expect(r.loadError).toBeUndefined();
      expect(r.tests.map((t) => [t.name.split(' > ').pop(), t.state])).toEqual([
        ['reads inside its folders', 'pass'],
        ['is refused outside them', 'fail'],
        ['is cross-origin isolated (timers at full resolution)', 'pass'],
        ['skips', 'skip'],
        ['fetches a model from the internet', 'fail'],
        ['throws later', 'pass'],
        ['leaves a rejection unhandled', 'pass'],
      ]);
      expect(r.tests[1]!.message).toMatch(/EACCES: the page may not read \/proc\/self\/status/);
      expect(r.tests[3]!.message).toBe('nothing to do here');
      expect(r.blocked).toEqual(['https://huggingface.co/bert/resolve/main/config.json']);
      expect(r.pageErrors).toEqual(['Error: late boom', 'Error: nobody catches me']);
      expect(r.served).toBeGreaterThan(3);
      expect(r.refused).toEqual([]);
      expect(r.memory?.peak_rss_mb).toBeGreaterThan(0);
    }, 120_000);

    it('a test file that does not bundle is a load error naming the file, before any browser starts', async () => {
      const file = join(dir, 'broken.test.ts');
      writeFileSync(file, "import { spawn } from 'node:child_process';\nspawn('ls');\n");
      const r = await run(file);
      expect(r.loadError).toMatch(/imports node:child_process, which a browser page cannot provide/);
      expect(r.browserVersion).toBeUndefined();
    }, 60_000);
  },
);
