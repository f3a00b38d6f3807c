/**
 * Builds src/catalog.data.json from the tables in data/ (see data/README.md for provenance)
 * and the hand-kept facts in curated.ts. Run after changing either:
 *   pnpm --filter @hf-core/catalog catalog:data
 * (src/catalog.data.test.ts fails while the committed JSON is out of date.)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mappingName, tasksFromMappings } from '../src/mappings.ts';
import { FAMILIES, type CatalogEntry, type Family } from '../src/types.ts';
import { normalizeTypeName } from '../src/normalize.ts';
import { ALIASES, CHECKPOINTS, FAMILY_OVERRIDES, TASKS } from './curated.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function readTsv(name: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(join(root, 'data', name), 'utf8')
    .trimEnd()
    .split('\n');
  const cols = head.split('\t');
  return lines.map((line) => {
    const cells = line.split('\t');
    return Object.fromEntries(cols.map((c, i) => [c, (cells[i] ?? '').trim()]));
  });
}

const list = (s: string | undefined) =>
  s
    ? s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
    : [];

function asFamily(value: string, where: string): Family {
  if (!(FAMILIES as readonly string[]).includes(value)) throw new Error(`${where}: unknown family "${value}"`);
  return value as Family;
}

/** `num_heads=n_head, a/b=c, x/y from config.enc.{p,q}` -> per-type key maps. */
function configKeysByType(): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const row of readTsv('tjs_config_normalization.tsv')) {
    const spec = row['normalized_key=config_key'];
    for (const type of list(row.model_types)) {
      const keys: Record<string, string> = {};
      const recurse = /^recurse into config\.(\w+)$/.exec(spec);
      if (recurse) keys.recurse = recurse[1];
      else {
        for (const part of spec.split(', ')) {
          const from = /^([\w/]+) from config\.(\w+)\.\{([\w,]+)\}$/.exec(part);
          if (from) {
            const names = from[1].split('/');
            const sources = from[3].split(',');
            names.forEach((n, i) => (keys[n] = `${from[2]}.${sources[i]}`));
            continue;
          }
          const eq = part.indexOf('=');
          if (eq < 0) throw new Error(`tjs_config_normalization.tsv: cannot read "${part}" for ${type}`);
          let value = part.slice(eq + 1).trim();
          const cond = /^config\.model_type === '(\w+)' \? '(\w+)' : '(\w+)'$/.exec(value);
          if (cond) value = type === cond[1] ? cond[2] : cond[3];
          value = value.replace(/^config\./, '');
          for (const k of part.slice(0, eq).split('/')) keys[k.trim()] = value;
        }
      }
      out.set(type, keys);
    }
  }
  return out;
}

function build(): CatalogEntry[] {
  const hf = readTsv('hf_model_types.tsv');
  const tjs = new Map(readTsv('tjs_model_types.tsv').map((r) => [r.model_type, r]));
  const tjsFamilies = new Map(readTsv('tjs_families.tsv').map((r) => [r.model_type, r]));
  const configKeys = configKeysByType();
  const entries = new Map<string, CatalogEntry>();

  const tjsPart = (type: string) => {
    const row = tjs.get(type);
    if (!row) return undefined;
    const classNames = [
      ...new Set(
        list(row.class_by_mapping.replace(/;/g, ','))
          .map((p) => p.split('=')[1]?.split(':')[0])
          .filter(Boolean),
      ),
    ];
    return {
      tjs: {
        categories: list(row.categories),
        taskMappings: list(row.task_mappings),
        ...(row.AutoModel_class ? { autoModelClass: row.AutoModel_class } : {}),
      },
      classNames,
    };
  };

  for (const row of hf) {
    const type = row.model_type;
    const t = tjsPart(type);
    const proposed = asFamily(row.family, `hf_model_types.tsv ${type}`);
    const override = FAMILY_OVERRIDES[type];
    const family = override?.family ?? proposed;
    const hfMappings = list(row.mappings);
    const allMappings = [...hfMappings, ...(t?.tjs.taskMappings.map(mappingName) ?? [])];
    entries.set(type, {
      modelType: type,
      family,
      tasks: tasksFromMappings(allMappings, family),
      ...(row.config_class ? { configClass: row.config_class } : {}),
      hfMappings,
      ...(t ? { tjs: t.tjs } : {}),
      runtimeSupport: t ? t.tjs.categories.join(',') : 'unsupported',
      configKeys: configKeys.get(type) ?? {},
      proposedFamily: proposed,
      familyRule: row.reason,
      sources: t ? ['transformers', 'transformers.js'] : ['transformers'],
      ...(t?.classNames.length ? { classNames: t.classNames } : {}),
      ...(override ? { familyNote: override.note } : {}),
    });
  }

  for (const [type, row] of tjs) {
    if (entries.has(type)) continue;
    const t = tjsPart(type)!;
    const proposed = asFamily(tjsFamilies.get(type)?.family ?? '', `tjs_families.tsv ${type}`);
    const override = FAMILY_OVERRIDES[type];
    const family = override?.family ?? proposed;
    const mappings = t.tjs.taskMappings.map(mappingName);
    const tasks = tasksFromMappings(mappings, family);
    if (!tasks.length) tasks.push(family === 'vision' ? 'image-feature-extraction' : 'feature-extraction');
    entries.set(type, {
      modelType: type,
      family,
      tasks,
      hfMappings: [],
      tjs: t.tjs,
      runtimeSupport: row.categories ? t.tjs.categories.join(',') : 'unsupported',
      configKeys: configKeys.get(type) ?? {},
      proposedFamily: proposed,
      familyRule: 'transformers.js tasks (tjs_families.tsv)',
      sources: ['transformers.js'],
      ...(t.classNames.length ? { classNames: t.classNames } : {}),
      ...(override ? { familyNote: override.note } : {}),
    });
  }

  // Types in no task table: curated tasks, else those of a type sharing the config class
  // (granitevision -> llava_next, nougat -> vision-encoder-decoder).
  for (const e of entries.values()) {
    if (e.tasks.length) continue;
    const twin = [...entries.values()].find(
      (o) => o !== e && o.configClass && o.configClass === e.configClass && o.tasks.length,
    );
    e.tasks = TASKS[e.modelType] ?? [...(twin?.tasks ?? [])];
  }
  for (const [type, id] of Object.entries(CHECKPOINTS)) {
    const e = entries.get(type);
    if (!e) throw new Error(`curated.ts CHECKPOINTS: no catalog type "${type}"`);
    e.checkpoint = id;
  }
  for (const type of Object.keys(FAMILY_OVERRIDES)) {
    if (!entries.has(type)) throw new Error(`curated.ts FAMILY_OVERRIDES: no catalog type "${type}"`);
  }

  // Aliases: curated names, plus the other separator spelling of `a-b` / `a_b` types.
  // A name that normalizes onto a different real type is a mistake and stops the build.
  const byNorm = new Map<string, string>();
  for (const type of entries.keys()) {
    const n = normalizeTypeName(type);
    const clash = byNorm.get(n);
    if (clash) throw new Error(`types "${clash}" and "${type}" normalize to the same name "${n}"`);
    byNorm.set(n, type);
  }
  for (const [type, names] of Object.entries(ALIASES)) {
    const e = entries.get(type);
    if (!e) throw new Error(`curated.ts ALIASES: no catalog type "${type}"`);
    for (const name of names) {
      const clash = byNorm.get(normalizeTypeName(name));
      if (clash && clash !== type) throw new Error(`alias "${name}" of ${type} normalizes onto the type "${clash}"`);
      byNorm.set(normalizeTypeName(name), type);
    }
    e.aliases = [...names];
  }
  for (const e of entries.values()) {
    const other = e.modelType.includes('-')
      ? e.modelType.replace(/-/g, '_')
      : e.modelType.includes('_')
        ? e.modelType.replace(/_/g, '-')
        : undefined;
    if (other && !entries.has(other)) e.aliases = [...(e.aliases ?? []), other];
  }
  return [...entries.values()].sort((a, b) => a.modelType.localeCompare(b.modelType));
}

/** The text of src/catalog.data.json, as this script writes it. */
export function catalogDataText(): string {
  const entries = build();
  const header = {
    note: 'Generated by packages/catalog/scripts/build-catalog.ts from packages/catalog/data (see data/README.md). Do not edit by hand.',
    sources: {
      transformers:
        'huggingface/transformers@001002320fa01a489bb9b93976a7e4cd1a46291c models/auto/{configuration,modeling}_auto.py',
      'transformers.js': '@huggingface/transformers 4.3.2 src/models/registry.js, src/configs.js',
    },
    count: entries.length,
  };
  return `{\n"meta": ${JSON.stringify(header)},\n"entries": [\n${entries.map((e) => JSON.stringify(e)).join(',\n')}\n]\n}\n`;
}

export const CATALOG_DATA_FILE = join(root, 'src', 'catalog.data.json');

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = catalogDataText();
  writeFileSync(CATALOG_DATA_FILE, text);
  console.log(`wrote ${JSON.parse(text).meta.count} entries to packages/catalog/src/catalog.data.json`);
}
