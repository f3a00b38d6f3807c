import {
  downloadHubSnapshot,
  HfCoreError,
  parseDtypes,
  parseRef,
  type HfCore,
  type ModelEntry,
  type ModelOptions,
} from '@hf-core/core';
import type { CliIO } from './context.ts';

/**
 * Run options for real checkpoints: the `--dtype` matrix, per-model dtype and backends from a
 * config's `models:` entries, and hub ids fetched into the Hugging Face cache first (only with
 * --allow-network; HF_HUB_OFFLINE=1 wins), so they run from the same folder layout as the cache.
 */
export async function checkpointRunOptions(
  core: HfCore,
  io: CliIO,
  o: { refs: string[]; entries?: ModelEntry[]; dtype?: string | string[]; allowNetwork?: boolean },
): Promise<{ dtypes?: string[]; perModel?: Record<string, ModelOptions> }> {
  const dtypes = parseDtypes(o.dtype);
  const perModel: Record<string, ModelOptions> = {};
  for (const e of o.entries ?? []) {
    if (typeof e === 'string') continue;
    const ref = e.path ?? e.id;
    if (!ref)
      throw new HfCoreError(`A models: entry of the config file has neither "path" nor "id": ${JSON.stringify(e)}.`, {
        code: 'CONFIG_INVALID',
        exitCode: 2,
      });
    const missing = (e.backends ?? []).filter((b) => !core.backends.has(b));
    if (missing.length) {
      throw new HfCoreError(
        `The models: entry "${ref}" asks for backend(s) ${missing.join(', ')}, which no loaded plugin provides.`,
        {
          code: 'BACKEND_NOT_LOADED',
          exitCode: 2,
          hint: `Loaded backends: ${[...core.backends.keys()].join(', ') || 'none'}. Add the plugin with --plugins or "plugins:".`,
        },
      );
    }
    perModel[ref] = {
      ...(e.dtype ? { dtypes: parseDtypes(e.dtype) } : {}),
      ...(e.backends ? { backends: e.backends } : {}),
    };
  }
  for (const ref of o.refs) {
    let parsed: ReturnType<typeof parseRef>;
    try {
      parsed = parseRef(ref, { cwd: io.cwd, env: io.env, allowNetwork: o.allowNetwork });
    } catch {
      continue; // classify reports a bad ref with its reason
    }
    if (parsed.kind !== 'hub') continue;
    const want = perModel[ref]?.dtypes ?? dtypes;
    io.stderr(
      `hf-core: fetching ${parsed.id}${parsed.revision ? `@${parsed.revision}` : ''} into the Hugging Face cache${want ? ` (dtypes ${want.join(', ')})` : ''}`,
    );
    const got = await downloadHubSnapshot(parsed.id, parsed.revision, io.env, { dtypes: want });
    io.stderr(`hf-core: ${got.files.length} file(s) in ${got.dir}`);
  }
  return { ...(dtypes ? { dtypes } : {}), ...(Object.keys(perModel).length ? { perModel } : {}) };
}
