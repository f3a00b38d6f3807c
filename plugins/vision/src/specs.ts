/**
 * The vision types this plugin synthesizes: the backbone shape, the task head (with the output
 * names transformers.js's pipeline for it reads), the image processor class and settings, and
 * config.json in the type's own key names.
 */
import { SAM_SPECS } from './sam.ts';

export interface Dims {
  hidden: number;
  layers: number;
  heads: number;
  inner: number;
  /** Square input side the processor produces (pixels). */
  image: number;
  patch: number;
  /** Channels of the conv stages (conv backbones). */
  stages: number[];
}

/** vit: patch tokens + transformer layers; conv: conv stages; hybrid: conv stem then transformer layers over the map. */
export type Backbone = 'vit' | 'conv' | 'hybrid';

/**
 * What the graph's outputs are for (and which pipeline tests it): the output names are the ones
 * transformers.js reads for that task.
 */
export type Head =
  | 'classification' // logits [b, L] + last_hidden_state + pooler_output
  | 'features' // last_hidden_state + pooler_output
  | 'detection' // logits [b, Q, L+1], pred_boxes [b, Q, 4]
  | 'depth' // predicted_depth [b, H, W]
  | 'mask' // one output [b, 1, H, W] (background removal)
  | 'semantic' // logits [b, L, h, w]
  | 'panoptic' // class_queries_logits [b, Q, L+1], masks_queries_logits [b, Q, h, w]
  | 'super-resolution' // reconstruction [b, 3, 2H, 2W]
  | 'matting' // alphas [b, 1, H, W] from 4-channel input (image + trimap)
  | 'pose' // heatmaps [b, K, h, w]
  | 'text-recognition'; // char_logits, bpe_logits, wp_logits

export interface VisionSpec {
  backbone: Backbone;
  head: Head;
  architecture: string;
  /** Learned tokens before the patch tokens (CLS, distillation, registers); vit backbones. */
  extraTokens?: number;
  /** last_hidden_state as tokens [b, N, C] (default for vit/hybrid) or a map [b, C, h, w] (default for conv). */
  layout?: 'tokens' | 'map';
  /** Patch / stem stride of the first layer (default: dims.patch for vit, 4 for conv and hybrid). */
  stem?: number;
  /** Graph input name for pixels (a few background-removal exports use `input`). */
  inputName?: string;
  /** Name of the single output of `mask` heads. */
  outputName?: string;
  /** The graph also takes `pixel_mask` [b, h, w] (DETR-style processors produce it). */
  pixelMask?: boolean;
  /** preprocessor_config.json (the image processor class and its settings). */
  processor(d: Dims): Record<string, unknown>;
  /** config.json beyond model_type, architectures and labels, in the type's own key names. */
  config(d: Dims): Record<string, unknown>;
}

const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];
const HALF = [0.5, 0.5, 0.5];

const fixed = (cls: string, d: Dims, extra: Record<string, unknown> = {}, key = 'image_processor_type') => ({
  [key]: cls,
  do_resize: true,
  size: { height: d.image, width: d.image },
  resample: 2,
  do_rescale: true,
  rescale_factor: 1 / 255,
  do_normalize: true,
  image_mean: HALF,
  image_std: HALF,
  ...extra,
});

/** Resize the shortest edge a little past the target, then center-crop to it (BiT / DeiT / MobileNet style). */
const cropped = (cls: string, d: Dims, extra: Record<string, unknown> = {}, key = 'image_processor_type') => ({
  [key]: cls,
  do_resize: true,
  size: { shortest_edge: Math.round(d.image * 1.143) },
  resample: 3,
  do_center_crop: true,
  crop_size: { height: d.image, width: d.image },
  do_rescale: true,
  rescale_factor: 1 / 255,
  do_normalize: true,
  image_mean: IMAGENET_MEAN,
  image_std: IMAGENET_STD,
  do_convert_rgb: true,
  ...extra,
});

const convnextProcessor = (d: Dims) => ({
  image_processor_type: 'ConvNextImageProcessor',
  do_resize: true,
  size: { shortest_edge: d.image },
  crop_pct: 0.875,
  resample: 3,
  do_rescale: true,
  rescale_factor: 1 / 255,
  do_normalize: true,
  image_mean: IMAGENET_MEAN,
  image_std: IMAGENET_STD,
});

const detrProcessor = (cls: string, d: Dims, key = 'image_processor_type') => ({
  [key]: cls,
  do_resize: true,
  // longest_edge binds for the 4:3 test images (shortest_edge alone would make the longer side
  // 1.33x), the case where transformers and transformers.js 4.3.2 agree. Where shortest_edge
  // binds, transformers.js scales up to longest_edge instead: checks.test.ts pins that bug.
  size: { shortest_edge: d.image, longest_edge: Math.round(d.image * 1.25) },
  resample: 2,
  do_rescale: true,
  rescale_factor: 1 / 255,
  do_normalize: true,
  image_mean: IMAGENET_MEAN,
  image_std: IMAGENET_STD,
  do_pad: true,
});

/** ViTConfig-style keys (shared by many patch encoders). */
const vitKeys = (d: Dims, extra: Record<string, unknown> = {}) => ({
  hidden_size: d.hidden,
  num_hidden_layers: d.layers,
  num_attention_heads: d.heads,
  intermediate_size: d.inner,
  hidden_act: 'gelu',
  layer_norm_eps: 1e-12,
  image_size: d.image,
  patch_size: d.patch,
  num_channels: 3,
  qkv_bias: true,
  ...extra,
});

const swinKeys = (d: Dims, extra: Record<string, unknown> = {}) => ({
  image_size: d.image,
  patch_size: 4,
  num_channels: 3,
  embed_dim: d.stages[0],
  depths: [1, 1],
  num_heads: [d.heads / 2, d.heads],
  window_size: 4,
  mlp_ratio: 2.0,
  hidden_act: 'gelu',
  layer_norm_eps: 1e-5,
  ...extra,
});

const convStageKeys = (d: Dims, extra: Record<string, unknown> = {}) => ({
  num_channels: 3,
  hidden_sizes: d.stages,
  depths: d.stages.map(() => 1),
  hidden_act: 'gelu',
  ...extra,
});

const detrKeys = (d: Dims, extra: Record<string, unknown> = {}) => ({
  num_queries: 5,
  d_model: d.hidden,
  encoder_layers: d.layers,
  decoder_layers: d.layers,
  encoder_attention_heads: d.heads,
  decoder_attention_heads: d.heads,
  encoder_ffn_dim: d.inner,
  decoder_ffn_dim: d.inner,
  num_channels: 3,
  use_timm_backbone: false,
  backbone_config: {
    model_type: 'resnet',
    ...convStageKeys(d, { embedding_size: d.stages[0], layer_type: 'basic', hidden_act: 'relu' }),
  },
  ...extra,
});

const depthKeys = (d: Dims, extra: Record<string, unknown> = {}) => ({
  backbone_config: { model_type: 'dinov2', ...vitKeys(d) },
  reassemble_hidden_size: d.hidden,
  patch_size: d.patch,
  fusion_hidden_size: d.hidden,
  head_hidden_size: d.hidden,
  depth_estimation_type: 'relative',
  ...extra,
});

const vitClassifier = (
  arch: string,
  processor: (d: Dims) => Record<string, unknown>,
  extra: Partial<VisionSpec> = {},
  keys: (d: Dims) => Record<string, unknown> = (d) => vitKeys(d),
): VisionSpec => ({
  backbone: 'vit',
  head: 'classification',
  architecture: arch,
  extraTokens: 1,
  processor,
  config: keys,
  ...extra,
});

const convClassifier = (
  arch: string,
  processor: (d: Dims) => Record<string, unknown>,
  keys: (d: Dims) => Record<string, unknown>,
  extra: Partial<VisionSpec> = {},
): VisionSpec => ({
  backbone: 'conv',
  head: 'classification',
  architecture: arch,
  processor,
  config: keys,
  ...extra,
});

export const VISION_SPECS: Record<string, VisionSpec> = {
  // --- patch encoders (image classification + features) ---
  vit: vitClassifier('ViTForImageClassification', (d) => fixed('ViTImageProcessor', d)),
  deit: vitClassifier(
    'DeiTForImageClassificationWithTeacher',
    (d) => cropped('DeiTImageProcessor', d, { resample: 3 }),
    { extraTokens: 2 },
    (d) => vitKeys(d, { encoder_stride: d.patch }),
  ),
  beit: vitClassifier(
    'BeitForImageClassification',
    (d) => fixed('BeitFeatureExtractor', d, {}, 'feature_extractor_type'),
    {},
    (d) =>
      vitKeys(d, {
        use_mask_token: false,
        use_absolute_position_embeddings: false,
        use_relative_position_bias: true,
        use_mean_pooling: true,
        layer_scale_init_value: 0.1,
      }),
  ),
  dinov2: vitClassifier(
    'Dinov2ForImageClassification',
    (d) => cropped('BitImageProcessor', d),
    {},
    (d) =>
      vitKeys(d, { mlp_ratio: d.inner / d.hidden, layerscale_value: 1.0, layer_norm_eps: 1e-6, use_swiglu_ffn: false }),
  ),
  dinov2_with_registers: vitClassifier(
    'Dinov2WithRegistersForImageClassification',
    (d) => cropped('BitImageProcessor', d),
    { extraTokens: 5 },
    (d) => vitKeys(d, { mlp_ratio: d.inner / d.hidden, num_register_tokens: 4, layer_norm_eps: 1e-6 }),
  ),
  vit_msn: vitClassifier('ViTMSNForImageClassification', (d) =>
    fixed('ViTImageProcessor', d, { image_mean: IMAGENET_MEAN, image_std: IMAGENET_STD }),
  ),
  ijepa: vitClassifier(
    'IJepaForImageClassification',
    (d) => fixed('ViTImageProcessor', d, { image_mean: IMAGENET_MEAN, image_std: IMAGENET_STD }),
    { extraTokens: 0 },
  ),
  vit_mae: {
    ...vitClassifier('ViTMAEModel', (d) =>
      fixed('ViTImageProcessor', d, { image_mean: IMAGENET_MEAN, image_std: IMAGENET_STD }),
    ),
    head: 'features',
    config: (d) =>
      vitKeys(d, {
        mask_ratio: 0.75,
        decoder_hidden_size: d.hidden,
        decoder_num_hidden_layers: 1,
        decoder_num_attention_heads: d.heads,
        decoder_intermediate_size: d.inner,
        norm_pix_loss: false,
      }),
  },
  dinov3_vit: {
    ...vitClassifier('DINOv3ViTModel', (d) =>
      fixed('DINOv3ViTImageProcessor', d, { image_mean: IMAGENET_MEAN, image_std: IMAGENET_STD }),
    ),
    head: 'features',
    extraTokens: 5,
    config: (d) =>
      vitKeys(d, {
        num_register_tokens: 4,
        rope_theta: 100.0,
        layerscale_value: 1.0,
        use_gated_mlp: false,
        layer_norm_eps: 1e-5,
      }),
  },
  // --- hierarchical / hybrid encoders ---
  swin: {
    backbone: 'hybrid',
    head: 'classification',
    architecture: 'SwinForImageClassification',
    processor: (d) =>
      fixed('ViTImageProcessor', d, { image_mean: IMAGENET_MEAN, image_std: IMAGENET_STD, resample: 3 }),
    config: (d) => swinKeys(d),
  },
  'donut-swin': {
    backbone: 'hybrid',
    head: 'features',
    architecture: 'DonutSwinModel',
    processor: (d) => ({
      ...fixed('DonutImageProcessor', d, { do_thumbnail: true, do_align_long_axis: false, do_pad: true }),
    }),
    config: (d) => swinKeys(d, { image_size: [d.image, d.image] }),
  },
  pvt: {
    backbone: 'hybrid',
    head: 'classification',
    architecture: 'PvtForImageClassification',
    processor: (d) => fixed('PvtImageProcessor', d, { image_mean: IMAGENET_MEAN, image_std: IMAGENET_STD }),
    config: (d) => ({
      image_size: d.image,
      num_channels: 3,
      num_encoder_blocks: 2,
      depths: [1, 1],
      sequence_reduction_ratios: [2, 1],
      hidden_sizes: d.stages,
      patch_sizes: [4, 2],
      strides: [4, 2],
      num_attention_heads: [1, d.heads],
      mlp_ratios: [2, 2],
      hidden_act: 'gelu',
      layer_norm_eps: 1e-6,
    }),
  },
  hiera: {
    backbone: 'hybrid',
    head: 'classification',
    architecture: 'HieraForImageClassification',
    processor: (d) => cropped('BitImageProcessor', d),
    config: (d) => ({
      embed_dim: d.stages[0],
      image_size: [d.image, d.image],
      patch_size: [7, 7],
      patch_stride: [4, 4],
      patch_padding: [3, 3],
      mlp_ratio: 2.0,
      depths: [1, 1],
      num_heads: [1, d.heads],
      embed_dim_multiplier: 2.0,
      num_query_pool: 1,
      query_stride: [2, 2],
      masked_unit_size: [8, 8],
      masked_unit_attention: [true, false],
      num_channels: 3,
      hidden_act: 'gelu',
      layer_norm_eps: 1e-6,
    }),
  },
  fastvit: {
    backbone: 'hybrid',
    head: 'classification',
    layout: 'map',
    architecture: 'FastViTForImageClassification',
    processor: (d) => cropped('CLIPImageProcessor', d),
    config: (d) => ({
      image_size: d.image,
      num_channels: 3,
      hidden_sizes: d.stages,
      depths: [1, 1],
      token_mixers: ['repmixer', 'attention'],
      mlp_ratio: 2.0,
      hidden_act: 'gelu',
    }),
  },
  mobilevit: {
    backbone: 'hybrid',
    head: 'classification',
    layout: 'map',
    architecture: 'MobileViTForImageClassification',
    processor: (d) =>
      cropped('MobileViTImageProcessor', d, { do_normalize: false, do_flip_channel_order: true, resample: 2 }),
    config: (d) => ({
      num_channels: 3,
      image_size: d.image,
      patch_size: 2,
      hidden_sizes: [d.hidden],
      neck_hidden_sizes: [...d.stages, d.stages.at(-1)! * 2],
      num_attention_heads: d.heads,
      mlp_ratio: 2.0,
      expand_ratio: 4.0,
      hidden_act: 'silu',
      conv_kernel_size: 3,
      output_stride: 32,
    }),
  },
  mobilevitv2: {
    backbone: 'hybrid',
    head: 'classification',
    layout: 'map',
    architecture: 'MobileViTV2ForImageClassification',
    processor: (d) =>
      cropped('MobileViTImageProcessor', d, { do_normalize: false, do_flip_channel_order: true, resample: 2 }),
    config: (d) => ({
      num_channels: 3,
      image_size: d.image,
      patch_size: 2,
      expand_ratio: 2.0,
      hidden_act: 'swish',
      conv_kernel_size: 3,
      output_stride: 32,
      width_multiplier: 0.5,
      ffn_multiplier: 2.0,
      attn_dropout: 0.0,
    }),
  },
  segformer: {
    backbone: 'hybrid',
    head: 'semantic',
    layout: 'map',
    architecture: 'SegformerForSemanticSegmentation',
    processor: (d) =>
      fixed('SegformerImageProcessor', d, {
        image_mean: IMAGENET_MEAN,
        image_std: IMAGENET_STD,
        do_reduce_labels: false,
      }),
    config: (d) => ({
      num_channels: 3,
      num_encoder_blocks: 2,
      depths: [1, 1],
      sr_ratios: [2, 1],
      hidden_sizes: d.stages,
      patch_sizes: [7, 3],
      strides: [4, 2],
      num_attention_heads: [1, d.heads],
      mlp_ratios: [2, 2],
      hidden_act: 'gelu',
      decoder_hidden_size: d.hidden,
      semantic_loss_ignore_index: 255,
    }),
  },
  // --- convolutional classifiers ---
  resnet: convClassifier('ResNetForImageClassification', convnextProcessor, (d) =>
    convStageKeys(d, {
      embedding_size: d.stages[0],
      layer_type: 'basic',
      hidden_act: 'relu',
      downsample_in_first_stage: false,
    }),
  ),
  convnext: convClassifier('ConvNextForImageClassification', convnextProcessor, (d) =>
    convStageKeys(d, {
      patch_size: 4,
      num_stages: d.stages.length,
      image_size: d.image,
      layer_norm_eps: 1e-12,
      layer_scale_init_value: 1e-6,
      drop_path_rate: 0.0,
    }),
  ),
  convnextv2: convClassifier('ConvNextV2ForImageClassification', convnextProcessor, (d) =>
    convStageKeys(d, {
      patch_size: 4,
      num_stages: d.stages.length,
      image_size: d.image,
      layer_norm_eps: 1e-12,
      drop_path_rate: 0.0,
    }),
  ),
  // regnet: not registered by transformers.js 4.3.2 (no task mapping); it loads through AutoModel's base-class fallback, so image-feature-extraction is what it can pass.
  regnet: convClassifier(
    'RegNetModel',
    convnextProcessor,
    (d) => ({
      num_channels: 3,
      embedding_size: d.stages[0],
      hidden_sizes: d.stages,
      depths: d.stages.map(() => 1),
      groups_width: 8,
      layer_type: 'y',
      hidden_act: 'relu',
    }),
    { head: 'features' },
  ),
  dinov3_convnext: convClassifier(
    'DINOv3ConvNextModel',
    (d) => fixed('DINOv3ViTImageProcessor', d, { image_mean: IMAGENET_MEAN, image_std: IMAGENET_STD }),
    (d) =>
      convStageKeys(d, {
        num_stages: d.stages.length,
        image_size: d.image,
        layer_norm_eps: 1e-6,
        layer_scale_init_value: 1e-6,
      }),
    { head: 'features' },
  ),
  efficientnet: convClassifier(
    'EfficientNetForImageClassification',
    (d) =>
      fixed('EfficientNetImageProcessor', d, {
        image_mean: IMAGENET_MEAN,
        image_std: IMAGENET_STD,
        include_top: true,
        rescale_offset: false,
        resample: 0,
      }),
    (d) => ({
      num_channels: 3,
      image_size: d.image,
      width_coefficient: 0.25,
      depth_coefficient: 0.25,
      depth_divisor: 8,
      kernel_sizes: [3, 3],
      in_channels: [d.stages[0], d.stages[0]],
      out_channels: d.stages,
      depthwise_padding: [],
      strides: [1, 2],
      num_block_repeats: [1, 1],
      expand_ratios: [1, 6],
      squeeze_expansion_ratio: 0.25,
      hidden_act: 'swish',
      hidden_dim: d.stages.at(-1)! * 2,
      pooling_type: 'mean',
      batch_norm_eps: 1e-3,
    }),
  ),
  mobilenet_v1: convClassifier(
    'MobileNetV1ForImageClassification',
    (d) => cropped('MobileNetV1ImageProcessor', d, { image_mean: HALF, image_std: HALF, resample: 2 }),
    (d) => ({
      num_channels: 3,
      image_size: d.image,
      depth_multiplier: 0.25,
      min_depth: 8,
      hidden_act: 'relu6',
      tf_padding: true,
      classifier_dropout_prob: 0.0,
    }),
  ),
  mobilenet_v2: convClassifier(
    'MobileNetV2ForImageClassification',
    (d) => cropped('MobileNetV2ImageProcessor', d, { image_mean: HALF, image_std: HALF, resample: 2 }),
    (d) => ({
      num_channels: 3,
      image_size: d.image,
      depth_multiplier: 0.35,
      depth_divisible_by: 8,
      min_depth: 8,
      expand_ratio: 6.0,
      output_stride: 32,
      first_layer_is_expansion: true,
      finegrained_output: true,
      hidden_act: 'relu6',
      tf_padding: true,
      semantic_loss_ignore_index: 255,
    }),
  ),
  mobilenet_v3: convClassifier(
    'MobileNetV3ForImageClassification',
    (d) => cropped('MobileNetV3ImageProcessor', d),
    (d) => ({
      num_channels: 3,
      image_size: d.image,
      architecture: 'mobilenetv3_small_050',
      num_features: d.stages.at(-1)! * 2,
    }),
    {},
  ),
  mobilenet_v4: convClassifier(
    'MobileNetV4ForImageClassification',
    (d) => cropped('MobileNetV4ImageProcessor', d),
    (d) => ({
      num_channels: 3,
      image_size: d.image,
      architecture: 'mobilenetv4_conv_small',
      num_features: d.stages.at(-1)! * 2,
    }),
  ),
  // --- object detection ---
  detr: {
    backbone: 'conv',
    head: 'detection',
    architecture: 'DetrForObjectDetection',
    pixelMask: true,
    processor: (d) => detrProcessor('DetrImageProcessor', d),
    config: (d) => detrKeys(d),
  },
  'table-transformer': {
    backbone: 'conv',
    head: 'detection',
    architecture: 'TableTransformerForObjectDetection',
    pixelMask: true,
    processor: (d) => detrProcessor('DetrFeatureExtractor', d, 'feature_extractor_type'),
    config: (d) => detrKeys(d),
  },
  yolos: {
    backbone: 'vit',
    head: 'detection',
    extraTokens: 6,
    architecture: 'YolosForObjectDetection',
    processor: (d) => ({ ...detrProcessor('YolosImageProcessor', d), do_pad: false }),
    config: (d) => vitKeys(d, { num_detection_tokens: 5, use_mid_position_embeddings: false, auxiliary_loss: false }),
  },
  rt_detr: {
    backbone: 'conv',
    head: 'detection',
    architecture: 'RTDetrForObjectDetection',
    processor: (d) => fixed('RTDetrImageProcessor', d, { do_normalize: false, resample: 2 }),
    config: (d) =>
      detrKeys(d, {
        num_queries: 5,
        encoder_hidden_dim: d.hidden,
        decoder_layers: d.layers,
        num_feature_levels: 1,
        feat_strides: [8, 16],
        use_focal_loss: true,
      }),
  },
  rt_detr_v2: {
    backbone: 'conv',
    head: 'detection',
    architecture: 'RTDetrV2ForObjectDetection',
    processor: (d) => fixed('RTDetrImageProcessor', d, { do_normalize: false, resample: 2 }),
    config: (d) =>
      detrKeys(d, {
        num_queries: 5,
        encoder_hidden_dim: d.hidden,
        num_feature_levels: 1,
        decoder_n_levels: 1,
        decoder_offset_scale: 0.5,
        decoder_method: 'default',
        use_focal_loss: true,
      }),
  },
  d_fine: {
    backbone: 'conv',
    head: 'detection',
    architecture: 'DFineForObjectDetection',
    processor: (d) => fixed('RTDetrImageProcessor', d, { do_normalize: false, resample: 2 }),
    config: (d) =>
      detrKeys(d, {
        num_queries: 5,
        encoder_hidden_dim: d.hidden,
        num_feature_levels: 1,
        max_num_bins: 8,
        reg_scale: 4.0,
        use_focal_loss: true,
      }),
  },
  rf_detr: {
    backbone: 'vit',
    head: 'detection',
    extraTokens: 1,
    architecture: 'RFDetrForObjectDetection',
    processor: (d) => fixed('RTDetrImageProcessor', d, { image_mean: IMAGENET_MEAN, image_std: IMAGENET_STD }),
    config: (d) =>
      detrKeys(d, {
        num_queries: 5,
        backbone_config: { model_type: 'dinov2_with_registers', ...vitKeys(d, { num_register_tokens: 0 }) },
        group_detr: 1,
        two_stage: true,
      }),
  },
  // --- dense prediction ---
  dpt: {
    backbone: 'vit',
    head: 'depth',
    extraTokens: 1,
    architecture: 'DPTForDepthEstimation',
    processor: (d) => fixed('DPTImageProcessor', d),
    config: (d) =>
      vitKeys(d, {
        neck_hidden_sizes: [d.hidden, d.hidden],
        reassemble_factors: [2, 1],
        fusion_hidden_size: d.hidden,
        backbone_out_indices: [0, 1],
        readout_type: 'project',
        is_hybrid: false,
      }),
  },
  depth_anything: {
    backbone: 'vit',
    head: 'depth',
    extraTokens: 1,
    architecture: 'DepthAnythingForDepthEstimation',
    processor: (d) =>
      fixed('DPTImageProcessor', d, {
        image_mean: IMAGENET_MEAN,
        image_std: IMAGENET_STD,
        keep_aspect_ratio: true,
        ensure_multiple_of: d.patch,
        resample: 3,
      }),
    config: (d) => depthKeys(d, { neck_hidden_sizes: [d.hidden, d.hidden], reassemble_factors: [2, 1], max_depth: 1 }),
  },
  depth_pro: {
    backbone: 'vit',
    head: 'depth',
    extraTokens: 1,
    architecture: 'DepthProForDepthEstimation',
    processor: (d) => fixed('DPTImageProcessor', d),
    config: (d) => ({
      fusion_hidden_size: d.hidden,
      patch_size: d.patch,
      intermediate_hook_ids: [0],
      intermediate_feature_dims: [d.hidden],
      scaled_images_ratios: [0.5, 1.0],
      scaled_images_overlap_ratios: [0.0, 0.0],
      scaled_images_feature_dims: [d.hidden, d.hidden],
      use_fov_model: false,
      image_model_config: { model_type: 'dinov2', ...vitKeys(d) },
      patch_model_config: { model_type: 'dinov2', ...vitKeys(d) },
    }),
  },
  glpn: {
    backbone: 'hybrid',
    head: 'depth',
    layout: 'map',
    architecture: 'GLPNForDepthEstimation',
    processor: () => ({
      feature_extractor_type: 'GLPNFeatureExtractor',
      do_resize: true,
      size_divisor: 32,
      resample: 2,
      do_rescale: true,
    }),
    config: (d) => ({
      num_channels: 3,
      num_encoder_blocks: 2,
      depths: [1, 1],
      sr_ratios: [2, 1],
      hidden_sizes: d.stages,
      patch_sizes: [7, 3],
      strides: [4, 2],
      num_attention_heads: [1, d.heads],
      mlp_ratios: [2, 2],
      hidden_act: 'gelu',
      decoder_hidden_size: d.hidden,
      max_depth: 10,
      head_in_index: -1,
    }),
  },
  chmv2: {
    backbone: 'vit',
    head: 'depth',
    extraTokens: 1,
    architecture: 'CHMv2ForDepthEstimation',
    processor: (d) => fixed('CHMv2ImageProcessor', d, { image_mean: IMAGENET_MEAN, image_std: IMAGENET_STD }),
    config: (d) => depthKeys(d, { max_depth: 96 }),
  },
  metric3d: {
    backbone: 'conv',
    head: 'depth',
    architecture: 'Metric3DForDepthEstimation',
    processor: (d) => fixed('DPTImageProcessor', d, { image_mean: IMAGENET_MEAN, image_std: IMAGENET_STD }),
    config: (d) => ({
      backbone_config: { model_type: 'convnext', ...convStageKeys(d) },
      depth_bins: 16,
      min_depth: 0.1,
      max_depth: 200,
    }),
  },
  metric3dv2: {
    backbone: 'vit',
    head: 'depth',
    extraTokens: 1,
    architecture: 'Metric3Dv2ForDepthEstimation',
    processor: (d) => fixed('DPTImageProcessor', d, { image_mean: IMAGENET_MEAN, image_std: IMAGENET_STD }),
    config: (d) => depthKeys(d, { depth_bins: 16, min_depth: 0.1, max_depth: 200 }),
  },
  sapiens: {
    backbone: 'vit',
    head: 'semantic',
    extraTokens: 0,
    layout: 'tokens',
    architecture: 'SapiensForSemanticSegmentation',
    processor: (d) => fixed('SapiensImageProcessor', d, { image_mean: IMAGENET_MEAN, image_std: IMAGENET_STD }),
    config: (d) => vitKeys(d),
  },
  maskformer: {
    backbone: 'conv',
    head: 'panoptic',
    architecture: 'MaskFormerForInstanceSegmentation',
    processor: (d) =>
      fixed('MaskFormerImageProcessor', d, {
        image_mean: IMAGENET_MEAN,
        image_std: IMAGENET_STD,
        size_divisibility: 32,
        ignore_index: 255,
        do_reduce_labels: false,
      }),
    config: (d) => ({
      mask_feature_size: d.hidden,
      no_object_weight: 0.1,
      num_queries: 5,
      backbone_config: { model_type: 'swin', ...swinKeys(d) },
      decoder_config: { model_type: 'detr', ...detrKeys(d) },
    }),
  },
  // --- background removal (a single mask output; the pipeline reads the first output) ---
  modnet: {
    backbone: 'conv',
    head: 'mask',
    architecture: 'MODNet',
    inputName: 'input',
    outputName: 'output',
    processor: (d) => fixed('ImageFeatureExtractor', d, {}, 'feature_extractor_type'),
    config: () => ({}),
  },
  ben: {
    backbone: 'conv',
    head: 'mask',
    architecture: 'BEN',
    outputName: 'output',
    processor: (d) =>
      fixed(
        'ImageFeatureExtractor',
        d,
        { image_mean: IMAGENET_MEAN, image_std: IMAGENET_STD },
        'feature_extractor_type',
      ),
    config: () => ({}),
  },
  birefnet: {
    backbone: 'hybrid',
    head: 'mask',
    architecture: 'BiRefNet',
    outputName: 'output_image',
    processor: (d) =>
      fixed(
        'ImageFeatureExtractor',
        d,
        { image_mean: IMAGENET_MEAN, image_std: IMAGENET_STD },
        'feature_extractor_type',
      ),
    config: () => ({}),
  },
  isnet: {
    backbone: 'conv',
    head: 'mask',
    architecture: 'ISNetDIS',
    outputName: 'output',
    processor: (d) =>
      fixed('ImageFeatureExtractor', d, { image_mean: HALF, image_std: [1, 1, 1] }, 'feature_extractor_type'),
    config: () => ({}),
  },
  // --- image to image, matting, pose, text recognition ---
  swin2sr: {
    backbone: 'hybrid',
    head: 'super-resolution',
    layout: 'map',
    architecture: 'Swin2SRForImageSuperResolution',
    processor: () => ({
      image_processor_type: 'Swin2SRImageProcessor',
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_pad: true,
      pad_size: 8,
    }),
    config: (d) => ({
      image_size: d.image,
      patch_size: 1,
      num_channels: 3,
      embed_dim: d.stages[0],
      depths: [1],
      num_heads: [d.heads],
      window_size: 8,
      mlp_ratio: 2.0,
      upscale: 2,
      img_range: 1.0,
      resi_connection: '1conv',
      upsampler: 'pixelshuffle',
    }),
  },
  vitmatte: {
    backbone: 'conv',
    head: 'matting',
    architecture: 'VitMatteForImageMatting',
    processor: () => ({
      image_processor_type: 'VitMatteImageProcessor',
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      image_mean: HALF,
      image_std: HALF,
      do_pad: true,
      size_divisibility: 32,
    }),
    config: (d) => ({
      backbone_config: { model_type: 'vitdet', ...vitKeys(d, { num_channels: 4 }) },
      hidden_size: d.hidden,
      convstream_hidden_sizes: d.stages,
      fusion_hidden_sizes: d.stages,
    }),
  },
  vitpose: {
    backbone: 'vit',
    head: 'pose',
    extraTokens: 0,
    architecture: 'VitPoseForPoseEstimation',
    processor: (d) => ({
      image_processor_type: 'VitPoseImageProcessor',
      do_affine_transform: false,
      size: { height: d.image, width: d.image },
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      image_mean: IMAGENET_MEAN,
      image_std: IMAGENET_STD,
    }),
    config: (d) => ({
      backbone_config: { model_type: 'vitpose_backbone', ...vitKeys(d, { out_indices: [d.layers] }) },
      scale_factor: 4,
      use_simple_decoder: true,
    }),
  },
  'mgp-str': {
    backbone: 'vit',
    head: 'text-recognition',
    extraTokens: 1,
    architecture: 'MgpstrForSceneTextRecognition',
    processor: (d) => fixed('ViTImageProcessor', d, { size: { height: d.image, width: d.image * 2 }, resample: 3 }),
    config: (d) => ({
      ...vitKeys(d, { image_size: [d.image, d.image * 2] }),
      max_token_length: 8,
      num_character_labels: 38,
      num_bpe_labels: 64,
      num_wordpiece_labels: 48,
      mlp_ratio: d.inner / d.hidden,
    }),
  },
};

export const VISION_TYPES = [...Object.keys(VISION_SPECS), ...Object.keys(SAM_SPECS)];

/** Types synthesized here that transformers.js does not register (the issue asks for them; they pass through AutoModel's fallback). */
export const NOT_IN_TRANSFORMERS_JS = ['regnet'];

/**
 * Types of the vision family that this plugin does not synthesize, with the reason (none today:
 * the SAM family is synthesized in sam.ts).
 */
export const VISION_UNCOVERED: Record<string, string> = {};
