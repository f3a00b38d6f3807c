import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHROMIUM_INSTALL_HINT, findChromium } from './chromium.ts';

const dir = mkdtempSync(join(tmpdir(), 'hf-core-chromium-find-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('finding Chromium', () => {
  it('says what it looked for when no Chromium is on PATH, and the hint says how to install one', () => {
    expect(findChromium({ path: dir })).toEqual({
      missing: 'no Chromium found (looked for chromium, chromium-browser, google-chrome-stable, google-chrome on PATH)',
    });
    expect(CHROMIUM_INSTALL_HINT).toContain('apt-get install -y chromium');
  });

  it('finds an executable by its usual names on PATH, and not a file that cannot run', () => {
    const file = join(dir, 'chromium-browser');
    writeFileSync(file, '#!/bin/sh\n');
    expect(findChromium({ path: dir })).toMatchObject({ missing: expect.any(String) });
    chmodSync(file, 0o755);
    expect(findChromium({ path: `/nonexistent:${dir}` })).toEqual({ path: file });
  });

  it('takes HF_CORE_CHROMIUM as it is, and says so when it is not executable', () => {
    expect(findChromium({ explicit: join(dir, 'nope'), path: dir })).toEqual({
      missing: `HF_CORE_CHROMIUM=${join(dir, 'nope')} is not an executable file`,
    });
  });
});
