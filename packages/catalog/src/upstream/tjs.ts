/**
 * The transformers.js side of `catalog sync --tjs`: which model types the installed
 * `@huggingface/transformers` registers, with their MODEL_TYPES categories and task tables, read
 * from its `src/models/registry.js` (or, where a release ships no sources, its Node bundle) as
 * text, the way the catalog's tjs_model_types.tsv was made. Compared with the catalog, an
 * upgrade shows which types it adds, drops or re-categorizes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { listEntries } from '../catalog.ts';
import { readPythonDicts, tokenizeBalanced } from './python.ts';
import { SourceError } from './source.ts';

export interface TjsRegistry {
  version: string;
  origin: string;
  /** model_type -> its categories (`DecoderOnly`) and task tables (`MODEL_FOR_CAUSAL_LM_MAPPING_NAMES`). */
  types: Map<string, { categories: string[]; taskMappings: string[] }>;
}

export interface TjsDiff {
  version: string;
  origin: string;
  /** Types it registers that the catalog has no transformers.js registration for. */
  added: { modelType: string; categories: string[] }[];
  removed: { modelType: string; categories: string[] }[];
  changed: { modelType: string; from: string[]; to: string[] }[];
}

const EXPECTED = 'an installed @huggingface/transformers (npm i @huggingface/transformers)';

/** The package folder of the @huggingface/transformers that `fromDir` resolves. */
export function findTjsPackage(fromDir: string): string {
  let entry: string;
  try {
    entry = createRequire(join(fromDir, 'noop.js')).resolve('@huggingface/transformers');
  } catch {
    throw new SourceError(fromDir, 'cannot resolve @huggingface/transformers from here', EXPECTED);
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === '@huggingface/transformers') return dir;
  }
  throw new SourceError(entry, 'no package.json of @huggingface/transformers above it', EXPECTED);
}

/** The array literal assigned to `name`, as tokens (empty when absent). */
function arrayOf(source: string, name: string) {
  const m = new RegExp(`\\b${name}\\s*=\\s*(?:/\\*[^*]*\\*/\\s*)?(?:new Map\\()?\\[`).exec(source);
  if (!m) return [];
  return tokenizeBalanced(source, m.index + m[0].length - 1).tokens;
}

/** [X, Y, Z] rows of a token stream: the words and strings between each inner pair of brackets. */
function rows(tokens: ReturnType<typeof arrayOf>): string[][] {
  const out: string[][] = [];
  let row: string[] | undefined;
  let depth = 0;
  for (const t of tokens) {
    if (t.value === '[' && t.kind === 'punct') {
      depth++;
      if (depth === 2) row = [];
    } else if (t.value === ']' && t.kind === 'punct') {
      if (depth === 2 && row) out.push(row);
      depth--;
    } else if (depth >= 2 && t.kind !== 'punct') row?.push(t.value);
  }
  return out;
}

/** Reads the registry of the transformers.js package in `pkgDir`. */
export function readTjsRegistry(pkgDir: string): TjsRegistry {
  const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version as string;
  const candidates = ['src/models/registry.js', 'dist/transformers.node.mjs'].map((f) => join(pkgDir, f));
  const file = candidates.find((f) => existsSync(f) && readFileSync(f, 'utf8').includes('MODEL_CLASS_TYPE_MAPPING'));
  if (!file) throw new SourceError(pkgDir, 'has no model registry (src/models/registry.js) to read', EXPECTED);
  const source = readFileSync(file, 'utf8');
  const maps = readPythonDicts(source);
  const classType = new Map<string, string>();
  const order: [mapping: string, category: string][] = rows(arrayOf(source, 'MODEL_CLASS_TYPE_MAPPING'))
    .filter((r) => r.length === 2 && r[1].startsWith('MODEL_TYPES.'))
    .map(([m, c]) => [m, c.slice('MODEL_TYPES.'.length)]);
  if (!order.length) throw new SourceError(file, 'has no MODEL_CLASS_TYPE_MAPPING table', EXPECTED);
  for (const [mapping, category] of order)
    for (const [, [cls]] of maps.get(mapping) ?? []) classType.set(cls, category);
  for (const r of rows(arrayOf(source, 'CUSTOM_MAPPING'))) {
    const category = r.find((x) => x.startsWith('MODEL_TYPES.'));
    if (category) classType.set(r[0], category.slice('MODEL_TYPES.'.length));
  }
  for (const [type, mapping] of rows(arrayOf(source, 'CUSTOM_ARCHITECTURES_MAPPING')))
    maps.get(mapping)?.set(type, ['PreTrainedModel']);
  classType.set('PreTrainedModel', 'EncoderOnly');

  const types = new Map<string, { categories: string[]; taskMappings: string[] }>();
  const at = (type: string) => {
    if (!types.has(type)) types.set(type, { categories: [], taskMappings: [] });
    return types.get(type)!;
  };
  for (const [mapping] of order) {
    for (const [type, [cls]] of maps.get(mapping) ?? []) {
      const category = classType.get(cls);
      const t = at(type);
      if (category && !t.categories.includes(category)) t.categories.push(category);
    }
  }
  // Task tables, in the order the registry defines them; MODEL_MAPPING_NAMES_* name only base classes.
  for (const [table, dict] of maps)
    if (table.startsWith('MODEL_FOR_')) for (const type of dict.keys()) at(type).taskMappings.push(table);
  return { version, origin: file, types };
}

/** The registry against the catalog's transformers.js registrations. */
export function diffTjs(registry: TjsRegistry): TjsDiff {
  const catalog = new Map(listEntries({ tjs: true }).map((e) => [e.modelType, e.tjs!.categories]));
  const added: TjsDiff['added'] = [];
  const changed: TjsDiff['changed'] = [];
  for (const [type, { categories }] of registry.types) {
    const before = catalog.get(type);
    if (!before) added.push({ modelType: type, categories });
    else if (before.join(',') !== categories.join(',')) changed.push({ modelType: type, from: before, to: categories });
  }
  const removed = [...catalog]
    .filter(([type]) => !registry.types.has(type))
    .map(([modelType, categories]) => ({ modelType, categories }));
  return { version: registry.version, origin: registry.origin, added, removed, changed };
}
