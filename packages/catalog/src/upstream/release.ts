/**
 * A transformers release as the catalog needs it: every config type with its config class, the
 * auto tables (`MODEL_FOR_CAUSAL_LM`, ...) and model classes that list it, and for a sub-config
 * the type that holds it and its role there. Read from any SourceTree, without Python.
 */
import { mappingName } from '../mappings.ts';
import type { SubConfigRole } from '../types.ts';
import { readPythonDicts, type Dicts } from './python.ts';
import { AUTO_DIR, CONFIGURATION_AUTO, SourceError, type SourceTree } from './source.ts';
import { subConfigParents } from './sub-configs.ts';

export interface ReleaseType {
  configClass?: string;
  /** Auto tables that list the type, without `_MAPPING_NAMES` (`MODEL_FOR_CAUSAL_LM`). */
  mappings: string[];
  /** Model classes those tables name (`LlamaForCausalLM`). */
  classes: string[];
  parent?: string;
  role?: SubConfigRole;
}

export interface Release {
  /** `5.18.0`, `5.19.0.dev0`, or `unknown` when the source names none. */
  version: string;
  origin: string;
  types: Map<string, ReleaseType>;
}

const MODELING_AUTO = `${AUTO_DIR}/modeling_auto.py`;
const AUTO_MAPPINGS = `${AUTO_DIR}/auto_mappings.py`;

/** transformers 5 moved the dicts to auto_mappings.py, which configuration_auto.py imports and updates. */
function configDicts(tree: SourceTree): Dicts {
  const configuration = tree.read(CONFIGURATION_AUTO);
  if (configuration === undefined)
    throw new SourceError(tree.origin, `has no ${CONFIGURATION_AUTO}`, 'a transformers source tree');
  const generated = tree.read(AUTO_MAPPINGS);
  if (/from \.auto_mappings import/.test(configuration) && generated === undefined)
    throw new SourceError(
      tree.origin,
      `${CONFIGURATION_AUTO} imports auto_mappings.py, which is missing beside it`,
      'the whole models/auto folder of transformers 5 (auto_mappings.py, configuration_auto.py, modeling_auto.py)',
    );
  return readPythonDicts(configuration, generated ? readPythonDicts(generated) : new Map());
}

/** Reads a release's types, tables and sub-configs. Throws SourceError naming what is missing. */
export function readRelease(tree: SourceTree): Release {
  const dicts = configDicts(tree);
  const config = dicts.get('CONFIG_MAPPING_NAMES');
  if (!config?.size)
    throw new SourceError(
      tree.origin,
      `no CONFIG_MAPPING_NAMES dict literal in ${CONFIGURATION_AUTO}${tree.read(AUTO_MAPPINGS) ? ' or auto_mappings.py' : ''}`,
      "transformers' models/auto/configuration_auto.py",
    );
  const modeling = tree.read(MODELING_AUTO);
  if (modeling === undefined)
    throw new SourceError(tree.origin, `has no ${MODELING_AUTO}`, 'a transformers source tree');
  const tables = [...readPythonDicts(modeling, dicts)].filter(
    ([name]) => name.startsWith('MODEL') && name.endsWith('NAMES') && !dicts.has(name),
  );
  if (!tables.length)
    throw new SourceError(
      tree.origin,
      `no MODEL_*_MAPPING_NAMES dict literals in ${MODELING_AUTO}`,
      "transformers' models/auto/modeling_auto.py",
    );

  const types = new Map<string, ReleaseType>();
  for (const [type, [configClass]] of config) types.set(type, { configClass, mappings: [], classes: [] });
  for (const [dictName, dict] of tables) {
    const table = mappingName(dictName);
    for (const [type, classes] of dict) {
      const t = types.get(type);
      if (!t) continue;
      if (!t.mappings.includes(table)) t.mappings.push(table);
      for (const c of classes) if (!t.classes.includes(c)) t.classes.push(c);
    }
  }
  const special = dicts.get('SPECIAL_MODEL_TYPE_TO_MODULE_NAME') ?? new Map();
  for (const [child, link] of subConfigParents(tree, config, special)) {
    const t = types.get(child)!;
    t.parent = link.parent;
    t.role = link.role;
  }
  return { version: tree.version ?? 'unknown', origin: tree.origin, types };
}

/** One line per type: `type  configClass  mappings  classes  parent  role`, tab-separated. */
export function releaseToTsv(r: Release): string {
  const head = `# transformers ${r.version}: config types, auto tables, model classes, sub-config parent and role\n`;
  const cols = 'model_type\tconfig_class\tmappings\tclasses\tparent\trole\n';
  const rows = [...r.types]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, t]) =>
      [type, t.configClass ?? '', t.mappings.join(','), t.classes.join(','), t.parent ?? '', t.role ?? ''].join('\t'),
    );
  return `${head}${cols}${rows.join('\n')}\n`;
}

export function releaseFromTsv(text: string, origin: string): Release {
  const lines = text.trimEnd().split('\n');
  const version = /^# transformers (\S+):/.exec(lines[0] ?? '')?.[1];
  if (!version || lines[1] !== 'model_type\tconfig_class\tmappings\tclasses\tparent\trole')
    throw new Error(`${origin}: not a release table written by releaseToTsv`);
  const list = (s: string) => (s ? s.split(',') : []);
  const types = new Map<string, ReleaseType>();
  for (const line of lines.slice(2)) {
    const [type, configClass, mappings, classes, parent, role] = line.split('\t');
    types.set(type, {
      ...(configClass ? { configClass } : {}),
      mappings: list(mappings),
      classes: list(classes),
      ...(parent ? { parent, role: (role || 'other') as SubConfigRole } : {}),
    });
  }
  return { version, origin, types };
}

/** Orders release versions: `4.57.6` < `5.17.0` < `5.18.0` < `5.19.0.dev0`; unknown parts sort last. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.split(/[.+-]/).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    // `5.19.0` > `5.19.0.dev0`: a final release ranks above its pre-releases.
    if (typeof x === 'number') return 1;
    if (typeof y === 'number') return -1;
    return String(x).localeCompare(String(y));
  }
  return 0;
}
