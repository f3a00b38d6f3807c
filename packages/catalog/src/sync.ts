/**
 * `catalog sync`: compares transformers' auto files (configuration_auto.py, modeling_auto.py)
 * with the committed catalog: which types are new, which were removed, and which moved to
 * another family because their mapping tables changed. The new types are saved to
 * `<cwd>/.hf-core/catalog-sync.json` for `hf-core generate --new`.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { listEntries, getEntry } from './catalog.ts';
import { familyFromMappings, mappingName, tasksFromMappings } from './mappings.ts';
import { parseMappingDicts } from './python-dicts.ts';
import type { CatalogEntry, Family } from './types.ts';

export interface RemappedType {
  modelType: string;
  /** Family the catalog's mapping tables gave, and the one the new tables give. */
  from: Family;
  to: Family;
  mappingsAdded: string[];
  mappingsRemoved: string[];
}

export interface SyncDiff {
  upstreamCount: number;
  catalogCount: number;
  added: CatalogEntry[];
  removed: { modelType: string; family: Family }[];
  remapped: RemappedType[];
}

export interface SyncFile extends SyncDiff {
  syncedAt: string;
  sources: string[];
}

export const SYNC_FILE = join('.hf-core', 'catalog-sync.json');

/** Thrown when an auto file lacks the tables sync needs; `what` names the missing table. */
export class SyncSourceError extends Error {
  constructor(
    readonly file: string,
    readonly what: string,
  ) {
    super(`${file}: ${what}`);
    this.name = 'SyncSourceError';
  }
}

const SPEECH_WORDS = /Audio|Speech|Wav|Whisper|Codec|Mel|Speaker|Voice|Tts|TTS/;
const VISION_WORDS = /Vision|Image|ViT|Vit|Video|Depth|Segment|Detection|Backbone|Pixel/;
const TEXT_HEADS = [
  'MODEL_FOR_SEQUENCE_CLASSIFICATION',
  'MODEL_FOR_TOKEN_CLASSIFICATION',
  'MODEL_FOR_QUESTION_ANSWERING',
];

/** The reference rule for a type no family-defining table lists: shared config class, class-name keywords, text heads. */
function fallbackFamily(
  configClass: string | undefined,
  mappings: string[],
  classNames: string[],
): { family: Family; rule: string } {
  const shared = configClass && listEntries().find((e) => e.configClass === configClass);
  if (shared) return { family: shared.proposedFamily ?? shared.family, rule: `same-config-as-${shared.modelType}` };
  const names = classNames.join(' ');
  if (SPEECH_WORDS.test(names)) return { family: 'speech', rule: 'class-name keywords' };
  if (VISION_WORDS.test(names)) return { family: 'vision', rule: 'class-name keywords' };
  if (mappings.some((m) => TEXT_HEADS.includes(m))) return { family: 'encoder-only', rule: 'text-heads-only' };
  return { family: 'other', rule: 'unmapped' };
}

/** Diffs two auto files' sources against the catalog's Hugging Face types. */
export function diffAutoFiles(
  configuration: { path: string; source: string },
  modeling: { path: string; source: string },
): SyncDiff {
  const configDicts = parseMappingDicts(configuration.source);
  const configMap = configDicts.get('CONFIG_MAPPING_NAMES');
  if (!configMap?.size)
    throw new SyncSourceError(
      configuration.path,
      'no CONFIG_MAPPING_NAMES dict literal (is this configuration_auto.py?)',
    );
  const modelDicts = [...parseMappingDicts(modeling.source)].filter(([name]) => name.startsWith('MODEL'));
  if (!modelDicts.length)
    throw new SyncSourceError(modeling.path, 'no MODEL_*_MAPPING_NAMES dict literals (is this modeling_auto.py?)');

  const mappingsOf = new Map<string, string[]>();
  const classesOf = new Map<string, string[]>();
  for (const [dictName, dict] of modelDicts) {
    const table = mappingName(dictName);
    for (const [type, classes] of dict) {
      if (!mappingsOf.has(type)) mappingsOf.set(type, []);
      if (!mappingsOf.get(type)!.includes(table)) mappingsOf.get(type)!.push(table);
      classesOf.set(type, [...(classesOf.get(type) ?? []), ...classes]);
    }
  }

  const catalogHf = listEntries().filter((e) => e.sources?.includes('transformers'));
  const known = new Set(catalogHf.map((e) => e.modelType));
  const upstream = [...configMap.keys()];
  const added: CatalogEntry[] = [];
  const remapped: RemappedType[] = [];
  for (const type of upstream) {
    const configClass = configMap.get(type)?.[0];
    const mappings = mappingsOf.get(type) ?? [];
    const entry = known.has(type) ? getEntry(type)! : undefined;
    if (!entry) {
      const byTable = familyFromMappings(mappings);
      const { family, rule } = byTable
        ? { family: byTable, rule: 'mapping tables' }
        : fallbackFamily(configClass, mappings, classesOf.get(type) ?? []);
      const tjs = getEntry(type);
      added.push({
        modelType: type,
        family,
        tasks: tasksFromMappings(mappings, family),
        ...(configClass ? { configClass } : {}),
        hfMappings: mappings,
        runtimeSupport: tjs?.runtimeSupport ?? 'unsupported',
        configKeys: tjs?.configKeys ?? {},
        proposedFamily: family,
        familyRule: rule,
        sources: tjs ? ['transformers', 'transformers.js'] : ['transformers'],
      });
      continue;
    }
    const before = familyFromMappings(entry.hfMappings) ?? entry.proposedFamily ?? entry.family;
    const after = familyFromMappings(mappings) ?? before;
    if (before !== after) {
      remapped.push({
        modelType: type,
        from: before,
        to: after,
        mappingsAdded: mappings.filter((m) => !entry.hfMappings.includes(m)),
        mappingsRemoved: entry.hfMappings.filter((m) => !mappings.includes(m)),
      });
    }
  }
  const upstreamSet = new Set(upstream);
  const removed = catalogHf
    .filter((e) => !upstreamSet.has(e.modelType))
    .map((e) => ({ modelType: e.modelType, family: e.family }));
  return { upstreamCount: upstream.length, catalogCount: catalogHf.length, added, removed, remapped };
}

/** Saves the diff where `hf-core generate --new` finds it; returns the file's path. */
export function writeSyncFile(cwd: string, diff: SyncDiff, sources: string[], now = new Date()): string {
  const file = join(cwd, SYNC_FILE);
  mkdirSync(dirname(file), { recursive: true });
  const body: SyncFile = { syncedAt: now.toISOString(), sources, ...diff };
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}

/** The last sync's result in `cwd`, or null when none was run there. Throws (naming the file) when it is corrupt. */
export function readSyncFile(cwd: string): SyncFile | null {
  const file = join(cwd, SYNC_FILE);
  if (!existsSync(file)) return null;
  let parsed: Partial<SyncFile>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<SyncFile>;
  } catch (err) {
    throw new Error(
      `${file} is not valid JSON (${(err as Error).message}); run \`hf-core catalog sync\` again to rewrite it.`,
    );
  }
  if (!Array.isArray(parsed.added))
    throw new Error(`${file} has no "added" list; run \`hf-core catalog sync\` again to rewrite it.`);
  return parsed as SyncFile;
}

/**
 * Model types the last `hf-core catalog sync` in `cwd` found new (for `hf-core generate --new`);
 * empty when none was run there. Their entries: `readSyncFile(cwd).added`.
 */
export function readSyncedNewTypes(cwd: string): string[] {
  return (readSyncFile(cwd)?.added ?? []).map((e) => e.modelType);
}
