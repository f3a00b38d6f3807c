import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from './graph.ts';
import {
  classificationHead,
  conv2d,
  flattenPatches,
  globalAvgPool,
  patchEmbed,
  prependTokens,
  resizeLike,
  unflattenTokens,
  vitLayer,
} from './nn-vision.ts';

async function run(g: GraphBuilder, feeds: Record<string, ort.Tensor>) {
  const session = await ort.InferenceSession.create(g.serialize().model);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

const pixels = (b: number, c: number, h: number, w: number) =>
  new ort.Tensor(
    'float32',
    Float32Array.from({ length: b * c * h * w }, (_, i) => Math.sin(i * 0.37)),
    [b, c, h, w],
  );

describe('vision blocks', () => {
  it('patch embedding + tokens + transformer layer + head run at any image size with the expected shapes', async () => {
    const g = new GraphBuilder({ seed: 1 });
    const x = g.input('pixel_values', 'float32', ['b', 3, 'h', 'w']);
    const fmap = patchEmbed(g, x, 3, 16, 4);
    const tokens = vitLayer(g, prependTokens(g, flattenPatches(g, fmap), 16, 2), 16, 2, 32, 'layer0');
    g.output(tokens, 'tokens', 'float32', ['b', 'n', 16]);
    g.output(classificationHead(g, globalAvgPool(g, fmap), 16, 5), 'logits', 'float32', ['b', 5]);
    for (const [h, w] of [
      [16, 16],
      [24, 32],
    ] as const) {
      const out = await run(g, { pixel_values: pixels(2, 3, h, w) });
      expect(out.tokens!.dims).toEqual([2, 2 + (h / 4) * (w / 4), 16]);
      expect(out.logits!.dims).toEqual([2, 5]);
    }
  });

  it('flatten then unflatten gives back the feature map exactly', async () => {
    const g = new GraphBuilder({ seed: 2 });
    const x = g.input('x', 'float32', ['b', 6, 'h', 'w']);
    g.output(unflattenTokens(g, flattenPatches(g, x), x, 6), 'y', 'float32', ['b', 6, 'h', 'w']);
    const input = pixels(2, 6, 3, 5);
    const out = await run(g, { x: input });
    expect(out.y!.dims).toEqual([2, 6, 3, 5]);
    expect(Array.from(out.y!.data as Float32Array)).toEqual(Array.from(input.data as Float32Array));
  });

  it("global average pooling is the per-channel mean; resizeLike matches the other map's size; strided conv halves it", async () => {
    const g = new GraphBuilder({ seed: 3 });
    const x = g.input('x', 'float32', ['b', 2, 'h', 'w']);
    const like = g.input('like', 'float32', ['b', 1, 'H', 'W']);
    g.output(globalAvgPool(g, x), 'pooled', 'float32', ['b', 2]);
    g.output(resizeLike(g, x, like), 'resized', 'float32', ['b', 2, 'H', 'W']);
    g.output(conv2d(g, x, 2, 4, 3, 'down', { stride: 2 }), 'down', 'float32', ['b', 4, 'h2', 'w2']);
    const input = pixels(1, 2, 4, 6);
    const out = await run(g, { x: input, like: pixels(1, 1, 8, 12) });
    const d = input.data as Float32Array;
    const mean0 = d.slice(0, 24).reduce((a, b) => a + b, 0) / 24;
    expect((out.pooled!.data as Float32Array)[0]).toBeCloseTo(mean0, 5);
    expect(out.resized!.dims).toEqual([1, 2, 8, 12]);
    expect(out.down!.dims).toEqual([1, 4, 2, 3]);
  });
});
