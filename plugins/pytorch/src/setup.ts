import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendSetupOptions, BackendSetupResult } from '@hf-core/core';
import { defaultVenvDir, PIP_PACKAGES, PYTHON_PACKAGE_ROOT, venvPython } from './python.ts';

function run(cmd: string, args: string[], log: (line: string) => void): Promise<number> {
  log(`$ ${[cmd, ...args].join(' ')}`);
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (b: Buffer) => {
      for (const line of b.toString().split('\n')) if (line.trim()) log(`  ${line}`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e) => {
      log(`  ${cmd}: ${e.message}`);
      resolvePromise(127);
    });
    child.on('exit', (code) => resolvePromise(code ?? 1));
  });
}

/** site-packages of a venv (lib/pythonX.Y/site-packages, or Lib/site-packages on Windows). */
function sitePackages(dir: string): string | undefined {
  const win = join(dir, 'Lib', 'site-packages');
  if (existsSync(win)) return win;
  const lib = join(dir, 'lib');
  const py = existsSync(lib) ? readdirSync(lib).find((d) => d.startsWith('python')) : undefined;
  return py ? join(lib, py, 'site-packages') : undefined;
}

/**
 * `hf-core setup pytorch`: a virtual environment (default: the user cache) with torch,
 * transformers and the exporter's packages from pip's configured index, and a .pth file so
 * `python -m hf_core_torch.export` works with that interpreter. The run itself never installs.
 */
export async function setupTorch(
  opts: BackendSetupOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<BackendSetupResult> {
  const dir = opts.dir ?? defaultVenvDir(env);
  const base = env.HF_CORE_PYTHON_FOR_SETUP ?? (process.platform === 'win32' ? 'python' : 'python3');
  const python = venvPython(dir);
  const steps: [string, string[]][] = [
    ...(existsSync(python) ? [] : [[base, ['-m', 'venv', dir]] as [string, string[]]]),
    [python, ['-m', 'pip', 'install', ...(opts.installerArgs ?? []), ...PIP_PACKAGES]],
  ];
  if (opts.dryRun) {
    for (const [cmd, args] of steps) opts.log(`would run: ${[cmd, ...args].join(' ')}`);
    return { ok: true, message: `dry run: nothing was installed; the environment would be ${dir}` };
  }
  for (const [cmd, args] of steps) {
    const code = await run(cmd, args, opts.log);
    if (code !== 0)
      return {
        ok: false,
        message: `\`${[cmd, ...args].join(' ')}\` exited with ${code}. Check that ${base} (set HF_CORE_PYTHON_FOR_SETUP to use another) can make a venv and that pip reaches an index with these packages (pass pip options after --, e.g. -- --index-url URL).`,
      };
  }
  const site = sitePackages(dir);
  if (site) writeFileSync(join(site, 'hf_core_torch.pth'), `${PYTHON_PACKAGE_ROOT}\n`);
  return {
    ok: true,
    message: `PyTorch reference environment ready in ${dir}. hf-core finds it there; elsewhere set HF_CORE_PYTHON=${python}. Exporter: ${python} -m hf_core_torch.export bert --out DIR`,
  };
}
