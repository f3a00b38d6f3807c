"""Broken twins: each fault breaks a model in one way, so a test can show the check that must
catch it failing. Never used by a normal run."""

from __future__ import annotations

import functools

FAULTS = ("nondeterministic", "ignore-mask", "batch-mix", "nan", "shape", "save-drop", "cache", "crash", "hang", "alloc")


def process_fault(fault: str | None) -> None:
    """Faults of the worker process itself, for the isolation's broken twins: a native crash, a
    hang, memory that grows without bound."""
    import os
    import signal
    import time

    if fault == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif fault == "hang":
        while True:
            time.sleep(1)
    elif fault == "alloc":
        hoard = []
        while True:
            hoard.append(bytearray(64 << 20))


def _patch_forward(model, after=None, before=None):
    original = model.forward

    @functools.wraps(original)  # the checks read the forward's signature: keep it
    def forward(*args, **kwargs):
        if before:
            args, kwargs = before(args, kwargs)
        out = original(*args, **kwargs)
        return after(out, kwargs) if after else out

    model.forward = forward  # an instance attribute: nn.Module.__call__ calls it as it is


def _main_key(out):
    for k in ("logits", "last_hidden_state"):
        if k in out and out[k] is not None:
            return k
    return next(k for k, v in out.items() if hasattr(v, "shape"))


def apply_fault(model, fault: str | None) -> None:
    """Installs `fault` on `model` (in place)."""
    import torch

    if not fault or fault in ("save-drop", "crash", "hang", "alloc"):
        return
    if fault == "nondeterministic":

        def after(out, _kw):
            k = _main_key(out)
            out[k] = out[k] + torch.randn_like(out[k]) * 1e-2
            return out

        _patch_forward(model, after=after)
    elif fault == "ignore-mask":
        # Drops every trace of the padding: transformers also reads pads off reset position ids.
        _patch_forward(model, before=lambda a, kw: (a, {**kw, "attention_mask": None, "position_ids": None}))
    elif fault == "batch-mix":

        def after(out, _kw):
            k = _main_key(out)
            out[k] = out[k] + out[k].mean(dim=0, keepdim=True)
            return out

        _patch_forward(model, after=after)
    elif fault == "nan":

        def after(out, _kw):
            k = _main_key(out)
            v = out[k].clone()
            v.view(-1)[0] = float("nan")
            out[k] = v
            return out

        _patch_forward(model, after=after)
    elif fault == "shape":

        def after(out, _kw):
            k = _main_key(out)
            out[k] = out[k][..., :-1]
            return out

        _patch_forward(model, after=after)
    elif fault == "cache":

        def after(out, kw):
            past = kw.get("past_key_values")
            if past is not None and getattr(past, "get_seq_length", lambda: 0)() > 0:
                k = _main_key(out)
                out[k] = out[k].flip(-1)
            return out

        _patch_forward(model, after=after)
    else:
        raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")


def after_load(model, fault: str | None) -> None:
    """save-drop: the reloaded model lost a weight (as if save_pretrained had skipped it)."""
    import torch

    if fault != "save-drop":
        return
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() >= 2:
                p.add_(torch.randn(p.shape, generator=torch.Generator().manual_seed(0)) * 0.5)
                return
