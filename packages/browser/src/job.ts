/**
 * How a browser backend hands a job to its runner (RunJob.runner): the Node arguments, and the
 * environment that says which device to drive and which folders the page may touch.
 */
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { siblingModule, type RunJob } from '@hf-core/core';
import type { PageRoots } from './node-calls.ts';
import type { PageDevice } from './page/config.ts';

export const RUNNER_ENV = {
  device: 'HF_CORE_BROWSER_DEVICE',
  roots: 'HF_CORE_BROWSER_ROOTS',
  /** Extra Chromium flags, space-separated (e.g. a GPU machine's --use-vulkan). */
  flags: 'HF_CORE_CHROMIUM_FLAGS',
} as const;

/** The page engine module: what HF_CORE_BACKEND_MODULE names for a browser job. */
export const PAGE_ENGINE_MODULE = siblingModule(import.meta.url, 'page/engine');

/**
 * `node --conditions=hf-core-source --import tsx runner`: the runner and the page bundle resolve
 * @hf-core/* as the output folder's vitest config does (TypeScript sources), and the runner can
 * load the TypeScript modules the page hands it (the cpu parity reference).
 */
export function runnerArgs(): string[] {
  return [
    '--conditions=hf-core-source',
    '--import',
    pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href,
    fileURLToPath(new URL(`./runner${PAGE_ENGINE_MODULE.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)),
  ];
}

/**
 * What the page may read: the model folder, the output folder (tests, other models), the temp
 * folder and the user's own inputs (HF_CORE_IMAGES, HF_CORE_AUDIO); what it may write: the
 * output folder and the temp folder (the checks write their test images there).
 */
export function pageRoots(job: RunJob, env = process.env): PageRoots {
  const outDir = dirname(dirname(job.testFile));
  const inputs = [env.HF_CORE_IMAGES, env.HF_CORE_AUDIO]
    .flatMap((v) => (v ?? '').split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  return { read: [job.prepared.dir, ...inputs], write: [outDir, tmpdir()] };
}

export function runnerJob(job: RunJob, device: PageDevice): { args: string[]; env: Record<string, string> } {
  return {
    args: runnerArgs(),
    env: { [RUNNER_ENV.device]: device, [RUNNER_ENV.roots]: JSON.stringify(pageRoots(job)) },
  };
}
