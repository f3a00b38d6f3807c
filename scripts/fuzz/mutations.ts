/**
 * The ways a model folder can be broken or hostile. Each mutation edits a copy of a base folder
 * in place, driven by a seeded random source (same seed, same bytes), and returns a note naming
 * the file and what it did. Paths "outside" point at this folder's canaries (canaries.ts).
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { SeededRandom } from '@hf-core/onnx-builder';
import { editOnnx } from '../../plugins/checkpoint/test/fixtures.ts';
import { makeFifo } from './canaries.ts';

/** What a base folder holds, relative to it. */
export interface Base {
  name: string;
  dir: string;
  onnx: string[];
  /** External data files. */
  data: string[];
  json: string[];
}

export interface Target {
  dir: string;
  base: Base;
  /** This folder's canaries: a fifo and a regular file, outside the folder. */
  outside: { fifo: string; file: string };
  rng: SeededRandom;
}

export interface Mutation {
  kind: string;
  applies?: (b: Base) => boolean;
  apply: (t: Target) => string;
}

const pick = <T>(rng: SeededRandom, items: readonly T[]): T => items[rng.int(items.length)]!;

/** An outside canary, named relative to `from` (a path in the folder) or absolutely. */
function outsideName(t: Target, from: string): string {
  const target = t.rng.next() < 0.5 ? t.outside.fifo : t.outside.file;
  return t.rng.next() < 0.6 ? relative(dirname(join(t.dir, from)), target) : target;
}

function readJson(t: Target, file: string): unknown {
  return JSON.parse(readFileSync(join(t.dir, file), 'utf8'));
}

const writeText = (t: Target, file: string, text: string | Buffer) => writeFileSync(join(t.dir, file), text);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A key path in a JSON value (objects only), picked at random: `[]` is the top. */
function somePath(rng: SeededRandom, v: unknown, depth = 0): string[] {
  if (!isObject(v) || depth > 3) return [];
  const keys = Object.keys(v);
  if (!keys.length) return [];
  const k = pick(rng, keys);
  return rng.next() < 0.6 && isObject(v[k]) ? [k, ...somePath(rng, v[k], depth + 1)] : [k];
}

function setAt(root: unknown, path: string[], value: unknown): void {
  let o = root as Record<string, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string, unknown>;
  if (path.length) o[path.at(-1)!] = value;
}

const WRONG_TYPES: unknown[] = ['', 'x', '16', [], [1, 2], {}, { a: 1 }, null, true, false, -1, 0.5];
const HUGE: number[] = [1e308, -1e308, 2 ** 53 + 1, 2 ** 64, -1, 0, -0, 1e-300, 4294967296, 2147483648];
const SIZE_KEYS = [
  'vocab_size',
  'hidden_size',
  'num_hidden_layers',
  'num_attention_heads',
  'image_size',
  'max_position_embeddings',
  'num_mel_bins',
  'num_channels',
  'head_dim',
  'eos_token_id',
  'bos_token_id',
  'pad_token_id',
];

function editJson(t: Target, file: string, edit: (v: unknown) => unknown): void {
  writeText(t, file, JSON.stringify(edit(readJson(t, file)), null, 1));
}

const hasJson = (b: Base) => b.json.length > 0;

/** Nested arrays (or objects) `depth` deep, as text (JSON.stringify would overflow building it). */
const deepJson = (depth: number, obj: boolean) =>
  obj ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`;

export const MUTATIONS: readonly Mutation[] = [
  {
    kind: 'onnx-truncate',
    apply(t) {
      const f = pick(t.rng, t.base.onnx);
      const size = statSync(join(t.dir, f)).size;
      const at = t.rng.next() < 0.3 ? t.rng.int(64) : t.rng.int(size);
      truncateSync(join(t.dir, f), at);
      return `${f} cut to ${at} of ${size} bytes`;
    },
  },
  {
    kind: 'onnx-bitflip',
    apply(t) {
      const f = pick(t.rng, t.base.onnx);
      const bytes = readFileSync(join(t.dir, f));
      const span = Math.min(bytes.length, 4096);
      const n = 1 + t.rng.int(8);
      const at: number[] = [];
      for (let i = 0; i < n; i++) {
        const p = t.rng.int(span);
        bytes[p] = bytes[p]! ^ (1 << t.rng.int(8));
        at.push(p);
      }
      writeFileSync(join(t.dir, f), bytes);
      return `${f}: ${n} bit(s) flipped at bytes ${at.join(', ')}`;
    },
  },
  {
    kind: 'onnx-garbage',
    apply(t) {
      const f = pick(t.rng, t.base.onnx);
      const what = pick(t.rng, ['empty', 'random', 'json', 'zeros']);
      const n = 16 + t.rng.int(4096);
      const bytes =
        what === 'empty'
          ? Buffer.alloc(0)
          : what === 'json'
            ? Buffer.from('{"not": "onnx"}')
            : what === 'zeros'
              ? Buffer.alloc(n)
              : Buffer.from(Array.from({ length: n }, () => t.rng.int(256)));
      writeText(t, f, bytes);
      return `${f} replaced by ${what} bytes`;
    },
  },
  {
    kind: 'extdata-length',
    applies: (b) => b.data.length > 0,
    apply(t) {
      const f = pick(t.rng, t.base.data);
      const p = join(t.dir, f);
      const size = statSync(p).size;
      const how = pick(t.rng, ['shorter', 'empty', 'longer', 'missing']);
      if (how === 'missing') rmSync(p);
      else if (how === 'longer') appendFileSync(p, Buffer.alloc(1 + t.rng.int(4096)));
      else truncateSync(p, how === 'empty' ? 0 : t.rng.int(size));
      return `${f} ${how} (was ${size} bytes)`;
    },
  },
  {
    kind: 'extdata-location',
    applies: (b) => b.data.length > 0,
    apply(t) {
      const f = pick(
        t.rng,
        t.base.onnx.filter((o) => t.base.data.some((d) => d.startsWith(o))),
      );
      const how = pick(t.rng, [
        'outside',
        'outside',
        'absolute-inside',
        'fifo-inside',
        'missing',
        'directory',
        'offset',
        'dotdot-inside',
      ]);
      let location = '';
      if (how === 'outside') location = outsideName(t, f);
      else if (how === 'absolute-inside') location = join(t.dir, f);
      else if (how === 'fifo-inside') {
        makeFifo(join(dirname(join(t.dir, f)), 'weights.fifo'));
        location = 'weights.fifo';
      } else if (how === 'missing') location = 'no-such-weights.bin';
      else if (how === 'directory') location = '.';
      else if (how === 'dotdot-inside')
        location = `../${relative(t.dir, dirname(join(t.dir, f)))}/x/../${f.split('/').pop()}_data`;
      const field = pick(t.rng, ['offset', 'length']);
      const bad = pick(t.rng, ['-5', 'abc', '1e400', '99999999999999999999', '']);
      editOnnx(join(t.dir, f), (m) => {
        for (const init of m.graph?.initializer ?? [])
          for (const e of init.externalData ?? []) {
            if (how === 'offset' && e.key === field) e.value = bad;
            else if (how !== 'offset' && e.key === 'location') e.value = location;
          }
      });
      return how === 'offset' ? `${f}: external data ${field} "${bad}"` : `${f}: location "${location}" (${how})`;
    },
  },
  {
    kind: 'config-types',
    applies: hasJson,
    apply(t) {
      const f = pick(t.rng, t.base.json);
      const v = readJson(t, f);
      const path = somePath(t.rng, v);
      const to = pick(t.rng, WRONG_TYPES);
      editJson(t, f, (x) => {
        if (!path.length) return to;
        setAt(x, path, to);
        return x;
      });
      return `${f}: ${path.join('.') || '(whole file)'} = ${JSON.stringify(to)}`;
    },
  },
  {
    kind: 'config-huge',
    applies: (b) => b.json.includes('config.json') || b.json.includes('genai_config.json'),
    apply(t) {
      const f = pick(
        t.rng,
        t.base.json.filter((j) => j === 'config.json' || j === 'genai_config.json'),
      );
      const key = pick(t.rng, SIZE_KEYS);
      const n = pick(t.rng, HUGE);
      editJson(t, f, (x) => {
        if (isObject(x)) {
          x[key] = n;
          if (isObject(x.model)) x.model[key] = n;
          if (isObject(x.model) && isObject(x.model.decoder)) x.model.decoder[key] = n;
        }
        return x;
      });
      return `${f}: ${key} = ${n}`;
    },
  },
  {
    kind: 'config-keys',
    applies: hasJson,
    apply(t) {
      const f = pick(t.rng, t.base.json);
      const how = pick(t.rng, ['drop-one', 'drop-all', 'extra']);
      let note = '';
      editJson(t, f, (x) => {
        if (!isObject(x)) return x;
        if (how === 'drop-all') return {};
        if (how === 'drop-one') {
          const path = somePath(t.rng, x);
          let o = x;
          for (const k of path.slice(0, -1)) o = o[k] as Record<string, unknown>;
          delete o[path.at(-1)!];
          note = path.join('.');
          return x;
        }
        for (let i = 0; i < 1 + t.rng.int(20); i++) x[`extra_${t.rng.int(1e6)}`] = pick(t.rng, WRONG_TYPES);
        return x;
      });
      return `${f}: ${how} ${note}`.trim();
    },
  },
  {
    kind: 'proto-keys',
    applies: hasJson,
    apply(t) {
      const f = pick(t.rng, t.base.json);
      const key = pick(t.rng, ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']);
      const value = pick<unknown>(t.rng, [{ polluted: true, model_type: 'gpt2' }, 'x', null, [1], { toString: 1 }]);
      // As text: an object literal with "__proto__" would set the prototype, not write the key.
      const text = readFileSync(join(t.dir, f), 'utf8').trim();
      const inner = JSON.stringify(value);
      const edited = text.startsWith('{')
        ? `{"${key}": ${inner}, "nested": {"${key}": ${inner}}, ${text.slice(1)}`
        : `{"${key}": ${inner}}`;
      writeText(t, f, edited);
      return `${f}: "${key}": ${inner}`;
    },
  },
  {
    kind: 'non-utf8',
    applies: hasJson,
    apply(t) {
      const f = pick(t.rng, t.base.json);
      const bytes = readFileSync(join(t.dir, f));
      const bad = pick(t.rng, [
        [0xff, 0xfe],
        [0xc3, 0x28],
        [0xed, 0xa0, 0x80],
        [0xef, 0xbb, 0xbf],
        [0x00],
        [0xf8, 0x88, 0x80, 0x80, 0x80],
      ]);
      const at = t.rng.int(bytes.length + 1);
      writeText(t, f, Buffer.concat([bytes.subarray(0, at), Buffer.from(bad), bytes.subarray(at)]));
      return `${f}: bytes ${bad.map((b) => b.toString(16)).join(' ')} at ${at}`;
    },
  },
  {
    kind: 'deep-json',
    applies: hasJson,
    apply(t) {
      const f = pick(t.rng, t.base.json);
      const depth = pick(t.rng, [1000, 20_000, 200_000]);
      const obj = t.rng.next() < 0.5;
      const text = readFileSync(join(t.dir, f), 'utf8').trim();
      const key = pick(t.rng, ['model_type', 'text_config', 'model', 'vocab', 'deep', 'cases']);
      writeText(
        t,
        f,
        text.startsWith('{') ? `{"${key}": ${deepJson(depth, obj)}, ${text.slice(1)}` : deepJson(depth, obj),
      );
      return `${f}: "${key}" nested ${depth} deep (${obj ? 'objects' : 'arrays'})`;
    },
  },
  {
    kind: 'tokenizer-ids',
    applies: (b) => b.json.includes('tokenizer.json'),
    apply(t) {
      const id = pick(t.rng, [1e9, 2 ** 53, -1, 1.5, '7', null, 1e308]);
      const where = pick(t.rng, ['vocab', 'added_tokens', 'both']);
      editJson(t, 'tokenizer.json', (x) => {
        if (!isObject(x)) return x;
        const model = isObject(x.model) ? x.model : {};
        if (where !== 'added_tokens' && isObject(model.vocab)) {
          const keys = Object.keys(model.vocab);
          model.vocab[keys[t.rng.int(keys.length)] ?? 'x'] = id;
        }
        if (where !== 'vocab')
          x.added_tokens = [
            ...(Array.isArray(x.added_tokens) ? x.added_tokens : []),
            { id, content: '<huge>', special: true },
          ];
        return x;
      });
      return `tokenizer.json: ${where} id ${JSON.stringify(id)}`;
    },
  },
  {
    kind: 'json-shape',
    applies: hasJson,
    apply(t) {
      const f = pick(t.rng, t.base.json);
      const text = readFileSync(join(t.dir, f), 'utf8');
      const how = pick(t.rng, ['array', 'string', 'null', 'cut', 'empty', 'number']);
      const out = {
        array: '[]',
        string: '"config"',
        null: 'null',
        cut: text.slice(0, t.rng.int(text.length)),
        empty: '',
        number: '42',
      }[how]!;
      writeText(t, f, out);
      return `${f} is ${how}`;
    },
  },
  {
    kind: 'symlink-loop',
    apply(t) {
      const f = pick(t.rng, [
        ...t.base.json,
        ...t.base.onnx,
        ...(t.base.onnx.some((o) => o.startsWith('onnx/')) ? ['onnx'] : []),
      ]);
      const p = join(t.dir, f);
      rmSync(p, { recursive: true, force: true });
      const how = pick(t.rng, ['self', 'pair', 'dotdot']);
      if (how === 'self') symlinkSync(f.split('/').pop()!, p);
      else if (how === 'pair') {
        symlinkSync(`${f.split('/').pop()}.b`, p);
        symlinkSync(f.split('/').pop()!, `${p}.b`);
      } else symlinkSync(`../${relative(dirname(t.dir), t.dir)}/${f}`, p);
      return `${f} is a symlink loop (${how})`;
    },
  },
  {
    kind: 'symlink-outside',
    apply(t) {
      const options = [...t.base.json, ...t.base.onnx, ...t.base.data];
      if (t.base.onnx.some((o) => o.startsWith('onnx/'))) options.push('onnx');
      const f = pick(t.rng, options);
      const p = join(t.dir, f);
      rmSync(p, { recursive: true, force: true });
      // A whole `onnx/` folder pointing out gets the canaries' folder.
      const target = f === 'onnx' ? relative(t.dir, dirname(t.outside.fifo)) : outsideName(t, f);
      symlinkSync(target, p);
      return `${f} -> ${target}`;
    },
  },
  {
    kind: 'special-file',
    apply(t) {
      const f = pick(t.rng, [...t.base.json, ...t.base.onnx, ...t.base.data]);
      const p = join(t.dir, f);
      rmSync(p, { recursive: true, force: true });
      const how = pick(t.rng, ['fifo', 'directory']);
      if (how === 'fifo') makeFifo(p);
      else mkdirSync(p);
      return `${f} is a ${how}`;
    },
  },
  {
    kind: 'genai-paths',
    applies: (b) => b.json.includes('genai_config.json'),
    apply(t) {
      const how = pick(t.rng, ['outside', 'absolute', 'missing', 'number', 'nul']);
      let note = '';
      editJson(t, 'genai_config.json', (x) => {
        const model = isObject(x) && isObject(x.model) ? x.model : undefined;
        if (!model) return x;
        for (const [name, c] of Object.entries(model)) {
          if (!isObject(c) || typeof c.filename !== 'string') continue;
          c.filename =
            how === 'outside'
              ? outsideName(t, 'genai_config.json')
              : how === 'absolute'
                ? t.outside.file
                : how === 'missing'
                  ? 'nope.onnx'
                  : how === 'nul'
                    ? 'model.onnx\u0000.txt'
                    : 7;
          note = `model.${name}.filename = ${JSON.stringify(c.filename)}`;
        }
        return x;
      });
      return `genai_config.json: ${note || '(no file names)'}`;
    },
  },
  {
    kind: 'reference-broken',
    applies: (b) => b.json.includes('reference.json'),
    apply(t) {
      const how = pick(t.rng, ['outside', 'absolute', 'dims', 'data', 'huge-dims', 'missing-file']);
      editJson(t, 'reference.json', (x) => {
        const cases = isObject(x) && Array.isArray(x.cases) ? (x.cases as Record<string, unknown>[]) : [];
        const c = cases[0];
        if (!c) return x;
        const first = (o: unknown) => (isObject(o) ? (Object.values(o)[0] as Record<string, unknown>) : undefined);
        if (how === 'outside') c.file = outsideName(t, 'reference.json');
        else if (how === 'absolute') c.file = t.outside.fifo;
        else if (how === 'missing-file') c.file = 'onnx/missing.onnx';
        else if (how === 'dims') first(c.outputs)!.dims = [3, 1];
        else if (how === 'data') first(c.inputs)!.data = ['a', null, {}];
        else first(c.inputs)!.dims = [2 ** 40, 2 ** 40];
        return x;
      });
      return `reference.json: cases[0] ${how}`;
    },
  },
  {
    kind: 'missing-files',
    apply(t) {
      const f = pick(t.rng, [
        ...t.base.json,
        ...t.base.onnx,
        ...(existsSync(join(t.dir, 'onnx')) ? ['onnx'] : []),
        '*',
      ]);
      if (f === '*') {
        rmSync(t.dir, { recursive: true, force: true });
        mkdirSync(t.dir);
        return 'the folder is empty';
      }
      rmSync(join(t.dir, f), { recursive: true, force: true });
      return `${f} removed`;
    },
  },
  {
    kind: 'huge-file',
    applies: hasJson,
    apply(t) {
      const f = pick(t.rng, t.base.json);
      const bytes = pick(t.rng, [300 * 1024 * 1024, 3 * 1024 * 1024 * 1024]);
      // Sparse: no disk is used; a reader sees `bytes` zero bytes after the JSON.
      truncateSync(join(t.dir, f), bytes);
      return `${f} is ${bytes} bytes (sparse)`;
    },
  },
];
