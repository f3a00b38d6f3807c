/** `node:fs/promises` in the page: the same calls as `./fs.ts`, answered asynchronously by the runner. */
import { asBuffer, type Buffer } from './buffer.ts';
import { ROUTES } from '../../wire.ts';
import { call } from '../rpc.ts';
import { toStats, type PageStats } from './fs.ts';

const fs = (fn: string, ...args: unknown[]) => call(ROUTES.node, `fs.${fn}`, ...args);

export async function readFile(path: string, encoding?: BufferEncoding | { encoding?: BufferEncoding }) {
  const buf = asBuffer(await fs('readFileSync', String(path)));
  const enc = typeof encoding === 'string' ? encoding : encoding?.encoding;
  return (enc ? buf.toString(enc) : buf) as Buffer & string;
}
export const writeFile = async (path: string, data: string | Uint8Array): Promise<void> => {
  await fs('writeFileSync', String(path), data);
};
export const appendFile = async (path: string, data: string | Uint8Array): Promise<void> => {
  await fs('appendFileSync', String(path), data);
};
export const mkdir = async (path: string, options?: { recursive?: boolean }) =>
  (await fs('mkdirSync', String(path), options ?? {})) as string | undefined;
export const mkdtemp = async (prefix: string) => (await fs('mkdtempSync', String(prefix))) as string;
export const rm = async (path: string, options?: { recursive?: boolean; force?: boolean }): Promise<void> => {
  await fs('rmSync', String(path), options ?? {});
};
export const readdir = async (path: string) => (await fs('readdirSync', String(path))) as string[];
export const stat = async (path: string): Promise<PageStats> => toStats(await fs('statSync', String(path)));
export const access = async (path: string): Promise<void> => {
  if (!(await fs('existsSync', String(path)))) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
};

export default { readFile, writeFile, appendFile, mkdir, mkdtemp, rm, readdir, stat, access };
