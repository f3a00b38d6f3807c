import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { EngineSession, Feeds } from '@hf-core/core';
import { CheckFailure, SeededFeeds, shapeOf, writeTestImages, type Outputs } from '@hf-core/harness';

/** Facts the generated test is rendered with (from the synthesizer). */
export interface VisionFacts {
  head:
    | 'classification'
    | 'features'
    | 'detection'
    | 'depth'
    | 'mask'
    | 'semantic'
    | 'panoptic'
    | 'super-resolution'
    | 'matting'
    | 'pose'
    | 'text-recognition'
    | 'mask-generation';
  /** The ONNX file session-level checks run (default onnx/model.onnx; SAM: the vision encoder). */
  sessionFile?: string;
  inputName: string;
  channels: number;
  outputs: string[];
  numLabels: number;
  pixelMask: boolean;
  tasks: string[];
  hidden: number;
  /** Rank of last_hidden_state: 3 for tokens [b, N, C], 4 for a map [b, C, h, w]. */
  hiddenRank: 3 | 4;
  /** Square side of the session-level feeds (the size the synthesized processor makes). */
  imageSize?: number;
}

export const NUM_QUERIES = 5;
// --- inputs -------------------------------------------------------------------------------------

let made: string[] | undefined;

/**
 * The images the pipeline checks read: HF_CORE_IMAGES (comma-separated files) when set, else a
 * gradient and a checkerboard (64x48, RGB PNG) in one shared temp folder. Each process writes
 * its own copy and renames it into place, so parallel test processes never read a half-written
 * file and runs do not pile up folders.
 */
export function testImages(): string[] {
  const env = process.env.HF_CORE_IMAGES;
  if (env)
    return env
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (!made) {
    const shared = join(tmpdir(), 'hf-core-test-images-64x48');
    mkdirSync(shared, { recursive: true });
    const own = mkdtempSync(join(shared, `.${process.pid}-`));
    const written = writeTestImages(own, 64, 48);
    made = [written.gradient, written.checkerboard].map((file) => {
      const target = join(shared, basename(file));
      renameSync(file, target);
      return target;
    });
    rmSync(own, { recursive: true, force: true });
  }
  return made;
}

/** Seeded pixel values [rows, channels, size, size] (roughly normalised), plus pixel_mask where the graph takes one. */
export function visionFeeds(
  session: EngineSession,
  facts: VisionFacts,
  opts: { rows: number; size?: number; seed?: number },
): Feeds {
  const rng = new SeededFeeds(opts.seed ?? 1);
  const size = opts.size ?? facts.imageSize ?? 32;
  const dims = [opts.rows, facts.channels, size, size];
  const n = dims.reduce((a, b) => a * b, 1);
  const feeds: Feeds = {
    [facts.inputName]: { type: 'float32', dims, data: Float32Array.from({ length: n }, () => rng.float()) },
  };
  if (session.inputNames.includes('pixel_mask')) {
    feeds.pixel_mask = {
      type: 'int64',
      dims: [opts.rows, 64, 64],
      data: new BigInt64Array(opts.rows * 64 * 64).fill(1n),
    };
  }
  return feeds;
}

/** Output dims that follow from the input size alone (dims that depend on the backbone's strides are -1). */
export function expectedShapes(facts: VisionFacts, rows: number, size: number): Record<string, number[]> {
  const L = facts.numLabels;
  const hidden = facts.hiddenRank === 4 ? [rows, facts.hidden, -1, -1] : [rows, -1, facts.hidden];
  switch (facts.head) {
    case 'classification':
      return { logits: [rows, L], pooler_output: [rows, facts.hidden], last_hidden_state: hidden };
    case 'features':
      return { pooler_output: [rows, facts.hidden], last_hidden_state: hidden };
    case 'detection':
      return { logits: [rows, NUM_QUERIES, L + 1], pred_boxes: [rows, NUM_QUERIES, 4] };
    case 'depth':
      return { predicted_depth: [rows, size, size] };
    case 'mask':
      return { [facts.outputs[0]!]: [rows, 1, size, size] };
    case 'matting':
      return { alphas: [rows, 1, size, size] };
    case 'semantic':
      return { logits: [rows, L, -1, -1] };
    case 'pose':
      return { heatmaps: [rows, L, -1, -1] };
    case 'panoptic':
      return { class_queries_logits: [rows, NUM_QUERIES, L + 1], masks_queries_logits: [rows, NUM_QUERIES, -1, -1] };
    case 'super-resolution':
      return { reconstruction: [rows, 3, size * 2, size * 2] };
    case 'text-recognition':
      return { char_logits: [rows, -1, 38], bpe_logits: [rows, -1, 64], wp_logits: [rows, -1, 48] };
    case 'mask-generation':
      return facts.outputs.length === 2
        ? { image_embeddings: [rows, facts.hidden, -1, -1], image_positional_embeddings: [rows, facts.hidden, -1, -1] }
        : {
            'image_embeddings.0': [rows, facts.hidden / 4, -1, -1],
            'image_embeddings.1': [rows, facts.hidden / 2, -1, -1],
            'image_embeddings.2': [rows, facts.hidden, -1, -1],
          };
  }
}

/** Every expected output is present with its rank and every known dim (-1: any size). */
export function assertVisionShapes(outputs: Outputs, expected: Record<string, number[]>): void {
  for (const [name, dims] of Object.entries(expected)) {
    const t = outputs[name];
    if (!t)
      throw new CheckFailure(
        `output "${name}" is missing; the session returned: ${Object.keys(outputs).join(', ') || 'nothing'}`,
      );
    const ok = t.dims.length === dims.length && dims.every((d, i) => d === -1 || d === t.dims[i]);
    if (!ok)
      throw new CheckFailure(
        `output "${name}" has shape ${shapeOf(t)}, expected [${dims.map((d) => (d === -1 ? '*' : d)).join(', ')}]`,
        { got: [...t.dims], expected: dims },
      );
  }
}
