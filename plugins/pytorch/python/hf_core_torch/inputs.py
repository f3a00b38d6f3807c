"""Seeded inputs for a model, from its forward signature and its config (as ModelTester's
`prepare_config_and_inputs` would make them: batch 2, a short sequence, a small image)."""

from __future__ import annotations

import inspect

from .overrides import OVERRIDES

BATCH = 2
SEQ = 7
DECODER_SEQ = 5
AUDIO_SAMPLES = 3200


def _sub(config, *names):
    for n in names:
        sub = getattr(config, n, None)
        if sub is not None and not isinstance(sub, (int, float, str, bool, list, dict)):
            return sub
    return config


def _get(config, names, default):
    for n in names:
        v = getattr(config, n, None)
        if isinstance(v, int) and not isinstance(v, bool):
            return v
    return default


def special_ids(config) -> set[int]:
    out: set[int] = set()
    for c in (config, _sub(config, "text_config"), _sub(config, "decoder")):
        for k, v in vars(c).items():
            if (k.endswith("_token_id") or k.endswith("_token_index")) and isinstance(v, int):
                out.add(v)
    return out


def vocab_of(config) -> int:
    text = _sub(config, "text_config", "decoder", "language_config", "llm_config")
    return _get(text, ["vocab_size", "n_vocab"], 0) or _get(config, ["vocab_size"], 99)


def token_ids(g, config, batch=BATCH, seq=SEQ):
    import torch

    vocab = vocab_of(config)
    avoid = special_ids(config)
    ids = torch.randint(3, max(4, vocab), (batch, seq), generator=g)
    if avoid:
        allowed = torch.tensor([i for i in range(3, vocab) if i not in avoid] or [3])
        ids = allowed[torch.randint(0, len(allowed), (batch, seq), generator=g)]
    return ids


def _size(v, default):
    if isinstance(v, (list, tuple)) and v:
        return int(v[0]), int(v[-1])
    if isinstance(v, int):
        return v, v
    return default, default


def pixel_values(g, config, batch=BATCH):
    import torch

    vision = _sub(config, "vision_config", "backbone_config", "encoder")
    channels = _get(vision, ["num_channels", "in_channels", "in_chans"], 3)
    h, w = _size(getattr(vision, "image_size", None) or getattr(config, "image_size", None), 32)
    frames = _get(vision, ["num_frames"], 0) or _get(config, ["num_frames"], 0)
    if frames:  # video models: [batch, frames, channels, height, width]
        return torch.rand((batch, frames, channels, h, w), generator=g)
    return torch.rand((batch, channels, h, w), generator=g)


#: Input variants tried in order: the main modality alone, then every modality the forward takes
#: (dual encoders like CLIP need text and image together).
VARIANTS = ("main", "all")


def make_inputs(model, config, model_type: str, seed: int = 0, batch: int = BATCH, variant: str = "main") -> dict:
    """Feeds by the forward's parameter names; per-type extras come from overrides.py."""
    import torch

    g = torch.Generator().manual_seed(seed)
    params = inspect.signature(model.forward).parameters
    spec = OVERRIDES.get(model_type, {}).get("inputs", {})
    batch = spec.get("batch", batch)
    out: dict = {}
    if "input_ids" in params and "input_ids" not in spec.get("drop", []):
        out["input_ids"] = token_ids(g, config, batch)
        if "attention_mask" in params:
            out["attention_mask"] = torch.ones_like(out["input_ids"])
    elif "pixel_values" in params:
        out["pixel_values"] = pixel_values(g, config, batch)
    elif "input_values" in params:
        out["input_values"] = torch.randn((batch, AUDIO_SAMPLES), generator=g)
    elif "input_features" in params:
        feat = _get(config, ["num_mel_bins", "feature_size", "input_feat_per_channel"], 80)
        frames = 2 * _get(config, ["max_source_positions"], 30)
        if "whisper" in model_type or hasattr(config, "max_source_positions"):
            out["input_features"] = torch.randn((batch, feat, frames), generator=g)
        else:
            out["input_features"] = torch.randn((batch, 40, feat), generator=g)
    if "past_values" in params:
        out.update(time_series_inputs(g, config, batch))
    if variant == "all":
        if "pixel_values" in params and "pixel_values" not in out:
            out["pixel_values"] = pixel_values(g, config, batch)
        if "input_features" in params and "input_features" not in out:
            audio = _sub(config, "audio_config")
            feat = _get(audio, ["num_mel_bins", "feature_size", "spec_size"], 64)
            out["input_features"] = torch.randn((batch, 1, 64, feat), generator=g) if model_type == "clap" else torch.randn((batch, feat, 60), generator=g)
        if "input_values" in params and "input_values" not in out:
            out["input_values"] = torch.randn((batch, AUDIO_SAMPLES), generator=g)
    elif "pixel_values" not in params and "inputs_embeds" in params and not out:
        hidden = _get(config, ["hidden_size", "d_model"], 32)
        out["inputs_embeds"] = torch.randn((batch, SEQ, hidden), generator=g)
    if "decoder_input_ids" in params and "decoder_input_ids" not in out and getattr(config, "is_encoder_decoder", False):
        out["decoder_input_ids"] = token_ids(g, config, batch, DECODER_SEQ)
    for name, shape in spec.get("randn", {}).items():
        out[name] = torch.randn(tuple(batch if d == "B" else d for d in shape), generator=g)
    for name, (high, shape) in spec.get("randint", {}).items():
        out[name] = torch.randint(0, high, tuple(batch if d == "B" else d for d in shape), generator=g)
    for name, shape in spec.get("rand", {}).items():  # uniform in [0, 1): boxes, coordinates
        out[name] = torch.rand(tuple(batch if d == "B" else d for d in shape), generator=g)
    for name, (value, shape) in spec.get("full", {}).items():  # the value's dtype: bool masks, long ids
        out[name] = torch.full(tuple(batch if d == "B" else d for d in shape), value)
    for name, value in spec.get("values", {}).items():  # fixed tensors (an image grid)
        out[name] = torch.tensor(value)
    for name, (value, start, stop, shape) in spec.get("span", {}).items():  # zeros, `value` on positions [start, stop)
        out[name] = torch.zeros(tuple(batch if d == "B" else d for d in shape), dtype=torch.long)
        out[name][:, start:stop] = value
    for name, ids in spec.get("prefix", {}).items():  # placeholder tokens first (an image's query tokens)
        out[name][:, : len(ids)] = torch.tensor(ids)
    for name in spec.get("drop", []):
        out.pop(name, None)
    return out


def time_series_inputs(g, config, batch: int) -> dict:
    """Past (and future) values of a forecaster: context plus the largest lag, each time step with its features."""
    import torch

    context = _get(config, ["context_length"], 8)
    channels = _get(config, ["num_input_channels"], 0)
    if channels:  # PatchTST / PatchTSMixer: [batch, context, channels]
        return {"past_values": torch.randn((batch, context, channels), generator=g)}
    lags = max(getattr(config, "lags_sequence", None) or [0])
    steps = context + lags
    features = _get(config, ["num_time_features"], 0)
    pred = _get(config, ["prediction_length"], 4)
    out = {"past_values": torch.randn((batch, steps), generator=g),
           "past_observed_mask": torch.ones((batch, steps)),
           "future_values": torch.randn((batch, pred), generator=g)}
    if features:
        out["past_time_features"] = torch.randn((batch, steps, features), generator=g)
        out["future_time_features"] = torch.randn((batch, pred, features), generator=g)
    return out


def batch_size(inputs: dict) -> int:
    for v in inputs.values():
        if hasattr(v, "shape") and len(v.shape):
            return int(v.shape[0])
    return BATCH


def select_rows(inputs: dict, rows: slice, batch: int) -> dict:
    out = {}
    for k, v in inputs.items():
        out[k] = v[rows] if hasattr(v, "shape") and len(v.shape) and v.shape[0] == batch else v
    return out
