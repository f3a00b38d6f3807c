// The fixed slice of `pnpm fuzz` that `pnpm test` runs: one broken folder of each mutation kind
// (seed 3, from the real exports and the torch-export corpus), through `hf-core classify`, and
// through `hf-core run` for those refused before any test process starts. Every folder becomes a
// row naming its file; nothing crashes or hangs; no canary outside a folder is opened, no folder
// is written. The whole set, `run` included for every folder, is `pnpm fuzz`.
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { planCheckpoint } from '@hf-core/plugin-checkpoint';
import { editOnnx } from '../plugins/checkpoint/test/fixtures.ts';
import { makeFifo } from '../scripts/fuzz/canaries.ts';
import { buildBases, buildCorpus, makeOutside, type BrokenFolder } from '../scripts/fuzz/corpus.ts';
import { Driver, namesAFile, straceAvailable } from '../scripts/fuzz/driver.ts';
import { MUTATIONS } from '../scripts/fuzz/mutations.ts';

const shared = fileURLToPath(new URL('../../shared/fixtures/real-exports', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'hf-core-fuzz-slice-'));
const driver = new Driver({ work, timeoutMs: 60_000, strace: straceAvailable() });
afterAll(() => {
  driver.stop();
  rmSync(work, { recursive: true, force: true });
});

/** True when the plan refuses the folder: its run ends before a test process starts. */
const refusedByPlan = (f: BrokenFolder) => {
  try {
    planCheckpoint(f.dir);
    return false;
  } catch {
    return true;
  }
};

/**
 * The folder: a real export whose model.onnx keeps its weights at
 * `../../../../../../../../../../../../<outside>` (a climb to / and down to a canary). `which` is
 * the fifo (any open blocks, and the driver sees the reader) or the regular canary (its size is
 * what the old pre-check told; strace, when installed, sees a stat of it).
 */
function escapingExport(id: string, which: 'fifo' | 'file'): BrokenFolder {
  const dir = join(work, 'corpus', id);
  const outside = makeOutside(work, id);
  cpSync(join(shared, 'ortgenai__tiny-random-LlamaForCausalLM-fp16'), dir, { recursive: true });
  chmodSync(join(dir, 'model.onnx'), 0o644);
  const location = `${'../'.repeat(12)}${outside[which].slice(1)}`;
  editOnnx(join(dir, 'model.onnx'), (m) => {
    for (const init of m.graph?.initializer ?? [])
      for (const e of init.externalData ?? []) if (e.key === 'location') e.value = location;
  });
  return { id, kind: 'extdata-location', base: 'shared:llama-fp16', note: location, dir, outside };
}

describe.skipIf(!existsSync(shared))('an external data location out of the folder (skipped without ../shared)', () => {
  it('is an error row naming the file and the field, and the outside file is never opened or stat-ed', async () => {
    const folders = [escapingExport('escape-fifo', 'fifo'), escapingExport('escape-file', 'file')];
    const ran = await driver.stage('run', folders);
    const traced = driver.straceFindings(folders);
    for (const f of folders) {
      const r = ran.get(f.id)!;
      expect(r.problems, f.id).toEqual([]);
      expect(traced.get(f.id) ?? [], f.id).toEqual([]);
      expect(r.status, `${f.id}: ${r.reason}`).toBe('error');
      expect(r.reason).toContain(`model.onnx: external data location ${JSON.stringify(f.note)} of initializer`);
      expect(r.reason).toContain('leaves the model folder');
      expect(r.reason).not.toMatch(/truncated|bytes/);
    }
  });
});

describe.skipIf(!existsSync(shared))('fuzz slice: one broken folder of each kind (skipped without ../shared)', () => {
  it('classifies each, runs the refused ones to an error row naming the file, and touches nothing outside', async () => {
    const folders = await buildCorpus(work, {
      seed: 3,
      count: MUTATIONS.length,
      bases: await buildBases(work, false),
    });
    const classified = await driver.stage('classify', folders);
    const refused = folders.filter(refusedByPlan);
    expect(refused.map((f) => f.kind)).toEqual(expect.arrayContaining(['symlink-outside', 'symlink-loop']));
    const ran = await driver.stage('run', refused);
    const traced = driver.straceFindings(folders);
    for (const f of folders) {
      const c = classified.get(f.id)!;
      expect(c.problems, `${f.id} ${f.note}`).toEqual([]);
      expect(['claimed', 'unclaimed']).toContain(c.status);
      if (c.status === 'unclaimed') expect(namesAFile(c.reason, f.dir), `${f.id}: ${c.reason}`).toBe(true);
      expect(traced.get(f.id) ?? [], f.id).toEqual([]);
    }
    for (const f of refused) {
      const r = ran.get(f.id)!;
      expect(r.problems, `${f.id} ${f.note}`).toEqual([]);
      expect(r.status, `${f.id}: ${r.reason}`).toBe('error');
      expect(namesAFile(r.reason, f.dir), `${f.id}: ${r.reason}`).toBe(true);
    }
  });

  it('sees an open outside a folder when there is one (the twin: a config file the user names is a fifo)', async () => {
    const dir = join(work, 'outside', 'twin');
    mkdirSync(dir, { recursive: true });
    const fifo = join(dir, 'config.json');
    makeFifo(fifo);
    const twin: BrokenFolder = {
      id: 'twin',
      kind: 'twin',
      base: '-',
      note: 'a fifo named as a config',
      dir: fifo,
      outside: { dir, fifo, file: fifo },
    };
    const o = (await driver.stage('classify', [twin])).get('twin')!;
    expect(o.problems).toEqual([`outside-read: ${fifo} was opened`]);
  });
});
