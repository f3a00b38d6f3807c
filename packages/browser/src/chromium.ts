/**
 * Chromium for the browser backends: found on this machine (never downloaded), started by
 * hf-core in the run's own process group (so the run's memory cap and time limit cover the
 * browser too), driven over the DevTools protocol with playwright-core.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** What to run where Chromium is missing (Debian's package; elsewhere any Chrome or Chromium binary). */
export const CHROMIUM_INSTALL_HINT =
  'install it (Debian/Ubuntu: apt-get install -y chromium) or point HF_CORE_CHROMIUM at a Chrome or Chromium binary';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

/**
 * Flags for a test browser: headless, no first-run or background traffic (nothing leaves the
 * machine), WebGPU on (Chromium hides it on Linux behind --enable-unsafe-webgpu), no sandbox
 * (containers and root lack the namespaces it needs).
 */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--disable-breakpad',
  '--metrics-recording-only',
  '--no-pings',
  '--mute-audio',
  '--disable-dev-shm-usage',
];

const executable = (p: string) => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export interface ChromiumSearch {
  /** HF_CORE_CHROMIUM: an explicit binary, used as it is. */
  explicit?: string;
  /** Folders searched for the usual names (PATH). */
  path?: string;
}

/** The Chromium binary to use, or why there is none. */
export function findChromium(
  search: ChromiumSearch = { explicit: process.env.HF_CORE_CHROMIUM, path: process.env.PATH },
): { path: string } | { missing: string } {
  if (search.explicit) {
    return executable(search.explicit)
      ? { path: search.explicit }
      : { missing: `HF_CORE_CHROMIUM=${search.explicit} is not an executable file` };
  }
  const dirs = (search.path ?? '').split(delimiter).filter(Boolean);
  for (const name of NAMES) for (const dir of dirs) if (executable(join(dir, name))) return { path: join(dir, name) };
  return { missing: `no Chromium found (looked for ${NAMES.join(', ')} on PATH)` };
}

export interface RunningBrowser {
  browser: Browser;
  process: ChildProcess;
  /** e.g. "156.0.8078.129". */
  version: string;
  close(): Promise<void>;
}

const PROFILE_PREFIX = 'hf-core-chromium-';

/** Never throws: a Chromium helper still writing in a profile must not fail a run; the next sweep gets it. */
function removeQuietly(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  } catch {
    // swept later
  }
}

/** Profiles left by runs that were killed (their pid is gone): removed before a new one starts. */
function sweepProfiles(): void {
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(new RegExp(`^${PROFILE_PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (!pid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      removeQuietly(join(tmpdir(), name));
    }
  }
}

/**
 * Starts Chromium with a fresh profile and connects to it. It is a child of this process, in
 * this process group: killing the group (hf-core's time limit and memory cap) ends it too. It
 * also holds a DevTools pipe from this process (fds 3 and 4, unused otherwise): when this
 * process dies however it dies, the pipe closes and Chromium exits, so no browser is orphaned.
 */
export async function launchChromium(binary: string, extraArgs: string[] = []): Promise<RunningBrowser> {
  sweepProfiles();
  const profile = mkdtempSync(join(tmpdir(), `${PROFILE_PREFIX}${process.pid}-`));
  const child = spawn(
    binary,
    [
      ...CHROMIUM_FLAGS,
      ...extraArgs,
      '--remote-debugging-port=0',
      '--remote-debugging-pipe',
      `--user-data-dir=${profile}`,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
  );
  const cleanup = () => removeQuietly(profile);
  let stderr = '';
  const endpoint = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`Chromium (${binary}) did not start within 30 s:\n${stderr}`)),
      30_000,
    );
    child.stderr!.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-4000);
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        ok(m[1]!);
      }
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      fail(new Error(`Chromium (${binary}) did not start: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`Chromium (${binary}) exited at start (${signal ?? `code ${code}`}):\n${stderr}`));
    });
  }).catch((err: Error) => {
    child.kill('SIGKILL');
    cleanup();
    throw err;
  });
  const browser = await chromium.connectOverCDP(endpoint, { timeout: 0 });
  return {
    browser,
    process: child,
    version: browser.version(),
    async close() {
      const running = () => child.exitCode === null && child.signalCode === null;
      const exited = new Promise<boolean>((ok) => (running() ? child.once('exit', () => ok(true)) : ok(true)));
      const within = (ms: number) =>
        Promise.race([exited, new Promise<boolean>((ok) => setTimeout(() => ok(false), ms))]);
      await browser.close().catch(() => undefined);
      if (!(await within(5000))) {
        child.kill('SIGKILL');
        await within(2000);
      }
      cleanup();
    },
  };
}
