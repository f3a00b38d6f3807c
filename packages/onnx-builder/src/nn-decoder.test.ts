import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from './graph.ts';
import { causalBias, positionsFromMask, repeatKv } from './nn-decoder.ts';

async function run(g: GraphBuilder, feeds: Record<string, InstanceType<typeof ort.Tensor>>) {
  const s = await ort.InferenceSession.create(g.serialize().model);
  return s.run(feeds);
}
const i64 = (v: number[], dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(v.map(BigInt)), dims);

describe('causal decoder blocks', () => {
  it('causalBias lets query i see past keys and new keys up to i, never padding', async () => {
    const g = new GraphBuilder();
    const ids = g.input('input_ids', 'int64', ['b', 's']);
    const mask = g.input('attention_mask', 'int64', ['b', 't']);
    const ctx = causalBias(g, ids, mask);
    g.output(ctx.bias, 'bias', 'float32', ['b', 1, 's', 't']);
    g.output(positionsFromMask(g, ctx), 'positions', 'int64', ['b', 's']);
    // one padded key, two past tokens, then two new tokens
    const out = await run(g, { input_ids: i64([7, 8], [1, 2]), attention_mask: i64([0, 1, 1, 1, 1], [1, 5]) });
    const seen = Array.from(out.bias!.data as Float32Array, (v) => (v === 0 ? 1 : 0));
    expect(out.bias!.dims).toEqual([1, 1, 2, 5]);
    expect(seen).toEqual([0, 1, 1, 1, 0, 0, 1, 1, 1, 1]);
    expect(Array.from(out.positions!.data as BigInt64Array, Number)).toEqual([2, 3]);
  });

  it('repeatKv repeats each kv head for its group of query heads', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', ['b', 2, 't', 1]);
    g.output(repeatKv(g, x, 2, 2, 1, 'rep'), 'y', 'float32', ['b', 4, 't', 1]);
    const out = await run(g, { x: new ort.Tensor('float32', Float32Array.from([1, 2]), [1, 2, 1, 1]) });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([1, 1, 2, 2]);
  });
});
