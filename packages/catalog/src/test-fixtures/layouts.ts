/**
 * Test fixtures: a release written back out in each layout transformers has shipped (4.x dicts
 * in configuration_auto.py; 5.x generated auto_mappings.py that configuration_auto.py imports
 * and updates), laid out as a checkout, an installed package or a wheel. Built from the facts a
 * test gives, so no transformers source lives in the repo.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import type { Release } from '../upstream/release.ts';

const table = (name: string) => (name === 'MODEL_FOR_AUDIO_TOKENIZATION' ? `${name}_NAMES` : `${name}_MAPPING_NAMES`);

function pairs(rows: [string, string][], indent = '        '): string {
  return rows.map(([k, v]) => `${indent}("${k}", "${v}"),`).join('\n');
}

/** models/auto/* files of a release, in the 4.x or the 5.x layout. */
export function autoFiles(r: Release, layout: '4.x' | '5.x'): Record<string, string> {
  const all = [...r.types].map(([type, t]) => [type, t.configClass ?? 'PreTrainedConfig'] as [string, string]);
  // 5.x: the last types arrive through configuration_auto.py's update(), as gpt-sw3 and mlcd do upstream.
  const [generated, updated] = layout === '5.x' ? [all.slice(0, -2), all.slice(-2)] : [all, []];
  const configDict = `CONFIG_MAPPING_NAMES = OrderedDict[str, str](\n    [\n        # Add configs here\n${pairs(generated)}\n    ]\n)\n`;
  const tables = new Map<string, [string, string][]>();
  for (const [type, t] of r.types)
    for (const m of t.mappings) tables.set(m, [...(tables.get(m) ?? []), [type, t.classes[0] ?? 'PreTrainedModel']]);
  const modeling = [
    'from collections import OrderedDict\n',
    'from .configuration_auto import CONFIG_MAPPING_NAMES\n',
    ...[...tables].map(([name, rows]) => `${table(name)} = OrderedDict(\n    [\n${pairs(rows)}\n    ]\n)\n`),
  ].join('\n');
  if (layout === '4.x')
    return {
      'models/auto/configuration_auto.py': `from collections import OrderedDict\n\n${configDict}`,
      'models/auto/modeling_auto.py': modeling,
    };
  return {
    'models/auto/auto_mappings.py': `# generated\nfrom collections import OrderedDict\n\n\n${configDict}`,
    'models/auto/configuration_auto.py': [
      'from .auto_mappings import CONFIG_MAPPING_NAMES, SPECIAL_MODEL_TYPE_TO_MODULE_NAME\n',
      `CONFIG_MAPPING_NAMES.update(\n    {\n${updated.map(([k, v]) => `        "${k}": "${v}",`).join('\n')}\n    }\n)\n`,
      'CONFIG_MAPPING_NAMES = OrderedDict(**{"gpt-sw3": "GPT2Config"}, **CONFIG_MAPPING_NAMES)\n',
    ].join('\n'),
    'models/auto/modeling_auto.py': modeling,
  };
}

export function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

/** The fields local and central zip headers share, written at `at` (method, CRC, sizes, name length). */
function entryFields(buf: Buffer, at: number, store: boolean, data: Buffer, body: Buffer, nameLength: number): Buffer {
  buf.writeUInt16LE(store ? 0 : 8, at);
  buf.writeUInt32LE(crc32(data), at + 6);
  buf.writeUInt32LE(body.length, at + 10);
  buf.writeUInt32LE(data.length, at + 14);
  buf.writeUInt16LE(nameLength, at + 18);
  return buf;
}

/** A zip archive of `files` (deflated, or stored when `store`), as a wheel is. */
export function zipBytes(files: Record<string, string>, store = false): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const body = store ? data : deflateRawSync(data);
    const nameBytes = Buffer.from(name);
    const local = entryFields(Buffer.alloc(30), 8, store, data, body, nameBytes.length);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    const central = entryFields(Buffer.alloc(46), 10, store, data, body, nameBytes.length);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + body.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

/** Files of a wheel of `project` holding `packageFiles` under its package folder. */
export function wheelFiles(project: string, version: string, packageFiles: Record<string, string>) {
  return {
    ...Object.fromEntries(Object.entries(packageFiles).map(([p, t]) => [`${project}/${p}`, t])),
    [`${project}-${version}.dist-info/METADATA`]: `Metadata-Version: 2.1\nName: ${project}\nVersion: ${version}\n`,
  };
}
