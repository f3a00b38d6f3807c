import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckFailure, expectThat, readRawImage, type Harness } from '@hf-core/harness';
import type { VisionFacts } from './session.ts';

// --- what the processor should produce ------------------------------------------------------------

export type Json = Record<string, unknown>;

export function readJson(path: string): Json {
  if (!existsSync(path))
    throw new CheckFailure(`${path} is missing: a vision model needs it to build its image processor`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Json;
  } catch (err) {
    throw new CheckFailure(`${path} is not valid JSON: ${(err as Error).message}`);
  }
}

export const hw = (v: unknown): [number, number] | null => {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2) return [Number(v[0]), Number(v[1])];
  if (v && typeof v === 'object' && 'height' in v && 'width' in v)
    return [Number((v as Json).height), Number((v as Json).width)];
  return null;
};

/**
 * [height, width] the image processor must produce whatever the input size, from
 * preprocessor_config.json; null when it depends on the input (aspect-preserving resizes, padding
 * to a multiple).
 */
export function fixedPixelSize(pp: Json): [number, number] | null {
  if (pp.do_center_crop && pp.crop_size !== undefined) return hw(pp.crop_size);
  const pad = pp.pad_size as Json | undefined;
  if (pp.do_pad && pad && typeof pad === 'object' && 'height' in pad) return hw(pad); // SAM: resize within, then pad to pad_size
  const cls = String(pp.image_processor_type ?? pp.feature_extractor_type ?? '');
  const size = pp.size as Json | number | undefined;
  if (
    /^ConvNext/.test(cls) &&
    size &&
    typeof size === 'object' &&
    typeof size.shortest_edge === 'number' &&
    size.shortest_edge < 384
  )
    return [size.shortest_edge, size.shortest_edge];
  if (pp.do_resize === false || pp.keep_aspect_ratio) return null;
  if (pp.do_thumbnail && !pp.do_pad) return null;
  return size && typeof size === 'object' && 'height' in size ? hw(size) : null;
}

/**
 * For processors whose output size follows the input (aspect-preserving resizes, padding to a
 * multiple): what preprocessor_config.json promises about [H, W] for an [h, w] image that the
 * output breaks, or null. Rounding is allowed for (one pixel, or the multiple).
 */
export function dynamicSizeProblem(pp: Json, [h, w]: [number, number], [H, W]: [number, number]): string | null {
  const size = (pp.size ?? {}) as Json;
  const se = typeof size.shortest_edge === 'number' ? size.shortest_edge : undefined;
  const le = typeof size.longest_edge === 'number' ? size.longest_edge : undefined;
  const multiple = Number(
    pp.size_divisibility ??
      pp.size_divisor ??
      (pp.keep_aspect_ratio ? pp.ensure_multiple_of : undefined) ??
      (typeof pp.pad_size === 'number' ? pp.pad_size : 0),
  );
  const resizes = (pp.do_resize ?? pp.size !== undefined) !== false;
  if (multiple > 0 && (H % multiple !== 0 || W % multiple !== 0))
    return `preprocessor_config.json asks for multiples of ${multiple}`;
  if (resizes && se !== undefined && !multiple) {
    // transformers' rule (DETR / YOLOS get_size_with_aspect_ratio): the shorter side becomes
    // shortest_edge, unless the longer side would then pass longest_edge.
    const [lo, hi] = [Math.min(h, w), Math.max(h, w)];
    const side = le !== undefined && (hi / lo) * se > le ? Math.round((le * lo) / hi) : se;
    const [oh, ow] = w < h ? [Math.floor((side * h) / w), side] : [side, Math.floor((side * w) / h)];
    if (Math.abs(H - oh) > 1 || Math.abs(W - ow) > 1) {
      return `size.shortest_edge ${se}${le !== undefined ? ` with longest_edge ${le}` : ''} gives ${oh}x${ow} in transformers (the shorter side to shortest_edge unless the longer would pass longest_edge)`;
    }
  }
  if (!resizes && typeof pp.pad_size === 'number' && (H < h || W < w || H - h >= pp.pad_size || W - w >= pp.pad_size)) {
    return `padding ${h}x${w} to a multiple of ${pp.pad_size} gives ${Math.ceil(h / pp.pad_size) * pp.pad_size}x${Math.ceil(w / pp.pad_size) * pp.pad_size}`;
  }
  return null;
}

/** The image size a model config declares: image_size (a number or [h, w]), also inside backbone_config. */
export function configImageSize(config: Json): [number, number] | null {
  const v =
    config.image_size ??
    (config.backbone_config as Json | undefined)?.image_size ??
    (config.vision_config as Json | undefined)?.image_size;
  return v === undefined ? null : hw(v);
}

export function configChannels(config: Json): number | undefined {
  const v =
    config.num_channels ??
    (config.backbone_config as Json | undefined)?.num_channels ??
    (config.vision_config as Json | undefined)?.num_channels;
  return typeof v === 'number' ? v : undefined;
}

export type Tf = Awaited<ReturnType<Harness['pipelineEnv']>>['tf'];
export type RawImageT = InstanceType<Tf['RawImage']>;

/** A trimap for matting models: foreground in the middle, unknown ring, background outside. */
function trimapFor(tf: Tf, img: RawImageT): RawImageT {
  const { width, height } = img;
  const data = new Uint8ClampedArray(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const r = Math.max(Math.abs(x / width - 0.5), Math.abs(y / height - 0.5));
      data[y * width + x] = r < 0.2 ? 255 : r < 0.35 ? 128 : 0;
    }
  }
  return new tf.RawImage(data, width, height, 1);
}

/** What an image processor returns: its tensors, and the sizes it resized each image to (where it says). */
export type VisionInputs = Record<string, { dims: number[]; data: Float32Array }> & {
  reshaped_input_sizes?: [number, number][];
};

/** The view of a vision processor the checks use: an image (and a trimap, for matting) in, tensors out. */
export type VisionProcessor = (img: RawImageT, trimap?: RawImageT) => Promise<VisionInputs>;

export async function runProcessor(
  tf: Tf,
  processor: VisionProcessor,
  facts: VisionFacts,
  img: RawImageT,
): Promise<VisionInputs> {
  return facts.head === 'matting' ? processor(img, trimapFor(tf, img)) : processor(img);
}

/**
 * The model's processor (AutoProcessor, transformers.js) on each test image: pixel_values is
 * [1, C, H, W] with C = the config's num_channels, and H x W = the size preprocessor_config.json
 * fixes and config.json's image_size declares. An undecodable file or a wrong channel count fails
 * this check with the file and the value.
 */
export async function checkProcessorShapes(h: Harness, facts: VisionFacts, images: string[]) {
  const { tf, modelId } = await h.pipelineEnv();
  const pp = readJson(join(h.modelDir, 'preprocessor_config.json'));
  const config = h.config;
  const processor = await tf.AutoProcessor.from_pretrained(modelId);
  const channels = configChannels(config) ?? facts.channels;
  const fixed = fixedPixelSize(pp);
  const declared = configImageSize(config);
  const seen: Record<string, number[]> = {};
  for (const file of images) {
    const img = await readRawImage(tf, file);
    const inputs = await runProcessor(tf, processor, facts, img);
    const pv = inputs.pixel_values;
    expectThat(
      pv && pv.dims.length === 4 && pv.dims[0] === 1,
      `processor output for ${file}: pixel_values is ${pv ? `[${pv.dims.join(', ')}]` : 'missing'}, expected [1, C, H, W]`,
    );
    const [, c, H, W] = pv.dims as [number, number, number, number];
    expectThat(
      c === channels,
      `image ${file} (${img.channels} channel(s)) gave pixel_values with ${c} channels; the model expects ${channels} (config num_channels)`,
      { file, channels: c, expected: channels },
    );
    if (!fixed) {
      const problem = dynamicSizeProblem(pp, [img.height, img.width], [H, W]);
      expectThat(
        !problem,
        `image ${file} (${img.height}x${img.width}): the processor produced ${H}x${W}, but ${problem}`,
        { file, got: [H, W] },
      );
    } else {
      expectThat(
        H === fixed[0] && W === fixed[1],
        `image ${file}: the processor produced ${H}x${W}, but preprocessor_config.json fixes ${fixed[0]}x${fixed[1]}`,
        { file, got: [H, W], expected: fixed },
      );
      if (declared) {
        expectThat(
          H === declared[0] && W === declared[1],
          `config.json image_size is ${declared[0]}x${declared[1]} but the processor (preprocessor_config.json) produces ${H}x${W} for ${file}: fix image_size or the processor's size/crop_size`,
          { file, got: [H, W], image_size: declared },
        );
      }
    }
    expectThat(pv.data.every(Number.isFinite), `processor output for ${file} has non-finite pixel values`);
    seen[file] = pv.dims;
  }
  const normalisation = await checkNormalisation(tf, processor, pp, facts);
  return { pixel_values: seen, fixed, image_size: declared, normalisation };
}

const SOLID: [number, number, number] = [200, 120, 40];

/**
 * What preprocessor_config.json says one RGB pixel becomes: rescale (rescale_factor), normalise
 * (image_mean / image_std; EfficientNet with include_top divides by std twice and with
 * rescale_offset subtracts 1 after rescaling, as transformers does), then BGR order when
 * do_flip_channel_order.
 */
export function expectedPixel(pp: Json, rgb: readonly number[]): number[] {
  const factor = pp.do_rescale === false ? 1 : Number(pp.rescale_factor ?? 1 / 255);
  const list = (v: unknown, d: number) =>
    Array.isArray(v) ? v.map(Number) : [0, 1, 2].map(() => (v === undefined ? d : Number(v)));
  const mean = list(pp.image_mean ?? pp.mean, 0);
  const std = list(pp.image_std ?? pp.std, 1);
  const efficientnet = /^EfficientNet/.test(String(pp.image_processor_type ?? ''));
  const twice = efficientnet && pp.include_top !== false;
  const offset = efficientnet && pp.rescale_offset === true ? 1 : 0; // EfficientNet: x * factor - 1
  const out = rgb.map((v, c) => {
    let x = v * factor - offset;
    if (pp.do_normalize) x = (x - mean[c]!) / std[c]! / (twice ? std[c]! : 1);
    return x;
  });
  return pp.do_flip_channel_order ? out.reverse() : out;
}

/**
 * A solid-colour image must come out as the same normalised value at every unpadded pixel (a
 * resize or crop cannot change a constant): checks rescale, mean/std and channel order against
 * preprocessor_config.json at the first pixel and the middle of the resized image.
 */
async function checkNormalisation(tf: Tf, processor: VisionProcessor, pp: Json, facts: VisionFacts) {
  const [w, h] = [64, 48];
  const data = new Uint8ClampedArray(w * h * 3);
  for (let i = 0; i < w * h; i++) data.set(SOLID, i * 3);
  const inputs = await runProcessor(tf, processor, facts, new tf.RawImage(data, w, h, 3));
  const pv = inputs.pixel_values!;
  const [, , H, W] = pv.dims as [number, number, number, number];
  const reshaped = inputs.reshaped_input_sizes?.[0] ?? [H, W];
  const want = expectedPixel(pp, SOLID);
  // Donut pads around the centre; the others pad at the bottom and right of the resized image.
  const centred = /^Donut/.test(String(pp.image_processor_type ?? pp.feature_extractor_type ?? ''));
  const points: [number, number][] = centred
    ? [[Math.floor(H / 2), Math.floor(W / 2)]]
    : [
        [0, 0],
        [Math.floor(reshaped[0] / 2), Math.floor(reshaped[1] / 2)],
      ];
  for (const [y, x] of points) {
    const got = [0, 1, 2].map((c) => pv.data[c * H * W + y * W + x]!);
    const bad = got.findIndex((v, c) => Math.abs(v - want[c]!) > 1e-3);
    expectThat(
      bad < 0,
      `a solid rgb(${SOLID.join(', ')}) image gave pixel_values [${got.map((v) => v.toFixed(4)).join(', ')}] at (${y}, ${x}); preprocessor_config.json (rescale, image_mean/image_std, channel order) gives [${want.map((v) => v.toFixed(4)).join(', ')}]`,
      { got, expected: want, at: [y, x] },
    );
  }
  return { rgb: SOLID, expected: want };
}
