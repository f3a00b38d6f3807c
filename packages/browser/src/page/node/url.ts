/**
 * `node:url` in the page. The page's URL space mirrors the file system (the runner serves the
 * job's folders at their absolute paths), so a file path and its URL convert both ways; a path
 * under the runner's own routes (the bundled engine) becomes its URL on the page's origin.
 */
import { page } from '../config.ts';

export function fileURLToPath(url: string | URL): string {
  const u = typeof url === 'string' ? new URL(url) : url;
  if (u.protocol !== 'file:' && u.origin !== page.location.origin)
    throw new TypeError(`fileURLToPath: ${u.href} is neither a file URL nor on the page's server`);
  return decodeURIComponent(u.pathname);
}

export function pathToFileURL(path: string): URL {
  return new URL(path.split('/').map(encodeURIComponent).join('/'), page.location.origin);
}

const PageURL = globalThis.URL;
export { PageURL as URL };
export default { fileURLToPath, pathToFileURL, URL: PageURL };
