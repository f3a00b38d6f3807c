import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import type { ModelExportOptions, ModelExportResult } from '@hf-core/core';
import { choosePython, pythonEnv } from './python.ts';

/**
 * `hf-core export`: `python -m hf_core_torch.export <ref> --out DIR` in its own process (the
 * same module a corpus script can call directly), its JSON answer read back.
 */
export function exportTorchModel(
  opts: ModelExportOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ModelExportResult> {
  const { python } = choosePython(env);
  const args = ['-m', 'hf_core_torch.export', opts.ref, '--out', resolve(opts.outDir), '--seed', String(opts.seed)];
  if (opts.size) args.push('--size', opts.size);
  return new Promise((resolvePromise) => {
    execFile(
      python,
      args,
      { env: pythonEnv(env), timeout: opts.timeoutMs ?? 300_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop() ?? '';
        try {
          const r = JSON.parse(line) as ModelExportResult & { dir?: string; modelClass?: string; exportMs?: number };
          resolvePromise({
            status: r.status,
            reason: r.reason,
            modelType: r.modelType,
            files: r.files,
            details: { modelClass: r.modelClass, exportMs: r.exportMs },
          });
        } catch {
          const tail = stderr.trim().split('\n').slice(-3).join(' | ');
          resolvePromise({
            status: 'fail',
            reason: `${python} -m hf_core_torch.export ${err?.killed ? 'ran past its time limit' : 'gave no answer'}: ${tail || err?.message || 'no output'}`,
          });
        }
      },
    );
  });
}
