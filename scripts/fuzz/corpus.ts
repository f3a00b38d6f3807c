/**
 * The broken folders: bases (the real exports in ../shared/fixtures/real-exports, the
 * torch.onnx.export corpus in fixtures/torch-exports, and folders synthesized by the checkpoint
 * plugin's test fixtures) copied and broken by one mutation each. Seeded: the same seed and count
 * give the same folders, byte for byte. Each folder gets its own canaries outside it.
 */
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeededRandom, subSeed } from '@hf-core/onnx-builder';
import { buildFixtures } from '../../plugins/checkpoint/test/fixtures.ts';
import { makeCanaryFile, makeFifo } from './canaries.ts';
import { type Base, MUTATIONS } from './mutations.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const TORCH = join(repo, 'fixtures', 'torch-exports');
const SHARED = join(repo, '..', 'shared', 'fixtures', 'real-exports');

const TORCH_BASES = ['bert', 'gpt2', 'vit', 'whisper', 't5', 'llama'];
const SHARED_BASES = [
  'optimum__tests_assets_onnx',
  'ortgenai__tiny-random-gpt2-fp32',
  'ortgenai__tiny-random-lfm2-fp32',
  'ortgenai__tiny-random-LlamaForCausalLM-fp16',
  'ortgenai__tiny-qwen35-cuda',
];
const SYNTH_BASES = [
  'bert-optimum',
  'llama-dtypes',
  'external-data',
  'seq2seq-optimum',
  'bart-optimum',
  'vit-processor',
  'contrib-ops',
];

export interface BrokenFolder {
  id: string;
  kind: string;
  base: string;
  note: string;
  dir: string;
  /** This folder's canaries outside it. */
  outside: { dir: string; fifo: string; file: string };
}

const DATA = /\.onnx(\.data|_data)(_\d+)?$/;

/** What a base folder holds (top level and onnx/). */
function describe(name: string, dir: string): Base {
  const files = ['', 'onnx'].flatMap((sub) =>
    existsSync(join(dir, sub)) ? readdirSync(join(dir, sub)).map((n) => (sub ? `${sub}/${n}` : n)) : [],
  );
  return {
    name,
    dir,
    onnx: files.filter((f) => f.endsWith('.onnx')),
    data: files.filter((f) => DATA.test(f)),
    json: files.filter((f) => f.endsWith('.json') && f !== 'SOURCE.json'),
  };
}

/** The base folders, synthesized ones built under `work/bases` (unless `synthesized` is false). */
export async function buildBases(work: string, synthesized = true): Promise<Base[]> {
  const synth = join(work, 'bases');
  if (synthesized) {
    mkdirSync(synth, { recursive: true });
    await buildFixtures(synth);
  }
  return [
    ...(synthesized ? SYNTH_BASES : []).map((n) => describe(`synth:${n}`, join(synth, n))),
    ...TORCH_BASES.filter((n) => existsSync(join(TORCH, n))).map((n) => describe(`torch:${n}`, join(TORCH, n))),
    ...SHARED_BASES.filter((n) => existsSync(join(SHARED, n))).map((n) => describe(`shared:${n}`, join(SHARED, n))),
  ];
}

/** Folder `id`'s canaries, outside it: a fifo and a sparse file under `work/outside/id`. */
export function makeOutside(work: string, id: string): BrokenFolder['outside'] {
  const dir = join(work, 'outside', id);
  mkdirSync(dir, { recursive: true });
  const outside = { dir, fifo: join(dir, 'secret.fifo'), file: join(dir, 'secret.bin') };
  makeFifo(outside.fifo);
  makeCanaryFile(outside.file);
  return outside;
}

/** Copies can be edited whatever the source's modes (shared/ is read-only). */
function makeWritable(dir: string): void {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) continue;
    chmodSync(p, st.mode | 0o200);
    if (st.isDirectory()) makeWritable(p);
  }
}

/**
 * `count` broken folders under `work/corpus`, mutation kinds in turn (only `kinds` when given),
 * each on a base it applies to, drawn from the seed.
 */
export async function buildCorpus(
  work: string,
  opts: { seed: number; count: number; kinds?: string[]; bases?: Base[] },
): Promise<BrokenFolder[]> {
  const bases = opts.bases ?? (await buildBases(work));
  const kinds = MUTATIONS.filter((m) => !opts.kinds?.length || opts.kinds.includes(m.kind));
  const out: BrokenFolder[] = [];
  for (let i = 0; i < opts.count; i++) {
    const m = kinds[i % kinds.length]!;
    const rng = new SeededRandom(subSeed(opts.seed, `folder-${i}`));
    const fits = bases.filter((b) => !m.applies || m.applies(b));
    const base = fits[rng.int(fits.length)]!;
    const id = `${String(i).padStart(3, '0')}-${m.kind}`;
    const dir = join(work, 'corpus', id);
    const outside = makeOutside(work, id);
    cpSync(base.dir, dir, { recursive: true });
    makeWritable(dir);
    const note = m.apply({ dir, base: { ...base, dir }, outside, rng });
    out.push({ id, kind: m.kind, base: base.name, note, dir, outside });
  }
  return out;
}
