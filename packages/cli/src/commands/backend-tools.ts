import { HfCoreError, type BackendRegistration, type HfCore } from '@hf-core/core';
import { createCore, splitList, type CliIO } from '../context.ts';

/**
 * Loads the plugins (default: the one named like the backend) and returns the first backend
 * that offers `tool`: `hf-core setup` and `hf-core export` reach a backend only through its
 * plugin's registration, never by importing it.
 */
export async function backendWith<K extends 'setup' | 'exportModel'>(
  io: CliIO,
  plugins: string | string[] | undefined,
  backend: string,
  tool: K,
): Promise<{ core: HfCore; backend: BackendRegistration & Required<Pick<BackendRegistration, K>> }> {
  const core = await createCore(io, splitList(plugins) ?? [backend]);
  const found = core.backends.get(backend) ?? [...core.backends.values()].find((b) => b[tool]);
  if (!found?.[tool]) {
    const offered = [...core.backends.values()].filter((b) => b[tool]).map((b) => b.name);
    throw new HfCoreError(`Backend "${backend}" offers no ${tool === 'setup' ? 'setup' : 'export'}.`, {
      code: 'BAD_FLAG',
      hint: offered.length
        ? `Backends that do: ${offered.join(', ')}.`
        : `Load a plugin that does with --plugins (e.g. --plugins pytorch).`,
      exitCode: 2,
    });
  }
  return { core, backend: found as BackendRegistration & Required<Pick<BackendRegistration, K>> };
}
