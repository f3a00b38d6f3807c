import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { findPackageDir, FIX_PACKAGE_DIR, resolveSourceEntry, splitSpecifier } from './resolve.ts';
import { fixtureProject } from './test-fixtures.ts';

describe('resolveSourceEntry', () => {
  it('splits scoped and plain specifiers into package and export subpath', () => {
    expect(splitSpecifier('@hf-core/plugin-encoder/checks')).toEqual(['@hf-core/plugin-encoder', './checks']);
    expect(splitSpecifier('vitest')).toEqual(['vitest', '.']);
  });

  it('prefers the hf-core-source export and maps subpaths', () => {
    const fx = fixtureProject();
    expect(resolveSourceEntry('@hf-core/harness', fx.resolveFrom)).toMatch(
      /node_modules\/@hf-core\/harness\/src\/index\.ts$/,
    );
    expect(resolveSourceEntry('@hf-core/plugin-encoder/checks', fx.resolveFrom)).toMatch(
      /plugin-encoder\/src\/checks\.ts$/,
    );
    expect(resolveSourceEntry('@hf-core/plugin-encoder/nope', fx.resolveFrom)).toBeUndefined();
    expect(resolveSourceEntry('@hf-core/absent', fx.resolveFrom)).toBeUndefined();
  });

  it("finds vitest's declarations (import -> types) from hf-core's own install", () => {
    expect(resolveSourceEntry('vitest', [FIX_PACKAGE_DIR])).toBe(
      join(findPackageDir('vitest', [FIX_PACKAGE_DIR])!, 'dist/index.d.ts'),
    );
  });
});
