import type { Feeds } from '@hf-core/core';
import { createCpuEngine } from '@hf-core/ort';
import { CheckFailure, SkipCheck } from './errors.ts';
import type { Harness } from './harness.ts';
import { maxAbsDiff } from './tensors.ts';

/**
 * Cross-backend parity: the same feeds through this backend's session and through a cpu
 * (onnxruntime-node) session of the same file; every output within `tol`. Reports the max
 * absolute difference per output. A skip on cpu itself (cpu is the reference).
 */
export async function checkParityWithCpu(
  h: Harness,
  file: string,
  feeds: Feeds,
  opts: { tol?: number } = {},
): Promise<Record<string, unknown>> {
  if (h.backend === 'cpu') throw new SkipCheck('cpu is the parity reference');
  const tol = opts.tol ?? 1e-3;
  const session = await h.session(file);
  const reference = await createCpuEngine().createSession(`${h.modelDir}/${file}`);
  try {
    const got = await session.run(feeds);
    const want = await reference.run(feeds);
    const perOutput: Record<string, number> = {};
    for (const name of Object.keys(want)) {
      if (!got[name]) throw new CheckFailure(`parity: ${h.backend} returned no "${name}" (cpu did)`);
      perOutput[name] = maxAbsDiff(got[name]!, want[name]!);
    }
    const bad = Object.entries(perOutput).filter(([, d]) => !(d <= tol));
    if (bad.length) {
      throw new CheckFailure(
        `parity with cpu: ${bad.map(([n, d]) => `${n} differs by ${d.toExponential(3)}`).join(', ')} (tolerance ${tol})`,
        { perOutput, tolerance: tol },
      );
    }
    return { perOutput, tolerance: tol };
  } finally {
    await reference.release();
  }
}
