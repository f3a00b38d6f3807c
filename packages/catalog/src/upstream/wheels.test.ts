/**
 * The real released wheels of transformers 4.57.6, 5.17.0 and 5.18.0, read directly (no
 * Python): each must give exactly the facts committed in data/releases, and sync must give the
 * pinned new/removed lists. Wheels come from hf-core's cache; `pnpm test:releases`
 * (HF_CORE_RELEASE_WHEELS=1) downloads the missing ones with pip first.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffRelease } from '../sync.ts';
import { GONE_SINCE_4_57, NEW_IN_5_18 } from '../test-fixtures/pinned.ts';
import { cachedWheel, releaseCacheDir, wheelForVersion } from './pip.ts';
import { readRelease, releaseToTsv } from './release.ts';
import { openSource, SourceError } from './source.ts';

const repo = join(import.meta.dirname, '..', '..', '..', '..');
const cacheDir = process.env.HF_CORE_CACHE
  ? releaseCacheDir(process.env)
  : join(repo, 'node_modules', '.cache', 'hf-core', 'transformers');
const fetch = process.env.HF_CORE_RELEASE_WHEELS === '1';

/** The wheel, or why there is none. */
function wheel(version: string): { file?: string; why?: string } {
  const cached = cachedWheel(version, cacheDir);
  if (cached) return { file: cached };
  if (!fetch)
    return { why: `transformers ${version} is not in ${cacheDir}; \`pnpm test:releases\` downloads it with pip` };
  try {
    return { file: wheelForVersion(version, { cacheDir }) };
  } catch (err) {
    if (err instanceof SourceError) return { why: `pip cannot get it here: ${err.what}` };
    throw err;
  }
}

const committed = (v: string) =>
  readFileSync(join(import.meta.dirname, '..', '..', 'data', 'releases', `transformers-${v}.tsv`), 'utf8');

describe.each(['4.57.6', '5.17.0', '5.18.0'])('the real transformers %s wheel', (version) => {
  it('gives exactly the committed facts, and sync the pinned lists', (ctx) => {
    const w = wheel(version);
    if (!w.file) return ctx.skip(w.why);
    const tree = openSource([w.file]);
    const release = readRelease(tree);
    tree.close();
    expect(release.version).toBe(version);
    expect(
      releaseToTsv(release) === committed(version),
      'data/releases differs from the wheel: rerun scripts/extract-release.ts',
    ).toBe(true);
    const d = diffRelease(release);
    const names = (xs: { modelType: string }[]) => xs.map((x) => x.modelType).sort();
    expect(d.added).toEqual([]);
    if (version === '5.18.0') expect([d.removed, d.returned]).toEqual([[], []]);
    if (version === '5.17.0') expect(names(d.removed)).toEqual(NEW_IN_5_18);
    if (version === '4.57.6') {
      expect(names(d.returned)).toEqual(GONE_SINCE_4_57);
      expect(d.removed).toHaveLength(328);
    }
  });
});
