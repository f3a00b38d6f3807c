/**
 * Builds src/catalog.data.json from the tables in data/ (see data/README.md for provenance)
 * and the hand-kept facts in curated.ts. Run after changing either:
 *   pnpm --filter @hf-core/catalog catalog:data
 * (src/catalog.data.test.ts fails while the committed JSON is out of date.)
 *
 * Every config type of the transformers releases in data/releases/ (the newest one is the
 * catalog's), the types older releases had (marked `removedIn`), and every type transformers.js
 * registers.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { derive, deriveTasks, type DeriveContext, type TypeFacts } from '../src/derive.ts';
import { mappingName } from '../src/mappings.ts';
import { normalizeTypeName } from '../src/normalize.ts';
import { FAMILIES, type BuiltinFamily, type CatalogEntry } from '../src/types.ts';
import { compareVersions, releaseFromTsv, type Release } from '../src/upstream/release.ts';
import { ALIASES, CHECKPOINTS, FAMILY_OVERRIDES, TASKS } from './curated.ts';
import { configKeysByType, DATA_DIR, list, readTsv, tjsParts } from './tjs-tables.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function asFamily(value: string, where: string): BuiltinFamily {
  if (!(FAMILIES as readonly string[]).includes(value)) throw new Error(`${where}: unknown family "${value}"`);
  return value as BuiltinFamily;
}

/** data/releases/transformers-<version>.tsv, oldest first. */
export function committedReleases(): Release[] {
  const dir = join(DATA_DIR, 'releases');
  return readdirSync(dir)
    .filter((f) => /^transformers-.+\.tsv$/.test(f))
    .map((f) => releaseFromTsv(readFileSync(join(dir, f), 'utf8'), `data/releases/${f}`))
    .sort((a, b) => compareVersions(a.version, b.version));
}

interface Seed {
  facts: TypeFacts;
  releases: string[];
  /** The family the reference table (hf_model_types.tsv) proposed, and its rule. */
  reference?: { family: BuiltinFamily; rule: string };
}

function seeds(releases: Release[]): Map<string, Seed> {
  const out = new Map<string, Seed>();
  for (const r of releases) {
    for (const [type, t] of r.types) {
      const prev = out.get(type);
      out.set(type, {
        facts: { modelType: type, ...t, mappings: [...t.mappings], classes: [...t.classes] },
        releases: [...(prev?.releases ?? []), r.version],
      });
    }
  }
  for (const row of readTsv('hf_model_types.tsv')) {
    const type = row.model_type;
    const reference = { family: asFamily(row.family, `hf_model_types.tsv ${type}`), rule: row.reason };
    const seed = out.get(type);
    if (seed) seed.reference = reference;
    else
      out.set(type, {
        facts: {
          modelType: type,
          configClass: row.config_class || undefined,
          mappings: list(row.mappings),
          classes: [],
        },
        releases: [],
        reference,
      });
  }
  return out;
}

function build(): { entries: CatalogEntry[]; releases: string[] } {
  const releases = committedReleases();
  const versions = releases.map((r) => r.version);
  const latest = versions.at(-1)!;
  const hf = seeds(releases);
  const tjs = tjsParts();
  const tjsFamilies = new Map(readTsv('tjs_families.tsv').map((r) => [r.model_type, r.family]));
  const configKeys = configKeysByType();
  const entries = new Map<string, CatalogEntry>();

  const ctx: DeriveContext = {
    familyOf: (type) => {
      const e = entries.get(type);
      return e && { family: e.family as BuiltinFamily, tasks: e.tasks };
    },
    sharingConfig: (configClass, except) => {
      const e = [...entries.values()].find((o) => o.configClass === configClass && o.modelType !== except);
      return e && { modelType: e.modelType, family: e.family as BuiltinFamily };
    },
  };
  /** The reference table's judgement stands where no table decides and it read class names, not tables. */
  const JUDGED = /^(basename|same-config|unmapped|text-heads)/;
  function hfEntry(type: string): CatalogEntry {
    const { facts, releases: seen, reference } = hf.get(type)!;
    const t = tjs.get(type);
    const all = { ...facts, mappings: [...facts.mappings, ...(t?.tjs.taskMappings.map(mappingName) ?? [])] };
    const d = derive(all, ctx);
    const proposed = d.rule !== 'mapping tables' && reference && JUDGED.test(reference.rule) ? reference : d;
    const override = FAMILY_OVERRIDES[type];
    const family = override ? asFamily(override.family, `curated.ts ${type}`) : proposed.family;
    const last = seen.at(-1);
    const removed = last && last !== latest ? versions[versions.indexOf(last) + 1] : undefined;
    return {
      modelType: type,
      family,
      tasks: family === d.family ? d.tasks : deriveTasks(all, family, ctx),
      ...(facts.configClass ? { configClass: facts.configClass } : {}),
      hfMappings: facts.mappings,
      ...(t ? { tjs: t.tjs } : {}),
      runtimeSupport: t ? t.tjs.categories.join(',') : 'unsupported',
      configKeys: configKeys.get(type) ?? {},
      proposedFamily: proposed.family,
      familyRule: proposed.rule,
      sources: t ? ['transformers', 'transformers.js'] : ['transformers'],
      ...(facts.classes.length ? { classNames: facts.classes } : {}),
      ...(facts.parent ? { parent: facts.parent, role: facts.role } : {}),
      ...(removed ? { removedIn: removed, lastIn: last } : {}),
      ...(seen.length ? { releases: seen } : {}),
      ...(override ? { familyNote: override.note } : {}),
    };
  }

  // Types a table places first; then sub-configs, parents before their parts.
  const depth = (type: string, seen = 0): number => {
    const p = hf.get(type)?.facts.parent;
    return p && seen < 5 ? 1 + depth(p, seen + 1) : 0;
  };
  const order = [...hf.keys()].sort((a, b) => depth(a) - depth(b) || a.localeCompare(b));

  // Twice: a type judged by a twin or a parent sees every entry of the first pass.
  for (let pass = 0; pass < 2; pass++) for (const type of order) entries.set(type, hfEntry(type));

  for (const [type, t] of tjs) {
    if (entries.has(type)) continue;
    const proposed = asFamily(tjsFamilies.get(type) ?? '', `tjs_families.tsv ${type}`);
    const override = FAMILY_OVERRIDES[type];
    const family = override ? asFamily(override.family, `curated.ts ${type}`) : proposed;
    const facts = { modelType: type, mappings: t.tjs.taskMappings.map(mappingName), classes: [] };
    entries.set(type, {
      modelType: type,
      family,
      tasks: deriveTasks(facts, family, ctx),
      hfMappings: [],
      tjs: t.tjs,
      runtimeSupport: t.tjs.categories.length ? t.tjs.categories.join(',') : 'unsupported',
      configKeys: configKeys.get(type) ?? {},
      proposedFamily: proposed,
      familyRule: 'transformers.js tasks (tjs_families.tsv)',
      sources: ['transformers.js'],
      ...(override ? { familyNote: override.note } : {}),
    });
  }

  for (const [type, tasks] of Object.entries(TASKS)) {
    const e = entries.get(type);
    if (!e) throw new Error(`curated.ts TASKS: no catalog type "${type}"`);
    e.tasks = [...tasks];
  }
  for (const [type, id] of Object.entries(CHECKPOINTS)) {
    const e = entries.get(type);
    if (!e) throw new Error(`curated.ts CHECKPOINTS: no catalog type "${type}"`);
    e.checkpoint = id;
  }
  for (const type of Object.keys(FAMILY_OVERRIDES)) {
    if (!entries.has(type)) throw new Error(`curated.ts FAMILY_OVERRIDES: no catalog type "${type}"`);
  }
  addAliases(entries);
  return { entries: [...entries.values()].sort((a, b) => a.modelType.localeCompare(b.modelType)), releases: versions };
}

/**
 * Aliases: curated names, plus the other separator spelling of `a-b` / `a_b` types. A name
 * that normalizes onto a different real type is a mistake and stops the build.
 */
function addAliases(entries: Map<string, CatalogEntry>): void {
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
}

/** The text of src/catalog.data.json, as this script writes it. */
export function catalogDataText(): string {
  const { entries, releases } = build();
  const header = {
    note: 'Generated by packages/catalog/scripts/build-catalog.ts from packages/catalog/data (see data/README.md). Do not edit by hand.',
    transformers: releases.at(-1),
    transformersReleases: releases,
    'transformers.js': '4.3.2',
    sources: {
      transformers: `models/auto/{auto_mappings,configuration_auto,modeling_auto}.py and models/*/configuration_*.py of the transformers ${releases.join(', ')} wheels (data/releases), and huggingface/transformers@001002320fa01a489bb9b93976a7e4cd1a46291c (data/hf_model_types.tsv)`,
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
