import { loadOrtNode, type ExecutionProviders } from './ort-node.ts';

/**
 * A one-node model (y = x + [1, 2, 3, 4]) built in memory: the smallest thing that makes an
 * execution provider open its device, so detection reports the runtime's own error.
 */
async function probeModel(): Promise<Uint8Array> {
  const { GraphBuilder } = await import('@hf-core/onnx-builder');
  const g = new GraphBuilder({ name: 'hf-core-provider-probe' });
  const x = g.input('x', 'float32', [1, 4]);
  g.output(g.op('Add', [x, g.constFloat([1, 2, 3, 4], 'offset', [1, 4])]), 'y', 'float32', [1, 4]);
  return g.serialize().model;
}

export type ProbeOutcome = { ok: true; ms: number } | { ok: false; error: string };

/**
 * Creates a tiny session on `executionProviders` of onnxruntime-node and runs it once; the
 * result must be [2, 3, 4, 5]. Errors come back as the runtime wrote them, whitespace folded.
 */
export async function probeOrtNodeProvider(executionProviders: ExecutionProviders): Promise<ProbeOutcome> {
  const t0 = performance.now();
  try {
    const ort = await loadOrtNode();
    const session = await ort.InferenceSession.create(await probeModel(), {
      executionProviders,
    });
    try {
      const out = await session.run({ x: new ort.Tensor('float32', new Float32Array([1, 1, 1, 1]), [1, 4]) });
      const y = Array.from(out.y?.data as Float32Array);
      if (y.join(',') !== '2,3,4,5')
        return { ok: false, error: `probe model returned [${y.join(', ')}], expected [2, 3, 4, 5]` };
    } finally {
      await session.release();
    }
    return { ok: true, ms: Math.round(performance.now() - t0) };
  } catch (err) {
    return { ok: false, error: (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim() };
  }
}
