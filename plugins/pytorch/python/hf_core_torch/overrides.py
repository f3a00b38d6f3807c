"""Per-type values the generic shrink cannot guess (values as in transformers' own
`*ModelTester` defaults). Keys of "config" are dotted paths into the config dict; "class" forces
the model class; "inputs" adds seeded tensors ("B" is the batch) or drops some; "skip" names the
checks that do not apply to the type and why; "masked" names outputs that hold -inf by design
(masked logits: the finite check still fails them on NaN or +inf)."""

_FORECASTER = {"config": {"prediction_length": 4, "context_length": 8, "lags_sequence": [1, 2, 3], "num_time_features": 1}}

# Multimodal rotary sections (temporal, height, width) must add up to half the tiny head (8 / 2).
_MROPE = {"config": {"rope_parameters.mrope_section": [1, 1, 2]}}
_MROPE_TEXT = {"config": {"text_config.rope_parameters.mrope_section": [1, 1, 2]}}
# GLM-4V MoE rotates half of each head: 2 heads of 16 keep 4 rotary pairs for the 3 sections.
_MROPE_HALF = {"config": {"rope_parameters.mrope_section": [1, 1, 2], "num_attention_heads": 2}}
_MROPE_HALF_TEXT = {"config": {"text_config.rope_parameters.mrope_section": [1, 1, 2], "text_config.num_attention_heads": 2}}

# Chameleon / Emu3 map VQ codes to BPE tokens through the vocabulary map: "<image>" and a few
# "IMGIMG<code>Z" tokens (ChameleonModelTester: image token 4, 5 codes from token 10).
_IMAGE_VOCAB = {"<image>": 4, **{f"IMGIMG{''.join(chr(65 + int(c)) for c in str(i))}Z": i for i in range(10, 15)}}

_KEYPOINTS = "SuperPoint keeps a different number of keypoints per image, padded to the batch's largest"
_DETR = {"config": {"num_queries": 10, "encoder_in_channels": [32, 64, 128], "encoder_hidden_dim": 32,
                    "decoder_in_channels": [32, 32, 32]}}
# VITS: a small HiFi-GAN (VitsModelTester widths) and no sampling noise, so a forward is a function.
_VITS = {"config": {"flow_size": 16, "upsample_initial_channel": 16, "duration_predictor_filter_channels": 16,
                     "upsample_rates": [8, 2], "upsample_kernel_sizes": [16, 4], "noise_scale": 0.0,
                     "noise_scale_duration": 0.0}}
_ONE_SEQUENCE = "the encoder concatenates every image's patches into one sequence of batch 1 (no batch axis)"
_FLAT_PATCHES = {"inputs": {"randn": {"hidden_states": [16, 96]}, "values": {"grid_thw": [[1, 4, 4]]}},
                 "skip": {"output-shapes": _ONE_SEQUENCE, "batch-equivalence": _ONE_SEQUENCE}}
# DETR-style detectors default to a timm ResNet-50 (timm is not installed); their testers build
# a tiny transformers ResNet instead (DetrModelTester: widths 10-40, the last 3 stages read).
_RESNET_BACKBONE = {"model_type": "resnet", "num_channels": 3, "embeddings_size": 10, "hidden_sizes": [10, 20, 30, 40],
                    "depths": [1, 1, 2, 1], "hidden_act": "relu", "out_features": ["stage2", "stage3", "stage4"],
                    "out_indices": [2, 3, 4]}
_TIMM_FREE = {"config": {"use_timm_backbone": False, "backbone": None, "backbone_config": _RESNET_BACKBONE,
                         "num_queries": 10}}
# Grounding DINO scores every query against max_text_len text positions and fills those past the
# text with -inf (GroundingDinoContrastiveEmbedding); its extra 1/64 level needs 128 px images for
# its GroupNorm to see more than one value per group in a batch of 1.
_TEXT_PADDED = "the logits of text positions past the prompt are -inf by design (masked)"
_GROUNDING = {"config": {"num_queries": 10}, "inputs": {"rand": {"pixel_values": ["B", 3, 128, 128]}},
              "masked": {"enc_outputs_class": _TEXT_PADDED, "encoder_logits": _TEXT_PADDED, "logits": _TEXT_PADDED}}
# SAM 2's Hiera at 64 px: 4 stages of 1, 1, 2, 1 blocks (strides 4 to 32, 16 to 128 wide), windows
# that fit each stage's grid, the third stage's second block global (a stage's first block pools).
# The FPN reads strides 4, 8 and 16 (16, 8, 4 px grids); the prompt encoder's image embedding is
# the stride-16 grid.
_HIERA = {"image_size": [64, 64], "hidden_size": 16, "embed_dim_per_stage": [16, 32, 64, 128],
          "num_attention_heads_per_stage": [1, 1, 2, 2], "blocks_per_stage": [1, 1, 2, 1],
          "window_size_per_stage": [4, 2, 2, 1], "global_attention_blocks": [3],
          "window_positional_embedding_background_size": [2, 2]}
_SAM2_VISION = {"backbone_channel_list": [128, 64, 32, 16], "backbone_feature_sizes": [[16, 16], [8, 8], [4, 4]]}


def _prefixed(prefix: str, values: dict) -> dict:
    return {f"{prefix}.{k}": v for k, v in values.items()}


_SAM2 = {"config": {**_prefixed("vision_config.backbone_config", _HIERA), **_prefixed("vision_config", _SAM2_VISION),
                    "prompt_encoder_config.image_size": 64, "prompt_encoder_config.patch_size": 16},
         "inputs": {"rand": {"pixel_values": ["B", 3, 64, 64]}}}
# SAM 3's tracker: a ViT of 8 x 8 patches at 32 px, its FPN at 4x, 2x and 1x that grid.
_SAM3_TRACKER = {"config": {"vision_config.backbone_feature_sizes": [[32, 32], [16, 16], [8, 8]],
                            "vision_config.backbone_config.global_attn_indexes": [1],
                            "prompt_encoder_config.image_size": 32, "prompt_encoder_config.patch_size": 4}}
_QUERIES = {"config": {"num_query_tokens": 2, "image_token_index": 98}, "inputs": {"prefix": {"input_ids": [98, 98]}}}

OVERRIDES: dict[str, dict] = {
    # ZoeDepth's metric head reads the neck's fused features: its bottleneck is that width (32).
    "zoedepth": {"config": {"bottleneck_features": 32}},
    # Voxtral fills its text config from defaults that fix head_dim (128) and kv heads (8): 32 / 4 and 2.
    "voxtral": {"config": {"text_config.head_dim": 8, "text_config.num_key_value_heads": 2}},
    # GPT-Neo's layer kinds come as [[kinds, repeats]]: one global and one local layer.
    "gpt_neo": {"config": {"attention_types": [[["global", "local"], 1]]}},
    # One codebook, so decoder_input_ids [batch x codebooks, seq] keep the batch first.
    "musicgen": {"class": "MusicgenForConditionalGeneration", "config": {"decoder.num_codebooks": 1}},
    "musicgen_melody": {"class": "MusicgenMelodyForConditionalGeneration", "config": {"decoder.num_codebooks": 1},
                        "skip": {"padding-invariance": "MusicGen Melody's logits span the prepended text conditioning too, "
                                                       "so their length follows the text's padded length"}},
    # DbrxAttention reads rope_theta off the attention sub-config (DbrxModelTester passes it there).
    "dbrx": {"config": {"attn_config.rope_theta": 10000.0, "attn_config.kv_n_heads": 2,
                      "attn_config.clip_qkv": 8.0}},
    "dots1": {"config": {"n_routed_experts": 4, "num_experts_per_tok": 2, "n_shared_experts": 1}},
    # No default layer kinds: one short-convolution and one attention layer, the first dense.
    "lfm2_moe": {"config": {"layer_types": ["conv", "full_attention"], "num_dense_layers": 1}},
    # The last layers reuse the kv of earlier layers of their kind: 4 layers, the last 2 share.
    "gemma3n_text": {"config": {"num_hidden_layers": 4, "num_kv_shared_layers": 2,
                                "layer_types": ["sliding_attention", "full_attention"] * 2,
                                "activation_sparsity_pattern": [0.95, 0.0, 0.0, 0.0], "intermediate_size": [64] * 4}},
    # Zamba's first three layers are fixed (two Mamba, one hybrid); a second hybrid layer shares
    # the first one's transformer (ZambaModelTester: attention every layer past the third).
    "zamba": {"config": {"num_hidden_layers": 4, "layers_block_type": ["linear_attention", "linear_attention", "hybrid", "hybrid"]}},
    "chameleon": {"config": {"vocabulary_map": _IMAGE_VOCAB, "vq_config.num_embeddings": 5, "vq_config.embed_dim": 5,
                             "vq_config.latent_channels": 5, "vq_config.base_channels": 32,
                             "vq_config.channel_multiplier": [1, 2]}},
    "emu3": {"config": {"vocabulary_map": _IMAGE_VOCAB, "vq_config.codebook_size": 5, "vq_config.base_channels": 32,
                        "vq_config.channel_multiplier": [1, 1], "vq_config.hidden_size": 32,
                        "vq_config.attn_resolutions": [], "vq_config.num_res_blocks": 1}},
    "qwen2_vl_text": _MROPE,
    "qwen2_5_vl_text": _MROPE,
    "glm4v_text": _MROPE,
    "glm4v_moe_text": _MROPE_HALF,
    "qwen2_vl": _MROPE_TEXT,
    "qwen2_5_vl": _MROPE_TEXT,
    "glm4v": _MROPE_TEXT,
    "glm4v_moe": _MROPE_HALF_TEXT,
    "glm46v": _MROPE_TEXT,
    "time_series_transformer": _FORECASTER,
    "informer": _FORECASTER,
    # AST takes a spectrogram [batch, frames, mel bins] (ASTModelTester: max_length 24, 16 mel bins).
    "audio-spectrogram-transformer": {
        "config": {"max_length": 24, "num_mel_bins": 16, "patch_size": 2, "frequency_stride": 2, "time_stride": 2},
        "inputs": {"randn": {"input_values": ["B", 24, 16]}},
    },
    # Attention (and experts) every 2nd layer, so 2 layers hold one of each (JambaModelTester: 2 / 1).
    "jamba": {"config": {"attn_layer_period": 2, "attn_layer_offset": 1, "expert_layer_period": 2, "expert_layer_offset": 1}},
    "deepseek_v2": {"config": {"num_experts_per_tok": 2, "n_group": 1, "topk_group": 1}},
    "esm": {"config": {"pad_token_id": 1, "mask_token_id": 2}},
    # Random patch masking unless the noise is given (as ViTMAEModelTester does).
    "vit_mae": {"inputs": {"randn": {"noise": ["B", 64]}}},
    # ViLT samples image patches at random up to max_image_length; -1 keeps them all, in a random
    # order (multinomial without replacement): the per-token states move, the pooled [CLS] does not.
    "vilt": {"config": {"max_image_length": -1}, "output": "pooler_output"},
    # AudioFlamingo3's encoder masks its mel frames (2 x 30 positions).
    "audioflamingo3_encoder": {"config": {"max_source_positions": 30},
                               "inputs": {"full": {"input_features_mask": (1, ["B", 60])}}},
    # Vision models whose token grid is not image / patch_size with the generic 32 px and 4 px.
    # LeViT's patch is its 4 stride-2 convolutions (16 px); LevitModelTester: 64 px images.
    "levit": {"config": {"image_size": 64, "patch_size": 16}},
    # Hiera's 7 px patches overlap by 3 px at a 4 px stride, and mask units of 8 tokens pool by 2
    # per stage (HieraModelTester: 64 px images).
    "hiera": {"config": {"image_size": [64, 64], "patch_size": [7, 7], "patch_stride": [4, 4], "patch_padding": [3, 3]}},
    # ViTPose's patch convolution pads by 2: 8 px patches keep the grid at image / patch.
    "vitpose_backbone": {"config": {"patch_size": [8, 8]}},
    "vitpose": {"config": {"backbone_config.patch_size": [8, 8]}},
    # MobileViTV2 unfolds 2 px patches at output stride 32: the last stage needs 64 px images.
    "mobilevitv2": {"config": {"image_size": 64, "width_multiplier": 0.25, "n_attn_blocks": [1, 1, 1]}},
    # EfficientNet's head is round_filters(1280) wide: hidden_dim must equal it (320 at width 0.25).
    "efficientnet": {"config": {"width_coefficient": 0.25, "depth_coefficient": 1.0, "hidden_dim": 320}},
    # TextNet's stem feeds the first stage: its width is hidden_sizes[0].
    "textnet": {"config": {"stem_out_channels": 16}},
    # LayoutLMv3 concatenates 4 coordinate and 2 shape embeddings into the width: 4 x 4 + 2 x 8 = 32.
    "layoutlmv3": {"config": {"coordinate_size": 4, "shape_size": 8}},
    # BridgeTower's vision blocks have width // 64 heads (BridgeTowerModelTester: vision width 64).
    "bridgetower": {"config": {"vision_config.hidden_size": 64}},
    # ALIGN's image embedding is its EfficientNet's last block pooled (round_filters(320) wide): the
    # text projection must reach the same width (80 at width 0.25).
    "align": {"config": {"vision_config.width_coefficient": 0.25, "vision_config.depth_coefficient": 1.0,
                         "vision_config.hidden_dim": 80, "projection_dim": 80}},
    # TVP pads frames to max_img_size with a learned prompt; its column position embeddings are
    # viewed with the batch size (TvpVisualInputEmbedding.add_2d_positional_embeddings in
    # transformers 5.18.0), so only a batch of 1 runs.
    "tvp": {"config": {"max_img_size": 64, "visual_prompt_size": 4},
            "inputs": {"batch": 1, "randn": {"pixel_values": ["B", 4, 3, 64, 64]}},
            "skip": {"batch-equivalence": "transformers 5.18.0's TVP runs a batch of 1 only (column position "
                                          "embeddings viewed as [batch, 1, width, hidden])",
                     "padding-invariance": "TVP's output concatenates text, visual prompt and frame tokens, so its "
                                           "length follows the padded text"}},
    # CLAP's audio tower folds a [time, mel] spectrogram into a spec_size square of 2 px patches,
    # a Swin whose last stage is patch_embeds_hidden_size x 2^(stages - 1) wide (ClapAudioModelTester).
    "clap": {"config": {"audio_config.spec_size": 64, "audio_config.num_mel_bins": 16, "audio_config.window_size": 4,
                        "audio_config.patch_size": 2, "audio_config.patch_stride": 2,
                        "audio_config.patch_embeds_hidden_size": 32, "audio_config.hidden_size": 256,
                        "audio_config.num_attention_heads": [2, 2, 2, 2]},
             "inputs": {"randn": {"input_features": ["B", 1, 128, 16]}}},
    # Layout models read a box per token: BROS [x0, y0, x1, y1] floats, LiLT's layout stream a
    # width that splits in 6 coordinate embeddings and in channel_shrink_ratio (LiltModelTester: 24).
    "bros": {"config": {"hidden_size": 64}, "inputs": {"randn": {"bbox": ["B", 7, 4]}}},
    "lilt": {"config": {"hidden_size": 24, "num_attention_heads": 6}},
    # LXMERT takes region features and boxes next to the tokens (LxmertModelTester: 1 layer per stream).
    "lxmert": {"config": {"visual_feat_dim": 16, "l_layers": 1, "x_layers": 1, "r_layers": 1},
               "inputs": {"randn": {"visual_feats": ["B", 5, 16], "visual_pos": ["B", 5, 4]}}},
    # Speech2Text convolves [batch, frames, 80 filterbank features] (not Whisper's [batch, mel, frames]).
    "speech_to_text": {"inputs": {"randn": {"input_features": ["B", 40, 80]}}},
    # SigLIP2 takes images as flattened patches with their grid (8 x 8 patches of 4 x 4 x 3).
    "siglip2": {"config": {"vision_config.num_patches": 64},
                "inputs": {"randn": {"pixel_values": ["B", 64, 48]}, "full": {"pixel_attention_mask": (1, ["B", 64]),
                                                                         "spatial_shapes": (8, ["B", 2])}}},
    "siglip2_vision_model": {"config": {"num_patches": 64},
                             "inputs": {"randn": {"pixel_values": ["B", 64, 48]},
                                        "full": {"pixel_attention_mask": (1, ["B", 64]), "spatial_shapes": (8, ["B", 2])}}},
    # Neural audio codecs take mono waveforms [batch, 1, samples].
    "dac": {"inputs": {"randn": {"input_values": ["B", 1, 3200]}}},
    "encodec": {"inputs": {"randn": {"input_values": ["B", 1, 3200]}}},
    "xcodec": {"inputs": {"randn": {"input_values": ["B", 1, 3200]}}},
    # Mimi's upsampling is a depthwise transposed convolution: one group per channel of the width.
    "csm": {"config": {"codec_config.upsample_groups": 32}},
    "kyutai_speech_to_text": {"config": {"codec_config.upsample_groups": 32}},
    # X-MOD routes each row through its language's adapter: language 0.
    "xmod": {"inputs": {"full": {"lang_ids": (0, ["B"])}}},
    # V-JEPA 2 takes clips [batch, frames, channels, height, width] (VJEPA2ModelTester: 2 frame tubelets).
    "vjepa2": {"config": {"crop_size": 32, "frames_per_clip": 4, "patch_size": 4, "tubelet_size": 2},
               "inputs": {"randn": {"pixel_values_videos": ["B", 4, 3, 32, 32]}}},
    # w2v-BERT 2.0 takes stacked filterbanks [batch, frames, 2 x 80].
    "wav2vec2-bert": {"inputs": {"randn": {"input_features": ["B", 40, 160]}}},
    # UnivNet draws its noise unless given: the same noise for every forward.
    "univnet": {"inputs": {"randn": {"input_features": ["B", 20, 100], "noise_sequence": ["B", 20, 64]}}},
    # CLVP's speech encoder convolves [batch, 80 mel, frames].
    "clvp": {"inputs": {"randn": {"input_features": ["B", 80, 60]}}},
    # Q-Former alone: learned queries come from the caller (Blip2QFormerModelTester: 4 queries).
    # InstructBLIP's Q-Former reads the instruction too.
    # The language model reads the Q-Former's query outputs in place of image placeholder tokens:
    # 2 queries (1 per frame for video, 4 frames), placeholders first.
    "blip-2": _QUERIES,
    "instructblip": {"config": _QUERIES["config"],
                     "inputs": {**_QUERIES["inputs"], "randint": {"qformer_input_ids": (99, ["B", 7])}}},
    "instructblipvideo": {"config": {"num_query_tokens": 1, "video_token_index": 98},
                          "inputs": {"prefix": {"input_ids": [98] * 4}, "randint": {"qformer_input_ids": (99, ["B", 7])},
                                     "randn": {"pixel_values": ["B", 4, 3, 32, 32]}}},
    "blip_2_qformer": {"inputs": {"randn": {"query_embeds": ["B", 4, 32], "encoder_hidden_states": ["B", 16, 32]}}},
    # Pix2Struct takes flattened patches [row, column, 4 x 4 x 3 pixels]; the ids in [0, 1) are row 0, column 0.
    # Dia's decoder reads one token per codebook channel (9).
    "dia": {"inputs": {"randint": {"decoder_input_ids": (99, ["B", 5, 9])}}},
    # Decision Transformer reads trajectories: states, actions, rewards, returns to go, timesteps.
    "decision_transformer": {"inputs": {"randn": {"states": ["B", 7, 17], "actions": ["B", 7, 4], "rewards": ["B", 7, 1],
                                                  "returns_to_go": ["B", 7, 1]},
                                        "randint": {"timesteps": (10, ["B", 7])}, "full": {"attention_mask": (1, ["B", 7])}}},
    # Gemma 3n's audio encoder takes mel frames and a mask (True: padding).
    "gemma3n_audio": {"inputs": {"randn": {"audio_mel": ["B", 16, 128]}, "full": {"audio_mel_mask": (False, ["B", 16])}}},
    # SegGPT stacks a prompt image over the input: images twice as tall as wide.
    # Its encoder runs the input and the prompt as two halves of one batch until layer merge_index
    # averages them (SegGptModelTester: merge at layer 0 of 2): past the last layer the batch stays doubled.
    "seggpt": {"config": {"image_size": [64, 32], "merge_index": 0, "intermediate_hidden_state_indices": [0, 1]},
               "inputs": {"randn": {"pixel_values": ["B", 3, 32, 32], "prompt_pixel_values": ["B", 3, 32, 32],
                                    "prompt_masks": ["B", 3, 32, 32]}}},
    # Keypoint matchers take image pairs [batch, 2, channels, height, width].
    "lightglue": {"inputs": {"rand": {"pixel_values": ["B", 2, 3, 64, 64]}}, "skip": {"batch-equivalence": _KEYPOINTS}},
    # IDEFICS takes images per row [batch, images, channels, height, width].
    # KOSMOS-2 places its latent image queries where the position mask is 1 (4 queries, positions 1-4).
    "kosmos-2": {"config": {"latent_query_num": 4}, "inputs": {"span": {"image_embeds_position_mask": (1, 1, 5, ["B", 7])}}},
    "idefics": {"inputs": {"randn": {"pixel_values": ["B", 1, 3, 32, 32]}, "full": {"image_attention_mask": (1, ["B", 7, 1])}}},
    "mimi": {"config": {"upsample_groups": 32}, "inputs": {"randn": {"input_values": ["B", 1, 3200]}}},
    "superglue": {"config": {"keypoint_detector_config.descriptor_decoder_dim": 32},
                  "inputs": {"rand": {"pixel_values": ["B", 2, 3, 64, 64]}},
                  "skip": {"batch-equivalence": _KEYPOINTS}},
    "efficientloftr": {"config": {"out_features": [16, 16, 32, 32], "hidden_size": 32},
                       "inputs": {"rand": {"pixel_values": ["B", 2, 3, 64, 64]}}},
    "pix2struct": {"config": {"vision_config.patch_embed_hidden_size": 48},
                   "inputs": {"rand": {"flattened_patches": ["B", 16, 50]}}},
    "pop2piano": {"inputs": {"drop": ["input_ids", "attention_mask"], "randn": {"input_features": ["B", 7, 32]}},
                  "skip": {"generate-cache": "Pop2Piano's generate needs its checkpoint's composer_to_feature_token map "
                                             "(generation_config.json on the hub; runs are offline)"}},
    # Autoformer's decoder starts from the last label_length steps of the context (8 here).
    "autoformer": {"config": {**_FORECASTER["config"], "label_length": 4}},
    # Reformer: axial positions whose factors multiply to the positions and whose widths sum to the
    # width; fixed LSH rotations (hash_seed, as ReformerModelTester) so a forward is a function.
    "reformer": {"config": {"axial_pos_shape": [8, 16], "axial_pos_embds_dim": [16, 16], "attn_layers": ["local", "lsh"],
                            "hash_seed": 0, "is_decoder": False}},
    # A hybrid needs one attention layer among its 2 (BambaModelTester: attention at layer 1).
    "bamba": {"config": {"attn_layer_indices": [1]}},
    # Pop2Piano generates from audio features [batch, frames, width], not from tokens.
    "shieldgemma2": {"class": "ShieldGemma2ForImageClassification"},
    # X-CLIP's text embeddings are per (video, text) pair: the per-video embedding is the row's output.
    "xclip": {"output": "video_embeds"},
    # Outputs whose length depends on each row's content: no row of a batch equals the row alone in shape.
    "superpoint": {"skip": {"batch-equivalence": _KEYPOINTS}},
    "fastspeech2_conformer": {"skip": {
        "batch-equivalence": "the spectrogram's length follows each row's predicted durations, padded to the batch's longest",
        "padding-invariance": "the spectrogram's length follows the predicted durations of every token, pads included"}},
    "imagegpt": {"skip": {"padding-invariance": "ImageGPT's classifier averages the hidden states of every position, "
                                                "pads included (ImageGPTForImageClassification)"}},
    "funnel": {"skip": {"padding-invariance": "Funnel pools pairs of positions: pads share pooled blocks with real tokens"}},
    # DETR-like detectors pick their top num_queries encoder tokens: fewer than a 32 px image has
    # (RTDetrModelTester: 10 queries); the encoder reads the backbone's last 3 stages.
    "rt_detr": _DETR,
    "rt_detr_v2": _DETR,
    # D-FINE's HGNetV2 stages: the encoder reads the last 3 stages' outputs (DFineModelTester widths).
    "d_fine": {"config": {**_DETR["config"], "encoder_in_channels": [128, 256, 512],
                          "backbone_config.stem_channels": [3, 16, 16],
                          "backbone_config.stage_in_channels": [16, 64, 128, 256],
                          "backbone_config.stage_mid_channels": [16, 32, 64, 128],
                          "backbone_config.stage_out_channels": [64, 128, 256, 512],
                          "backbone_config.hidden_sizes": [64, 128, 256, 512]}},
    "detr": _TIMM_FREE,
    "conditional_detr": _TIMM_FREE,
    "dab-detr": _TIMM_FREE,
    # Deformable DETR adds a stride-2 level past the backbone's last (1/64): at 128 px it is 2 x 2, so
    # each of its GroupNorm's 32 groups normalizes more than one value even for a batch of 1.
    "deformable_detr": {"config": _TIMM_FREE["config"], "inputs": {"rand": {"pixel_values": ["B", 3, 128, 128]}}},
    "table-transformer": _TIMM_FREE,
    # OmDet-Turbo's default is a timm Swin: a tiny transformers Swin whose last 3 stages (16, 32,
    # 64 wide) the encoder reads; its layer norms after the backbone are for timm's channels-last
    # maps (off, as in OmDetTurboModelTester).
    "omdet-turbo": {"config": {"use_timm_backbone": False, "backbone": None, "image_size": 64,
                               "apply_layernorm_after_vision_backbone": False,
                               "backbone_config": {"model_type": "swin", "image_size": 64, "embed_dim": 8,
                                                   "depths": [1, 1, 1, 1], "num_heads": [1, 1, 2, 2], "window_size": 2,
                                                   "out_indices": [2, 3, 4]},
                               "encoder_in_channels": [16, 32, 64], "num_queries": 10,
                               "text_projection_in_dim": 32, "text_projection_out_dim": 32, "class_embed_dim": 32,
                               "task_encoder_hidden_dim": 64},
                    # One class prompt per image (classes_structure 1 per row) and one task prompt.
                    "inputs": {"randint": {"classes_input_ids": (99, ["B", 7]), "tasks_input_ids": (99, ["B", 7])},
                               "full": {"classes_attention_mask": (1, ["B", 7]), "tasks_attention_mask": (1, ["B", 7]),
                                        "classes_structure": (1, ["B"])}}},
    "sam2_hiera_det_model": {"config": _HIERA},
    "sam2_vision_model": {"config": {**_prefixed("backbone_config", _HIERA), **_SAM2_VISION}},
    "sam2": _SAM2,
    # The video models track through an inference session; a forward runs their image model
    # (Sam2Model, EdgeTamModel) on the video config.
    "sam2_video": _SAM2,
    "edgetam_video": _SAM2,
    "sam3_tracker": _SAM3_TRACKER,
    "grounding-dino": _GROUNDING,
    "mm-grounding-dino": _GROUNDING,
    # SAM's image embedding is output_channels wide: the prompt and mask decoder's width (32).
    # (its positional features: 2 x num_pos_feats, the same width).
    "sam": {"config": {"vision_config.output_channels": 32, "vision_config.num_pos_feats": 16}},
    "sam_hq": {"config": {"vision_config.output_channels": 32, "vision_config.num_pos_feats": 16}},
    # ViTMatte fuses its backbone's 1/16 feature map with 3 convolution stages: 16 px patches.
    "vitmatte": {"config": {"backbone_config.patch_size": 16}},
    # TimesFM forecasts horizon_length steps from patches of the context (TimesFmModelTester).
    # No future_values: they would be a loss target of horizon_length steps, and the check wants the forecast.
    "timesfm": {"config": {"context_length": 64, "horizon_length": 32, "patch_length": 32},
                "inputs": {"randn": {"past_values": ["B", 64]}, "full": {"freq": (0, ["B", 1])}, "drop": ["future_values"]}},
    # UDOP reads a box per token.
    "udop": {"inputs": {"randint": {"bbox": (1000, ["B", 7, 4])}}},
    # Perceiver's masked-LM decoder queries max_position_embeddings positions: as many as the tokens.
    "perceiver": {"config": {"max_position_embeddings": 7},
                  "skip": {"padding-invariance": "Perceiver's decoder answers max_position_embeddings queries, whatever "
                                                 "the input's length"}},
    "vits": {**_VITS, "skip": {
        "batch-equivalence": "the waveform's length follows each row's predicted durations, padded to the batch's longest",
        "padding-invariance": "the waveform's length follows the predicted durations of every token, pads included"}},
    # Pixtral's vision encoder concatenates the patches of every image into one sequence: no batch axis.
    "pixtral": {"skip": {"output-shapes": _ONE_SEQUENCE, "batch-equivalence": _ONE_SEQUENCE}},
    # Qwen-VL style vision towers take the flattened patches of every image and each image's
    # [frames, rows, columns] grid: one 1 x 4 x 4 grid of 3 x 2 x 4 x 4 patches (Glm4vVisionModel).
    "glm4v_vision": _FLAT_PATCHES,
    "glm4v_moe_vision": _FLAT_PATCHES,
    "video_llama_3_vision": {"inputs": {"randn": {"pixel_values": [8, 48]},
                                        "full": {"grid_thw": (2, [1, 3]), "merge_sizes": (2, [1])}},
                             "skip": _FLAT_PATCHES["skip"]},
    # BLT groups bytes into patches by the entropy its small model gives each byte, pads included;
    # its generate asks the composite config for num_hidden_layers, which BltConfig does not have.
    "blt": {"skip": {"padding-invariance": "BLT's entropy patching sees the pads: they move the patch boundaries",
                     "generate-cache": "transformers 5.18.0's BLT generate reads config.num_hidden_layers, which "
                                       "BltConfig lacks (AttributeError)"}},
    "cpmant": {"skip": {"padding-invariance": "CPM-Ant ignores attention_mask (a dummy parameter in transformers) and "
                                              "reads left padding from token id 0"}},
    # Approximate attention (hashing, Nystrom landmarks) and span convolutions see the pads: their
    # outputs on real positions move with padding by design, so the check does not apply.
    "yoso": {"skip": {"padding-invariance": "YOSO's hashed attention approximates the mask"}},
    "nystromformer": {"skip": {"padding-invariance": "Nystrom landmarks average over padded positions"}},
    "convbert": {"skip": {"padding-invariance": "ConvBERT's span convolution reaches padded positions"}},
}
