"""Per-type values the generic shrink cannot guess (values as in transformers' own
`*ModelTester` defaults). Keys of "config" are dotted paths into the config dict; "class" forces
the model class; "inputs" adds seeded tensors ("B" is the batch) or drops some."""

_FORECASTER = {"config": {"prediction_length": 4, "context_length": 8, "lags_sequence": [1, 2, 3], "num_time_features": 1}}

# Multimodal rotary sections (temporal, height, width) must add up to half the tiny head (8 / 2).
_MROPE = {"config": {"rope_parameters.mrope_section": [1, 1, 2]}}
_MROPE_TEXT = {"config": {"text_config.rope_parameters.mrope_section": [1, 1, 2]}}

OVERRIDES: dict[str, dict] = {
    "qwen2_vl_text": _MROPE,
    "qwen2_5_vl_text": _MROPE,
    "glm4v_text": _MROPE,
    "glm4v_moe_text": _MROPE,
    "qwen2_vl": _MROPE_TEXT,
    "qwen2_5_vl": _MROPE_TEXT,
    "glm4v": _MROPE_TEXT,
    "glm4v_moe": _MROPE_TEXT,
    "glm46v": _MROPE_TEXT,
    "time_series_transformer": _FORECASTER,
    "informer": _FORECASTER,
    "autoformer": _FORECASTER,
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
    # ViLT samples image patches at random up to max_image_length; -1 keeps them all.
    "vilt": {"config": {"max_image_length": -1}},
    # Approximate attention (hashing, Nystrom landmarks) and span convolutions see the pads: their
    # outputs on real positions move with padding by design, so the check does not apply.
    "yoso": {"skip": {"padding-invariance": "YOSO's hashed attention approximates the mask"}},
    "nystromformer": {"skip": {"padding-invariance": "Nystrom landmarks average over padded positions"}},
    "convbert": {"skip": {"padding-invariance": "ConvBERT's span convolution reaches padded positions"}},
}
