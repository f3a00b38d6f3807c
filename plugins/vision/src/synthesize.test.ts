import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCpuEngine } from '@hf-core/ort';
import { checkBatchEquivalence } from '@hf-core/harness';
import {
  assertVisionShapes,
  dynamicSizeProblem,
  expectedPixel,
  expectedShapes,
  fixedPixelSize,
  visionFeeds,
} from './checks.ts';
import { NOT_IN_TRANSFORMERS_JS, VISION_SPECS, VISION_TYPES, VISION_UNCOVERED } from './specs.ts';
import { synthesizeVision } from './synthesize.ts';

const root = mkdtempSync(join(tmpdir(), 'hf-vision-synth-'));
const engine = createCpuEngine();

async function synth(type: string, opts: { broken?: 'mix-batch' | 'ignore-input' } = {}) {
  const prepared = await synthesizeVision(type, join(root, `${type}${opts.broken ? `-${opts.broken}` : ''}`), {
    size: 'micro',
    seed: 3,
    ...opts,
  });
  const session = await engine.createSession(join(prepared.dir, prepared.facts.sessionFile ?? 'onnx/model.onnx'));
  return { prepared, session, facts: prepared.facts };
}

describe('vision synthesizer', () => {
  it('covers or names every one of the 54 vision types transformers.js registers', () => {
    expect(VISION_TYPES.length - NOT_IN_TRANSFORMERS_JS.length + Object.keys(VISION_UNCOVERED).length).toBe(54);
    for (const t of Object.keys(VISION_UNCOVERED)) expect(VISION_TYPES).not.toContain(t);
  });

  it('every type loads in onnxruntime-node with the declared inputs and the outputs its pipeline reads, at two input sizes', async () => {
    for (const type of VISION_TYPES) {
      const { session, facts } = await synth(type);
      const wantInputs = [facts.inputName, ...(facts.pixelMask ? ['pixel_mask'] : [])];
      expect([...session.inputNames].sort(), type).toEqual(wantInputs.sort());
      expect([...session.outputNames].sort(), type).toEqual([...facts.outputs].sort());
      for (const size of [32, 48]) {
        const out = await session.run(visionFeeds(session, facts, { rows: 2, size }));
        try {
          assertVisionShapes(out, expectedShapes(facts, 2, size));
        } catch (err) {
          throw new Error(`${type} at ${size}px: ${(err as Error).message}`);
        }
      }
      await session.release();
    }
  });

  it("writes config.json with the type's own keys and labels, and a preprocessor whose fixed size matches image_size", async () => {
    const cases: [string, string[]][] = [
      ['vit', ['hidden_size', 'num_hidden_layers', 'num_attention_heads', 'image_size', 'patch_size', 'num_channels']],
      ['swin', ['embed_dim', 'depths', 'num_heads', 'window_size', 'image_size']],
      ['resnet', ['embedding_size', 'hidden_sizes', 'depths', 'layer_type']],
      ['mobilenet_v1', ['depth_multiplier', 'min_depth', 'image_size']],
      ['detr', ['num_queries', 'd_model', 'backbone_config']],
    ];
    for (const [type, keys] of cases) {
      const { prepared } = await synth(type);
      const config = JSON.parse(readFileSync(join(prepared.dir, 'config.json'), 'utf8'));
      const pp = JSON.parse(readFileSync(join(prepared.dir, 'preprocessor_config.json'), 'utf8'));
      expect(config.model_type).toBe(type);
      expect(config.architectures).toEqual([VISION_SPECS[type]!.architecture]);
      for (const k of keys) expect(config, `${type}.${k}`).toHaveProperty(k);
      expect(pp.image_processor_type ?? pp.feature_extractor_type, type).toMatch(/ImageProcessor|FeatureExtractor/);
      if (typeof config.image_size === 'number')
        expect(fixedPixelSize(pp), type).toEqual([config.image_size, config.image_size]);
    }
    const vit = await synth('vit');
    const config = JSON.parse(readFileSync(join(vit.prepared.dir, 'config.json'), 'utf8'));
    expect(Object.keys(config.id2label)).toHaveLength(vit.facts.numLabels);
  });

  it('says what an aspect-preserving or padding processor broke, and accepts what it promised', () => {
    const detr = { do_resize: true, size: { shortest_edge: 32, longest_edge: 64 } };
    expect(dynamicSizeProblem(detr, [48, 64], [32, 42])).toBeNull();
    expect(dynamicSizeProblem(detr, [48, 64], [32, 32])).toMatch(/gives 32x42 in transformers/);
    // longest_edge binds: 32 * 100/30 > 64, so the longer side becomes 64.
    expect(dynamicSizeProblem(detr, [30, 100], [19, 64])).toBeNull();
    // transformers.js 4.3.2 also scales *up* until the longer side is longest_edge.
    expect(dynamicSizeProblem(detr, [48, 64], [48, 64])).toMatch(/shortest_edge 32 with longest_edge 64 gives 32x42/);
    expect(dynamicSizeProblem({ do_resize: true, size_divisor: 32 }, [48, 64], [32, 64])).toBeNull();
    expect(dynamicSizeProblem({ do_resize: true, size_divisor: 32 }, [48, 64], [48, 64])).toMatch(/multiples of 32/);
    expect(dynamicSizeProblem({ do_pad: true, pad_size: 8 }, [45, 60], [48, 64])).toBeNull();
    expect(dynamicSizeProblem({ do_pad: true, pad_size: 8 }, [45, 60], [44, 64])).toMatch(/multiples of 8/);
    expect(dynamicSizeProblem({ do_pad: true, pad_size: 8 }, [45, 60], [56, 64])).toMatch(/gives 48x64/);
  });

  it('computes the normalised pixel a processor config promises (rescale, mean/std, BGR flip)', () => {
    const vit = {
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      image_mean: [0.5, 0.5, 0.5],
      image_std: [0.5, 0.5, 0.5],
    };
    expect(expectedPixel(vit, [255, 0, 51])).toEqual([1, -1, expect.closeTo(-0.6, 6)]);
    expect(expectedPixel({ do_rescale: true, do_flip_channel_order: true }, [255, 0, 51])).toEqual([0.2, 0, 1]);
    expect(
      expectedPixel({ do_rescale: false, do_normalize: true, image_mean: 10, image_std: 2 }, [30, 20, 10]),
    ).toEqual([10, 5, 0]);
  });

  it('batch equivalence passes on the real graph and fails on one that mixes the rows of a batch', async () => {
    const good = await synth('resnet');
    await expect(
      checkBatchEquivalence(good.session, visionFeeds(good.session, good.facts, { rows: 2 })),
    ).resolves.toBeDefined();
    const bad = await synth('resnet', { broken: 'mix-batch' });
    await expect(checkBatchEquivalence(bad.session, visionFeeds(bad.session, bad.facts, { rows: 2 }))).rejects.toThrow(
      /batch equivalence/,
    );
  });
});
