/**
 * What the fix tests run against: a folder with a small harness-like package (the API of
 * template version 1) and a family plugin with a checks module, installed under node_modules
 * the way a user's project has them. Not shipped (excluded from the build).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generatedHeader, HfCore } from '@hf-core/core';
import { fixPlugins, type FixOptions } from './index.ts';
import { FIX_PACKAGE_DIR } from './resolve.ts';

const HARNESS_SOURCE = `
export interface ModelSpec {
  ref: string;
  modelType: string | null;
  family: string | null;
  /** Model folder, relative to the test file or absolute. */
  modelDir: string;
}
export interface TensorData { type: string; dims: readonly number[]; data: ArrayLike<number> }
export type Outputs = Record<string, TensorData>;
export interface Session { run(feeds: Record<string, TensorData>): Promise<Outputs> }
interface TestContextLike { skip: (note?: string) => void }

export class Harness {
  constructor(readonly testFileUrl: string, readonly spec: ModelSpec) {}
  get title(): string { return this.spec.ref; }
  async session(file = 'onnx/model.onnx'): Promise<Session> {
    return { run: async () => ({ [file]: tensor('float32', [0], [1]) }) };
  }
  async check(ctx: TestContextLike, name: string, level: 'session' | 'pipeline', fn: () => Promise<Record<string, unknown> | void>): Promise<void> {
    await fn();
  }
}
export function harness(testFileUrl: string, spec: ModelSpec): Harness {
  return new Harness(testFileUrl, spec);
}
export function tensor(type: string, values: readonly number[], dims: readonly number[]): TensorData {
  return { type, dims, data: values };
}
export function assertFinite(outputs: Outputs): void {
  for (const t of Object.values(outputs)) for (let i = 0; i < t.data.length; i++) if (!Number.isFinite(t.data[i])) throw new Error('not finite');
}
export { assertFinite as expectFinite };
`;

const CHECKS_SOURCE = `
import type { Harness } from '@hf-core/harness';
/** A family check: the encoder's hidden state has the configured width. */
export async function checkHiddenSize(h: Harness, hiddenSize: number): Promise<void> {
  const s = await h.session();
  const out = await s.run({});
  if (!Object.keys(out).length || hiddenSize <= 0) throw new Error('no output');
}
`;

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function installPackage(
  root: string,
  name: string,
  exports: Record<string, string>,
  files: Record<string, string>,
): void {
  const dir = join(root, 'node_modules', name);
  const exportMap = Object.fromEntries(Object.entries(exports).map(([k, v]) => [k, { 'hf-core-source': v }]));
  write(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', type: 'module', exports: exportMap }));
  for (const [file, text] of Object.entries(files)) write(join(dir, file), text);
}

/** A project folder with the fixture harness and plugin installed, and an ESM output folder. */
export function fixtureProject(): { root: string; outDir: string; resolveFrom: string[] } {
  const root = mkdtempSync(join(tmpdir(), 'hf-core-fix-'));
  process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  write(join(root, 'package.json'), JSON.stringify({ name: 'fixture-project', private: true, type: 'module' }));
  installPackage(root, '@hf-core/harness', { '.': './src/index.ts' }, { 'src/index.ts': HARNESS_SOURCE });
  installPackage(
    root,
    '@hf-core/plugin-encoder',
    { './checks': './src/checks.ts' },
    { 'src/checks.ts': CHECKS_SOURCE },
  );
  const outDir = join(root, 'out', 'tests');
  mkdirSync(outDir, { recursive: true });
  // vitest and @types/node come from hf-core's own install, as they would for a user.
  return { root, outDir, resolveFrom: [root, FIX_PACKAGE_DIR] };
}

export async function fixtureCore(o: FixOptions): Promise<HfCore> {
  const core = new HfCore();
  for (const p of fixPlugins(o)) await core.use(p);
  return core;
}

/** A generated test in the shape the encoder template writes (template version 1). */
export function generatedTest(ref = 'bert', keep = '', extra = ''): string {
  return `${generatedHeader({ template: 'encoder-only@1', version: 1, ref })}
import { describe, it } from 'vitest';
import { assertFinite, harness, tensor } from '@hf-core/harness';
import { checkHiddenSize } from '@hf-core/plugin-encoder/checks';

const h = harness(import.meta.url, { ref: ${JSON.stringify(ref)}, modelType: 'bert', family: 'encoder-only', modelDir: '../models/bert' });

describe(h.title, () => {
  it('session: outputs are finite', async (ctx) => {
    await h.check(ctx, 'finite', 'session', async () => {
      const session = await h.session();
      const out = await session.run({ input_ids: tensor('int64', [101, 2023, 102], [1, 3]) });
      assertFinite(out);
      await checkHiddenSize(h, 32);
    });
  });
${extra}  // hf-core:keep-start extra-checks
${keep}  // hf-core:keep-end
});
`;
}

/** A test as the prototype (template version 0) wrote it. */
export const V0_TEST = `${generatedHeader({ template: 'encoder-only@0', version: 0, ref: 'bert' })}
import { describe, it } from 'vitest';
import { openHarness, tensor } from '@hf-core/harness';
import { expectAllFinite } from '@hf-core/harness/checks';

const h = openHarness({ ref: 'bert', modelType: 'bert', family: 'encoder-only', dir: '../models/bert', device: 'cpu' });

describe(h.title, () => {
  it('finite', async (ctx) => {
    await h.check(ctx, 'finite', 'session', async () => {
      const out = await (await h.session()).run({ input_ids: tensor('int64', [1, 2], [1, 2]) });
      expectAllFinite(out);
    });
  });
});
`;
