"""A tiny, seeded config of any transformers model type, and the model class of its main task.

The config is the type's own config class with its defaults shrunk generically (shrink.py: layers
to 2, widths to a few dozen, vocabularies to a hundred, nested sub-configs alike); per-type values
that the generic rule cannot guess live in overrides.py (values as in transformers' own
`*ModelTester` defaults).
"""

from __future__ import annotations

from .overrides import OVERRIDES
from .shrink import HIDDEN_KEYS, shrink_int, field_dict, set_path, shrink_dict

#: Configs made of others (encoder + decoder, vision + text, question encoder + generator): the
#: keyword of each part and the type of its tiny config. A part named "decoder" (or "generator")
#: attends to the encoder's states.
COMPOSITES = {
    "vision-encoder-decoder": {"encoder": "vit", "decoder": "gpt2"},
    "speech-encoder-decoder": {"encoder": "wav2vec2", "decoder": "gpt2"},
    "encoder-decoder": {"encoder": "bert", "decoder": "bert"},
    "vision-text-dual-encoder": {"vision_config": "vit", "text_config": "bert"},
    # Nougat: a Donut Swin encoder and an mBART decoder (NougatConfig requires both).
    "nougat": {"encoder": "donut-swin", "decoder": "mbart"},
    # MusicGen: a T5 text encoder, an EnCodec audio tokenizer, its own decoder over the codebooks.
    "musicgen": {"text_encoder": "t5", "audio_encoder": "encodec", "decoder": "musicgen_decoder"},
    "musicgen_melody": {"text_encoder": "t5", "audio_encoder": "encodec", "decoder": "musicgen_melody_decoder"},
}


def _composite(model_type: str, size: str):
    from transformers import AutoConfig

    parts = {}
    for key, part in COMPOSITES[model_type].items():
        d = tiny_config(part, size).to_dict()
        if key in {"decoder", "generator"} and "add_cross_attention" in d:
            d["is_decoder"], d["add_cross_attention"] = True, True
        parts[key] = d
    config = type(AutoConfig.for_model(model_type, **{k: dict(v) for k, v in parts.items()}))(**parts)
    # The composite's own widths (a shared projection) shrink like any config's.
    for key, value in vars(config).items():
        if isinstance(value, int) and not isinstance(value, bool) and (tiny := shrink_int(key, value)) is not None:
            setattr(config, key, tiny)
    for key, value in OVERRIDES.get(model_type, {}).get("config", {}).items():
        *path, last = key.split(".")
        target = config
        for p in path:
            target = getattr(target, p)
        setattr(target, last, value)
    return config


def tiny_config(model_type: str, size: str = "tiny"):
    """The type's own config class, defaults shrunk, per-type overrides applied."""
    from transformers import AutoConfig

    if model_type in COMPOSITES:
        return _composite(model_type, size)
    base = AutoConfig.for_model(model_type)
    d = field_dict(base)
    shrink_dict(d)
    for key, value in OVERRIDES.get(model_type, {}).get("config", {}).items():
        set_path(d, key, value)
    d.pop("model_type", None)
    config = type(base).from_dict(d)
    if size == "micro":
        for k in HIDDEN_KEYS & set(vars(config)):
            if isinstance(getattr(config, k), int):
                setattr(config, k, max(8, getattr(config, k) // 2))
    return config


# Main task first: a masked LM before its decoder variant (bert), generative heads (so generate
# runs), then the usual heads, then the base model.
MAPPING_PRIORITY = [
    "MODEL_FOR_MASKED_LM_MAPPING_NAMES",
    "MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES",
    "MODEL_FOR_SPEECH_SEQ_2_SEQ_MAPPING_NAMES",
    "MODEL_FOR_CAUSAL_LM_MAPPING_NAMES",
    "MODEL_FOR_CTC_MAPPING_NAMES",
    "MODEL_FOR_IMAGE_CLASSIFICATION_MAPPING_NAMES",
    "MODEL_FOR_AUDIO_CLASSIFICATION_MAPPING_NAMES",
    "MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES",
    "MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES",
    "MODEL_FOR_TIME_SERIES_PREDICTION_MAPPING_NAMES",
    "MODEL_MAPPING_NAMES",
]


def model_classes(model_type: str) -> list[tuple[str, str]]:
    """(mapping, class name) candidates for the type, main task first, then the base model, then
    any other task transformers maps it to (depth estimation, segmentation, retrieval...)."""
    from transformers.models.auto import modeling_auto

    out: list[tuple[str, str]] = []
    forced = OVERRIDES.get(model_type, {}).get("class")
    if forced:
        out.append(("override", forced))
    others = sorted(n for n in dir(modeling_auto) if n.startswith("MODEL_") and n.endswith("_MAPPING_NAMES") and n not in MAPPING_PRIORITY)
    for name in [*MAPPING_PRIORITY, *others]:
        mapping = getattr(modeling_auto, name, {})
        cls = mapping.get(model_type)
        if isinstance(cls, (list, tuple)):
            cls = cls[0]
        if cls and all(cls != c for _, c in out):
            out.append((name.replace("_MAPPING_NAMES", ""), cls))
    return out


def resolve_class(name: str):
    import transformers

    cls = getattr(transformers, name, None)
    if cls is None:
        raise LookupError(f"transformers {transformers.__version__} has no class {name}")
    return cls
