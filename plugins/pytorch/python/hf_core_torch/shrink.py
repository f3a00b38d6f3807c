"""The generic shrink of a config dict: layers to 2, widths to a few dozen, vocabularies to a
hundred, nested sub-configs alike, while keeping each config's structural constraints (heads
divide widths, per-layer lists match the layer count, special token ids inside the vocabulary)."""

from __future__ import annotations

import re

#: The tiny sizes. Heads x head_dim == hidden, so every attention layout divides.
HIDDEN = 32
HEADS = 4
KV_HEADS = 2
HEAD_DIM = HIDDEN // HEADS
FFN = 64  # a multiple of 16 bytes per row: grouped MoE matmuls need aligned strides
VOCAB = 99
LAYERS = 2
POSITIONS = 128
IMAGE = 32
PATCH = 4
EXPERTS = 4

# Attribute name -> tiny value. Names are matched exactly on the config and on every sub-config.
LAYER_KEYS = {
    "num_hidden_layers", "num_layers", "n_layer", "n_layers", "encoder_layers", "decoder_layers",
    "num_decoder_layers", "num_encoder_layers", "text_layers", "vision_layers", "depth",
    "num_text_layers", "num_vision_layers", "num_audio_layers", "audio_layers", "num_blocks",
    "decoder_num_layers", "encoder_num_layers", "num_hidden_blocks", "num_self_attends_per_block",
}
HIDDEN_KEYS = {
    "hidden_size", "d_model", "n_embd", "embed_dim", "dim", "model_dim", "hidden_dim", "n_embed",
    "embedding_dim", "projection_dim", "word_embed_proj_dim", "text_embed_dim", "vision_embed_dim",
    "projection_size", "proj_dim", "decoder_hidden_size", "encoder_hidden_size", "d_embed",
    "output_hidden_size", "adapter_hidden_size", "embedding_size", "hidden_size_per_layer_input", "hidden_size_global",
    "emb_dim", "d_latents",
}
HEAD_KEYS = {
    "num_attention_heads", "n_head", "n_heads", "encoder_attention_heads", "decoder_attention_heads",
    "num_heads", "attention_heads", "decoder_num_attention_heads", "num_decoder_attention_heads",
}
KV_KEYS = {"num_key_value_heads", "n_kv_heads", "num_kv_heads", "multi_query_group_num", "kv_heads"}
FFN_KEYS = {
    "intermediate_size", "ffn_dim", "encoder_ffn_dim", "decoder_ffn_dim", "d_ff", "n_inner", "d_inner",
    "dim_feedforward", "ffn_hidden_size", "mlp_dim", "hidden_dim_ffn", "decoder_intermediate_size",
    "shared_expert_intermediate_size", "intermediate_size_mlp", "inner_dim",
}
MOE_FFN_KEYS = {"moe_intermediate_size", "expert_intermediate_size", "moe_ffn_dim"}
EXPERT_KEYS = {"num_experts", "num_local_experts", "n_routed_experts", "moe_num_experts", "num_routed_experts"}
TOPK_KEYS = {"num_experts_per_tok", "moe_topk", "top_k", "num_selected_experts", "moe_k"}
VOCAB_KEYS = {"vocab_size", "n_vocab", "text_vocab_size"}
POSITION_KEYS = {"max_position_embeddings", "n_positions", "max_seq_len", "max_sequence_length", "n_ctx"}
HEAD_DIM_KEYS = {"head_dim", "attention_head_dim", "kv_channels", "d_kv", "d_head", "v_head_dim", "qk_nope_head_dim"}


#: (attribute names, the most a tiny model keeps). Names match on the config and every sub-config.
CAPS: list[tuple[set, int]] = [
    (LAYER_KEYS, LAYERS),
    (HIDDEN_KEYS, HIDDEN),
    (HEAD_KEYS, HEADS),
    (KV_KEYS, KV_HEADS),
    (FFN_KEYS, FFN),
    (MOE_FFN_KEYS, 16),
    (EXPERT_KEYS, EXPERTS),
    (TOPK_KEYS, 2),
    (VOCAB_KEYS, VOCAB),
    (POSITION_KEYS, POSITIONS),
    (HEAD_DIM_KEYS, HEAD_DIM),
    ({"image_size"}, IMAGE),
    ({"patch_size"}, PATCH),
    ({"num_frames"}, 4),
    ({"num_latents"}, 8),
    ({"window_size"}, 2),
    ({"rotary_dim"}, HEAD_DIM // 2),
    ({"kv_lora_rank", "q_lora_rank"}, 16),
    ({"qk_rope_head_dim"}, 4),
    ({"n_group", "topk_group", "num_expert_group", "mamba_n_groups", "n_groups"}, 1),
    ({"n_shared_experts", "num_shared_experts"}, 1),
    ({"mamba_n_heads"}, 4),
    ({"mamba_d_head"}, 16),
    ({"state_size", "mamba_d_state", "ssm_state_size", "d_state"}, 16),
]


def shrink_int(key: str, value: int) -> int | None:
    """The tiny value of an integer attribute, or None to keep it."""
    for keys, cap in CAPS:
        if key in keys:
            return min(value, cap)
    if VOCAB_LIKE.search(key):
        return min(value, VOCAB)
    for pattern, cap in PREFIXED:
        if pattern.search(key):
            return min(value, cap)
    return None


#: Other vocabularies (hashed byte groups, per-layer inputs, codebooks of image tokens): a hundred too.
VOCAB_LIKE = re.compile(r"(^|_)vocab(_size)?($|_)")

#: The same sizes under a part's prefix (`mit_hidden_size`, `audio_num_hidden_layers`): a composite's
#: copy of a part's width must match that part's, which is the tiny width too.
PREFIXED = [
    (re.compile(r"^[a-z]+_(hidden_size|embed_dim|d_model)$"), HIDDEN),
    (re.compile(r"^[a-z]+_(intermediate_size|ffn_dim)$"), FFN),
    (re.compile(r"^[a-z]+_num_(hidden_layers|layers)$"), LAYERS),
    (re.compile(r"^[a-z]+_num_(attention_heads|heads)$"), HEADS),
]


def shrink_dict(d: dict) -> dict:
    """Shrinks one level of a config dict in place; nested dicts (sub-configs) recurse."""
    for key, value in list(d.items()):
        if key in {"out_features", "out_indices"} and value is not None and "depths" not in d:
            # A layer-based backbone: keep as many outputs as it had, from a stack just that deep.
            if key == "out_indices" and isinstance(value, list) and isinstance(d.get("num_hidden_layers"), int):
                d["out_indices"] = list(range(1, len(value) + 1))
                d["num_hidden_layers"] = max(LAYERS, len(value))
                d["out_features"] = None
            elif key == "out_features":
                d[key] = None
            continue
        if value is None and key in VOCAB_KEYS:
            d[key] = VOCAB
            continue
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, dict):
            if "model_type" in value or key.endswith("_config") or key.endswith("config"):
                shrink_dict(value)
                # to_dict's bookkeeping keys are not fields of every sub-config class
                for extra in ("_name_or_path", "output_attentions", "output_hidden_states", "return_dict"):
                    value.pop(extra, None)
            continue
        if isinstance(value, int):
            if key == "num_hidden_layers" and isinstance(d.get("out_indices"), list) and "depths" not in d:
                continue  # set with out_indices above or below
            tiny = shrink_int(key, value)
            if tiny is not None:
                d[key] = tiny
        elif isinstance(value, list) and value and all(isinstance(x, int) and not isinstance(x, bool) for x in value):
            # Per-stage lists keep their length (other per-stage lists must match it); values shrink.
            n = len(value)
            if key in {"depths", "num_layers_per_stage", "block_repeats", "stage_depths", "encoder_layers",
                       "num_encoder_blocks"}:
                d[key] = [1] * n
            elif key in {"hidden_sizes", "embed_dims", "dims", "channels", "embed_dim", "hidden_dims", "widths",
                         "neck_hidden_sizes", "decoder_hidden_sizes"}:
                d[key] = [min(v, 16 * (2**i)) for i, v in enumerate(value)]
            elif key in {"num_heads", "num_attention_heads", "heads"}:
                powers = all(v & (v - 1) == 0 for v in value)
                d[key] = [min(v, 2**i) for i, v in enumerate(value)] if powers else [1] * n
            elif key in FFN_KEYS:
                d[key] = [min(v, FFN) for v in value[:LAYERS]]  # one width per layer
            elif key == "image_size":
                d[key] = [IMAGE, IMAGE]
            elif key == "patch_size":
                d[key] = [PATCH, PATCH]
        elif isinstance(value, dict) and "mrope_section" in value:
            pass
    for rope_key in ("rope_scaling", "rope_parameters"):
        rope = d.get(rope_key)
        if isinstance(rope, dict) and isinstance(rope.get("mrope_section"), list):
            parts = len(rope["mrope_section"])
            factor = rope.get("partial_rotary_factor", d.get("partial_rotary_factor")) or 1.0
            half = int(HEAD_DIM * factor) // 2  # the sections split the rotary half of each head
            rope["mrope_section"] = [half // parts + (1 if i < half % parts else 0) for i in range(parts)]
    if isinstance(d.get("num_groups"), int) and isinstance(d.get("hidden_sizes"), list):
        d["num_groups"] = min(d["num_groups"], 8)
    # Heads must divide the width: keep head_dim consistent with what was shrunk.
    hidden = next((d[k] for k in ("hidden_size", "d_model", "n_embd", "dim", "embed_dim") if isinstance(d.get(k), int)), None)
    heads = next((d[k] for k in ("num_attention_heads", "n_head", "num_heads", "n_heads") if isinstance(d.get(k), int)), None)
    if hidden and heads and hidden % heads:
        for k in ("num_attention_heads", "n_head", "num_heads", "n_heads"):
            if isinstance(d.get(k), int):
                d[k] = HEADS if hidden % HEADS == 0 else 1
    if heads and "head_dim" in d and d["head_dim"] is None and hidden:
        d["head_dim"] = hidden // heads  # None: the modeling code reads it as the config's (no default)
    if heads and "num_key_value_heads" in d and d["num_key_value_heads"] is None:
        d["num_key_value_heads"] = heads  # None: one kv head per head (multi-head attention)
    if isinstance(d.get("num_key_value_heads"), int) and heads:
        h = next(d[k] for k in ("num_attention_heads", "n_head", "num_heads", "n_heads") if isinstance(d.get(k), int))
        if h % d["num_key_value_heads"]:
            d["num_key_value_heads"] = h
    _fit_ssm(d)
    if isinstance(d.get("kv_lora_rank"), int) and isinstance(d.get("num_key_value_heads"), int):
        d["num_key_value_heads"] = d.get("num_attention_heads", HEADS)  # latent attention: one kv head per head
    if "window_size" in d and isinstance(d.get("depths"), list) and isinstance(d.get("patch_size"), int):
        d["patch_size"] = min(d["patch_size"], 2)  # windowed hierarchies halve the grid per stage: keep the last stage >= one window
    if isinstance(d.get("qk_rope_head_dim"), int) and "head_dim" in d:
        d["head_dim"] = d["qk_rope_head_dim"]  # multi-head latent attention: rotary on the rope part
    _fit_layer_lists(d)
    _fit_token_ids(d)
    return d


# Per-layer lists (layer_types, sliding window patterns...) must match the layer count.
LAYER_LIST_KEYS = re.compile(r"^(layer_types|layers_block_type|block_types|attn_layer_indices|mlp_only_layers|"
                             r"layer_type|hybrid_override_pattern|full_attn_idxs|attention_layers|"
                             r"no_rope_layers|sliding_window_pattern_list|swin_layers|activation_sparsity_pattern)$")


def _fit_layer_lists(d: dict) -> None:
    layers = next((d[k] for k in ("num_hidden_layers", "num_layers", "n_layer") if isinstance(d.get(k), int)), None)
    if not layers:
        return
    for key, value in list(d.items()):
        if not LAYER_LIST_KEYS.match(key) or value is None:
            continue
        if isinstance(value, list) and value and not all(isinstance(x, int) for x in value):
            # a list of layer kinds: keep the first `layers`, and one of each kind when it fits
            kinds = list(dict.fromkeys(value))
            picked = (kinds + value)[:layers] if len(kinds) <= layers else value[:layers]
            d[key] = picked
        elif isinstance(value, list) and all(isinstance(x, int) for x in value) and key not in {"no_rope_layers"}:
            d[key] = [x for x in value if x < layers] or [layers - 1]
        elif isinstance(value, list) and key == "no_rope_layers":
            d[key] = value[:layers]
        elif isinstance(value, str) and key == "hybrid_override_pattern":
            d[key] = value[:layers]


def _fit_ssm(d: dict) -> None:
    """State-space mixers need heads x head_dim == expand x hidden."""
    hidden = d.get("hidden_size")
    if not isinstance(hidden, int):
        return
    for heads, head_dim, expand in (("mamba_n_heads", "mamba_d_head", "mamba_expand"), ("num_heads", "head_dim", "expand")):
        h, e = d.get(heads), d.get(expand)
        if isinstance(h, int) and isinstance(e, (int, float)) and head_dim in d and ("state_size" in d or heads.startswith("mamba")):
            d[head_dim] = int(e * hidden) // h
            if isinstance(d.get("mamba_d_ssm"), int):
                d["mamba_d_ssm"] = int(e * hidden)  # the inner width, when given, is the same product


TOKEN_ID = re.compile(r".*_(token_id|token_index|id)$")


def _fit_token_ids(d: dict) -> None:
    """Special token ids past the shrunk vocabulary are moved into its top, distinct, so embeddings can index them."""
    vocab = next((d[k] for k in VOCAB_KEYS if isinstance(d.get(k), int)), None)
    if not vocab:
        return
    spare = vocab - 1
    for key, value in sorted(d.items()):
        if TOKEN_ID.match(key) and isinstance(value, int) and not isinstance(value, bool) and value >= vocab:
            d[key] = spare
            spare -= 1
        elif TOKEN_ID.match(key) and isinstance(value, list) and value and all(isinstance(x, int) for x in value):
            if any(x >= vocab for x in value):
                d[key] = [spare - i for i in range(len(value))]
                spare -= len(value)




#: Keys a config's dict carries that are no dataclass field but that the shrink reads and sets.
KEEP_KEYS = {"model_type", "out_features", "out_indices"}


def field_dict(config) -> dict:
    """The config as a dict of its own fields only, sub-configs alike. `to_dict` also carries what
    `__post_init__` derived from the fields (a Mamba head width from the hidden size, layer ids
    from the layer kinds): fed back, those would override what the shrunk fields derive."""
    d = config.to_dict()
    d.pop("transformers_version", None)
    return _fields_only(config, d)


def _fields_only(config, d: dict) -> dict:
    import dataclasses

    fields = {f.name: f for f in dataclasses.fields(config)} if dataclasses.is_dataclass(config) else {}
    out = {}
    for key, value in d.items():
        if fields and key not in fields and key not in KEEP_KEYS:
            continue
        f = fields.get(key)
        if f is not None and f.default is None and value is not None and not isinstance(value, dict) \
                and not LAYER_LIST_KEYS.match(key):
            continue  # declared None, filled in by __post_init__ (a width, a head size): derived again
        sub = getattr(config, key, None)
        if isinstance(value, dict) and hasattr(sub, "to_dict") and hasattr(sub, "model_type"):
            value = _fields_only(sub, value)
        out[key] = value
    return out


def set_path(d: dict, path: str, value) -> None:
    """Sets a dotted path (`text_config.rope_parameters.mrope_section`) in a config dict."""
    parts = path.split(".")
    for p in parts[:-1]:
        d = d.setdefault(p, {})
    d[parts[-1]] = value
