import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The oldest transformers whose model registry the tiny configs are written against. */
export const MIN_TRANSFORMERS = '5.0.0';
/** What `hf-core setup pytorch` installs; the numbers in the README were taken with these. */
export const TRANSFORMERS_VERSION = '5.18.0';
export const PIP_PACKAGES = [
  'torch',
  `transformers==${TRANSFORMERS_VERSION}`,
  'onnx',
  'onnxscript',
  'onnxruntime',
  'tokenizers',
  'safetensors',
  'sentencepiece',
  'pillow',
];

/** Folder of the Python package `hf_core_torch` (the worker, the tiny configs, the exporter). */
export const PYTHON_PACKAGE_ROOT = fileURLToPath(new URL('../python', import.meta.url));

/** The user's cache folder (XDG on Linux, Library/Caches on macOS, LOCALAPPDATA on Windows). */
function userCacheDir(env: NodeJS.ProcessEnv): string {
  if (env.XDG_CACHE_HOME) return env.XDG_CACHE_HOME;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches');
  if (process.platform === 'win32') return env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local');
  return join(homedir(), '.cache');
}

/** Where `hf-core setup pytorch` makes its virtual environment unless told otherwise. */
export function defaultVenvDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.HF_CORE_PYTORCH_VENV ?? join(userCacheDir(env), 'hf-core', 'pytorch-venv');
}

export function venvPython(dir: string): string {
  return process.platform === 'win32' ? join(dir, 'Scripts', 'python.exe') : join(dir, 'bin', 'python');
}

/** The interpreter and where that choice came from, so a failure can say which one it tried. */
export interface PythonChoice {
  python: string;
  from: 'HF_CORE_PYTHON' | 'setup venv' | 'PATH';
}

/** HF_CORE_PYTHON, else the venv `hf-core setup pytorch` made, else python3 on PATH. */
export function choosePython(env: NodeJS.ProcessEnv = process.env): PythonChoice {
  if (env.HF_CORE_PYTHON) return { python: env.HF_CORE_PYTHON, from: 'HF_CORE_PYTHON' };
  const venv = venvPython(defaultVenvDir(env));
  if (existsSync(venv)) return { python: venv, from: 'setup venv' };
  return { python: process.platform === 'win32' ? 'python' : 'python3', from: 'PATH' };
}

/** Environment of a Python process that imports hf_core_torch from this plugin. */
export function pythonEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...env,
    PYTHONPATH: [PYTHON_PACKAGE_ROOT, env.PYTHONPATH].filter(Boolean).join(delimiter),
    PYTHONUNBUFFERED: '1',
    HF_HUB_OFFLINE: '1',
    TRANSFORMERS_OFFLINE: '1',
    HF_HUB_DISABLE_PROGRESS_BARS: '1',
    TOKENIZERS_PARALLELISM: 'false',
  };
}

/** What the interpreter has: each package's version, or the error its import raised. */
export interface PythonProbe {
  python?: string;
  torch?: string;
  transformers?: string;
  onnx?: string;
  onnxruntime?: string;
  cuda?: boolean;
  errors: Record<string, string>;
}

const PROBE = `
import json, platform
out = {"python": platform.python_version(), "errors": {}}
for name in ("torch", "transformers", "onnx", "onnxruntime"):
    try:
        out[name] = __import__(name).__version__
    except Exception as e:
        out["errors"][name] = (type(e).__name__ + ": " + str(e)).splitlines()[0][:300]
if "torch" in out:
    import torch
    out["cuda"] = bool(torch.cuda.is_available())
print(json.dumps(out))
`;

/** Runs the probe under `python`; an interpreter that does not start is an error naming it. */
export function probePython(python: string, env: NodeJS.ProcessEnv = process.env): Promise<PythonProbe> {
  return new Promise((resolvePromise) => {
    execFile(python, ['-c', PROBE], { env: pythonEnv(env), timeout: 120_000 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolvePromise(JSON.parse(line) as PythonProbe);
      } catch {
        const why = err ? ((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : err.message) : 'no answer';
        resolvePromise({
          errors: { python: `${python}: ${why}${stderr ? ` (${stderr.trim().split('\n').pop()})` : ''}` },
        });
      }
    });
  });
}

/** `a < b` for dotted versions (a local suffix like +cpu is ignored). */
export function olderThan(a: string, b: string): boolean {
  const pa = a
    .split('+')[0]!
    .split('.')
    .map((x) => Number.parseInt(x, 10) || 0);
  const pb = b
    .split('+')[0]!
    .split('.')
    .map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) < (pb[i] ?? 0);
  }
  return false;
}

export const SETUP_HINT = `run \`hf-core setup pytorch\` (a virtual environment in the user cache), or \`pip install ${PIP_PACKAGES.join(' ')}\` and set HF_CORE_PYTHON to that python`;

/** Why this probe cannot run the reference, addressed to the user's install; undefined when it can. */
export function whyNot(choice: PythonChoice, p: PythonProbe): string | undefined {
  const where = `${choice.python} (from ${choice.from})`;
  if (!p.python) return `no Python interpreter: ${p.errors.python ?? where}; ${SETUP_HINT}`;
  if (!p.torch) return `torch is not installed in ${where}: ${p.errors.torch}; ${SETUP_HINT}`;
  if (!p.transformers)
    return `transformers is not installed in ${where} (torch ${p.torch} is): ${p.errors.transformers}; ${SETUP_HINT}`;
  if (olderThan(p.transformers, MIN_TRANSFORMERS))
    return `transformers ${p.transformers} in ${where} is older than ${MIN_TRANSFORMERS}: pip install -U transformers==${TRANSFORMERS_VERSION} (or run \`hf-core setup pytorch\`)`;
  return undefined;
}

export function versionsOf(p: PythonProbe): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['python', 'torch', 'transformers', 'onnx', 'onnxruntime'] as const) {
    const v = p[k];
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}
