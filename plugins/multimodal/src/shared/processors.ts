/**
 * preprocessor_config.json / processor_config.json contents, in the key names each image
 * processor class of transformers.js reads (size, crop_size, image_mean, ...).
 */

export const OPENAI_CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
export const OPENAI_CLIP_STD = [0.26862954, 0.26130258, 0.27577711];
const HALF = [0.5, 0.5, 0.5];

/** CLIP-style: resize the shortest edge, centre-crop to a square. */
export function clipImageProcessor(
  imageProcessorType: string,
  size: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    image_processor_type: imageProcessorType,
    do_resize: true,
    size: { shortest_edge: size },
    resample: 3,
    do_center_crop: true,
    crop_size: { height: size, width: size },
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: OPENAI_CLIP_MEAN,
    image_std: OPENAI_CLIP_STD,
    do_convert_rgb: true,
    ...extra,
  };
}

/** SigLIP / ViT-style: resize straight to height x width, mean/std 0.5. */
export function squareImageProcessor(
  imageProcessorType: string,
  size: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    image_processor_type: imageProcessorType,
    do_resize: true,
    size: { height: size, width: size },
    resample: 2,
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: HALF,
    image_std: HALF,
    do_convert_rgb: true,
    ...extra,
  };
}
