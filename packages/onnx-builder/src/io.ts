import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { GraphBuilder, SaveOptions } from './graph.ts';

/** Writes `graph` to `path` (and its external data file beside it); returns the files written. */
export async function saveGraph(graph: GraphBuilder, path: string, save: SaveOptions = {}): Promise<string[]> {
  await mkdir(dirname(path), { recursive: true });
  const { model, external } = graph.serialize(save);
  await writeFile(path, model);
  const files = [path];
  if (external && save.externalData) {
    const ext = join(dirname(path), basename(save.externalData.location));
    await writeFile(ext, external);
    files.push(ext);
  }
  return files;
}

/** Writes a JSON file with stable two-space formatting. */
export async function writeJson(path: string, value: unknown): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
  return path;
}
