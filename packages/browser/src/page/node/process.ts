/**
 * `process` in the page (injected wherever bundled code names it): the job's environment and
 * the runner's pid. No `release` or `versions.node`, so libraries never take the page for Node.
 */
import { pageConfig } from '../config.ts';

const config = pageConfig();

export const process = {
  env: { ...config.env } as Record<string, string | undefined>,
  pid: config.pid,
  platform: 'browser',
  versions: {} as Record<string, string>,
  argv: [] as string[],
  cwd: () => '/',
  nextTick: (fn: (...args: unknown[]) => void, ...args: unknown[]) => queueMicrotask(() => fn(...args)),
};
