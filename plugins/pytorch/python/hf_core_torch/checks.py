"""The reference checks, mirroring transformers' ModelTesterMixin: output shapes, finite values,
determinism, batch equivalence, attention-mask padding invariance, save_pretrained ->
from_pretrained, and generate with cache == generate without cache. Each raises CheckFailure
with what was expected and what came out, or CheckSkip with why it cannot run."""

from __future__ import annotations

import inspect
import tempfile
import time

from .build import Built, forward
from .faults import after_load
from .inputs import batch_size, select_rows, vocab_of

DETERMINISM_TOL = 1e-5
BATCH_TOL = 1e-4
PADDING_TOL = 1e-4
SAVE_LOAD_TOL = 1e-5
NEW_TOKENS = 4
#: Inputs with one entry per token of input_ids (cut and padded with the tokens).
PER_TOKEN = {"bbox", "token_type_ids", "image_attention_mask", "image_embeds_position_mask"}


class CheckFailure(Exception):
    def __init__(self, message: str, details: dict | None = None):
        super().__init__(message)
        self.details = details or {}


class CheckSkip(Exception):
    pass


#: Per-example outputs, in order of preference (dual encoders: the embeddings, not the similarity matrix).
MAIN_OUTPUTS = ("logits", "last_hidden_state", "prediction_logits", "text_embeds", "image_embeds", "audio_embeds",
                "pooler_output", "audio_values", "waveform", "predicted_depth", "reconstruction", "spectrogram")


def main_output(out, prefer: str | None = None):
    """The output the checks hold: the type's own (overrides.py "output"), else logits, else
    last_hidden_state, else the first tensor."""
    def tensor(v):  # a tensor, or the first of a tuple of them (backbone feature maps, per-head logits)
        if isinstance(v, (tuple, list)) and v:
            v = v[0]
        return v if hasattr(v, "shape") and v.is_floating_point() else None

    for k in ((prefer,) if prefer else ()) + MAIN_OUTPUTS:
        v = tensor(out.get(k)) if hasattr(out, "get") else None
        if v is not None:
            return k, v
    for k, v in out.items():
        if tensor(v) is not None:
            return k, tensor(v)
    raise CheckFailure(f"the forward returned no floating-point tensor (keys: {', '.join(out.keys())})")


def max_abs_diff(a, b) -> float:
    if a.shape != b.shape:
        raise CheckFailure(f"shapes differ: {list(a.shape)} vs {list(b.shape)}")
    return float((a.float() - b.float()).abs().max()) if a.numel() else 0.0


def _text_len(b: Built) -> int | None:
    ids = b.inputs.get("input_ids")
    return int(ids.shape[1]) if ids is not None else None


def check_shapes(b: Built, out) -> dict:
    name, v = main_output(out, b.output)
    batch = batch_size(b.inputs)
    dims = list(v.shape)
    if not dims or dims[0] != batch:
        raise CheckFailure(f"{name} has dims {dims}; expected the batch ({batch}) first", {"dims": dims})
    seq = b.inputs.get("decoder_input_ids", b.inputs.get("input_ids"))
    if b.mapping in {"MODEL_FOR_CAUSAL_LM", "MODEL_FOR_MASKED_LM", "MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM"} and name == "logits":
        want = [batch, int(seq.shape[1]), vocab_of(b.config)] if seq is not None else None
        if want and (dims[:2] != want[:2] or dims[-1] < want[-1]):
            raise CheckFailure(f"logits have dims {dims}; expected [batch, seq, vocab] = {want}", {"dims": dims, "expected": want})
    elif b.mapping.endswith("SEQUENCE_CLASSIFICATION") or b.mapping.endswith("IMAGE_CLASSIFICATION"):
        labels = getattr(b.config, "num_labels", None)
        if name == "logits" and labels and dims != [batch, labels]:
            raise CheckFailure(f"logits have dims {dims}; expected [batch, num_labels] = {[batch, labels]}", {"dims": dims})
    return {"output": name, "dims": dims}


def check_finite(out, masked: dict[str, str] | None = None) -> dict:
    """No NaN or Inf in any float output; outputs the type masks with -inf (logits over padded
    text positions, overrides.py "masked") may hold -inf, never NaN or +inf."""
    import torch

    masked = masked or {}
    bad = []
    for k, v in out.items():
        if not (hasattr(v, "is_floating_point") and v.is_floating_point()):
            continue
        ok = ~(torch.isnan(v) | (v == float("inf"))) if k in masked else torch.isfinite(v)
        if not bool(ok.all()):
            bad.append(k)
    if bad:
        raise CheckFailure(f"non-finite values (NaN or Inf) in {', '.join(bad)}", {"outputs": bad})
    return {"masked": sorted(k for k in masked if k in out)} if masked else {}


def check_determinism(b: Built) -> dict:
    _, a = main_output(forward(b.model, b.inputs), b.output)
    _, c = main_output(forward(b.model, b.inputs), b.output)
    d = max_abs_diff(a, c)
    if d > DETERMINISM_TOL:
        raise CheckFailure(f"two forwards of the same inputs differ by {d:.3g} (> {DETERMINISM_TOL})", {"maxAbsDiff": d})
    return {"maxAbsDiff": d}


def check_batch_equivalence(b: Built) -> dict:
    batch = batch_size(b.inputs)
    _, full = main_output(forward(b.model, b.inputs), b.output)
    worst = 0.0
    for i in range(batch):
        _, one = main_output(forward(b.model, select_rows(b.inputs, slice(i, i + 1), batch)), b.output)
        worst = max(worst, max_abs_diff(full[i : i + 1], one))
    if worst > BATCH_TOL:
        raise CheckFailure(f"row alone vs in a batch of {batch} differs by {worst:.3g} (> {BATCH_TOL})", {"maxAbsDiff": worst})
    return {"maxAbsDiff": worst}


def check_padding(b: Built) -> dict:
    """Padded row (mask 0 on the pads) == the unpadded row on its real positions."""
    import torch

    ids = b.inputs.get("input_ids")
    if ids is None or "attention_mask" not in b.inputs:
        raise CheckSkip("the model takes no attention_mask over input_ids")
    params = inspect.signature(b.model.forward).parameters
    pad = 2
    pad_id = getattr(b.config, "pad_token_id", None)
    pad_id = pad_id if isinstance(pad_id, int) and 0 <= pad_id < vocab_of(b.config) else 0
    row = {k: v[:1] for k, v in b.inputs.items() if hasattr(v, "shape")}
    short_ids = row["input_ids"][:, :-pad]
    length = short_ids.shape[1]
    pads = torch.full((1, pad), pad_id, dtype=ids.dtype, device=ids.device)
    left = b.causal and "position_ids" in params
    padded_ids = torch.cat([pads, short_ids], 1) if left else torch.cat([short_ids, pads], 1)
    mask = torch.ones_like(padded_ids)
    if left:
        mask[:, :pad] = 0
    else:
        mask[:, length:] = 0
    extra = {k: v for k, v in row.items() if k not in {"input_ids", "attention_mask"}}
    # Per-token extras (boxes, token types) follow the tokens: cut with them, and under the pads
    # whatever the dropped positions held (masked out).
    aligned = {k for k, v in extra.items() if k in PER_TOKEN and v.dim() >= 2 and v.shape[1] == ids.shape[1]}
    short = {**extra, **{k: extra[k][:, :length] for k in aligned},
             "input_ids": short_ids, "attention_mask": torch.ones_like(short_ids)}
    padded = {**extra, **{k: (torch.cat([extra[k][:, length:], extra[k][:, :length]], 1) if left else extra[k])
                          for k in aligned}, "input_ids": padded_ids, "attention_mask": mask}
    if left:
        padded["position_ids"] = (mask.cumsum(-1) - 1).clamp(min=0)
        short["position_ids"] = torch.arange(length, device=ids.device)[None]
    _, a = main_output(forward(b.model, padded), b.output)
    _, c = main_output(forward(b.model, short), b.output)
    token_level = a.dim() >= 2 and a.shape[1] == padded_ids.shape[1] and "decoder_input_ids" not in row
    if token_level:
        a = a[:, pad:] if left else a[:, :length]
    d = max_abs_diff(a, c)
    if d > PADDING_TOL:
        side = "left" if left else "right"
        raise CheckFailure(f"{pad} {side} pads (mask 0) change the real positions' outputs by {d:.3g} (> {PADDING_TOL})",
                           {"maxAbsDiff": d, "side": side})
    return {"maxAbsDiff": d, "side": "left" if left else "right"}


def check_save_load(b: Built, fault: str | None, metrics: dict) -> dict:
    _, before = main_output(forward(b.model, b.inputs), b.output)
    with tempfile.TemporaryDirectory(prefix="hf-core-torch-") as tmp:
        b.model.save_pretrained(tmp)
        t0 = time.perf_counter()
        loaded = b.cls.from_pretrained(tmp).eval().to(before.device)
        metrics["load_ms"] = round((time.perf_counter() - t0) * 1000, 3)
    after_load(loaded, fault)
    _, after = main_output(forward(loaded, b.inputs), b.output)
    d = max_abs_diff(before, after)
    if d > SAVE_LOAD_TOL:
        raise CheckFailure(f"from_pretrained(save_pretrained(model)) differs by {d:.3g} (> {SAVE_LOAD_TOL})", {"maxAbsDiff": d})
    return {"maxAbsDiff": d}


def _generate(b: Built, use_cache: bool, new_tokens: int = NEW_TOKENS):
    import torch

    kwargs = dict(max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False, use_cache=use_cache, num_beams=1)
    gen = getattr(b.model, "generation_config", None)
    if gen is not None and gen.pad_token_id is None:
        eos = gen.eos_token_id
        gen.pad_token_id = eos if isinstance(eos, int) else (eos[0] if eos else 0)
    if gen is not None and getattr(b.config, "is_encoder_decoder", False) and gen.decoder_start_token_id is None:
        start = getattr(b.config, "decoder_start_token_id", None)
        gen.decoder_start_token_id = start if isinstance(start, int) else gen.pad_token_id
    with torch.inference_mode():
        return b.model.generate(**b.inputs, **kwargs)


def check_generate_cache(b: Built, metrics: dict) -> dict:
    if not b.generative:
        raise CheckSkip(f"{b.cls.__name__} does not generate")
    t0 = time.perf_counter()
    one = _generate(b, True, 1)
    t1 = time.perf_counter()
    with_cache = _generate(b, True)
    t2 = time.perf_counter()
    without = _generate(b, False)
    if with_cache.shape != without.shape or not bool((with_cache == without).all()):
        raise CheckFailure("generate with the cache and without it chose different tokens",
                           {"withCache": with_cache.tolist(), "withoutCache": without.tolist()})
    if one.shape[0] != batch_size(b.inputs):
        raise CheckFailure(f"generate returned {one.shape[0]} rows for a batch of {batch_size(b.inputs)}")
    prefill = (t1 - t0) * 1000
    decode = max(0.0, ((t2 - t1) * 1000 - prefill) / (NEW_TOKENS - 1))
    metrics["prefill_ms"] = round(prefill, 3)
    metrics["decode_ms_per_token"] = round(decode, 3)
    if decode > 0:
        metrics["tokens_per_s"] = round(1000 / decode, 1)
    return {"newTokens": NEW_TOKENS, "sequences": list(with_cache.shape)}
