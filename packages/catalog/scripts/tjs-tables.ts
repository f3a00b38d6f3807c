/**
 * The transformers.js side of the catalog build: each registered type's categories, task
 * tables and classes (tjs_model_types.tsv), its proposed family (tjs_families.tsv), and the
 * config keys transformers.js reads (tjs_config_normalization.tsv).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'data');

export function readTsv(name: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(join(DATA_DIR, name), 'utf8').trimEnd().split('\n');
  const cols = head.split('\t');
  return lines.map((line) => {
    const cells = line.split('\t');
    return Object.fromEntries(cols.map((c, i) => [c, (cells[i] ?? '').trim()]));
  });
}

export const list = (s: string | undefined) =>
  s
    ? s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
    : [];

export interface TjsPart {
  tjs: { categories: string[]; taskMappings: string[]; autoModelClass?: string; classNames?: string[] };
}

/** model_type -> its transformers.js registration. */
export function tjsParts(): Map<string, TjsPart> {
  const out = new Map<string, TjsPart>();
  for (const row of readTsv('tjs_model_types.tsv')) {
    const classNames = [
      ...new Set(
        list(row.class_by_mapping.replace(/;/g, ','))
          .map((p) => p.split('=')[1]?.split(':')[0])
          .filter(Boolean),
      ),
    ];
    out.set(row.model_type, {
      tjs: {
        categories: list(row.categories),
        taskMappings: list(row.task_mappings),
        ...(row.AutoModel_class ? { autoModelClass: row.AutoModel_class } : {}),
        ...(classNames.length ? { classNames } : {}),
      },
    });
  }
  return out;
}

/** `num_heads=n_head, a/b=c, x/y from config.enc.{p,q}` -> per-type key maps. */
export function configKeysByType(): Map<string, Record<string, string>> {
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
