"""Exports a tiny PyTorch model with torch.onnx.export into the transformers.js layout:
config.json, onnx/model.onnx, tokenizer / processor files made for it, and reference.json
(the PyTorch outputs for fixed inputs, format hf-core-reference/1).

    python -m hf_core_torch.export bert --out DIR [--seed 0]
    python -m hf_core_torch.export ./folder-with-config.json --out DIR
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import sys
import time

from .build import build, forward
from .checks import main_output

FORMAT = "hf-core-reference/1"
OPSET = 18
TORCH_TO_TENSOR_TYPE = {"torch.float32": "float32", "torch.float16": "float16", "torch.float64": "float64",
                        "torch.int64": "int64", "torch.int32": "int32", "torch.bool": "bool", "torch.uint8": "uint8",
                        "torch.int8": "int8", "torch.bfloat16": "float32"}


def tensor_json(t) -> dict:
    kind = TORCH_TO_TENSOR_TYPE.get(str(t.dtype), "float32")
    flat = t.detach().cpu().reshape(-1)
    data = flat.float().tolist() if kind.startswith("float") else flat.tolist()
    if kind == "bool":
        data = [int(x) for x in data]
    return {"type": kind, "dims": list(t.shape), "data": [x if not isinstance(x, float) or math.isfinite(x) else None for x in data]}


class _MainOutput:
    """A module whose forward takes the feeds positionally and returns the main output."""

    def __new__(cls, model, names, out_name):
        import torch

        accepts = inspect.signature(model.forward).parameters

        class Main(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.model = model

            def forward(self, *args):
                kwargs = dict(zip(names, args))
                if "use_cache" in accepts:
                    kwargs["use_cache"] = False
                return self.model(**kwargs, return_dict=True)[out_name]

        return Main()


def _dynamic_axes(inputs: dict, out_name: str, out_dims: int) -> dict:
    axes = {}
    for k, v in inputs.items():
        if k in {"input_ids", "attention_mask", "token_type_ids", "decoder_input_ids", "position_ids"}:
            axes[k] = {0: "batch_size", 1: "sequence_length" if not k.startswith("decoder") else "decoder_sequence_length"}
        elif v.dim() >= 1:
            axes[k] = {0: "batch_size"}
    axes[out_name] = {0: "batch_size", **({1: "sequence_length"} if out_dims >= 3 and "input_ids" in inputs else {})}
    return axes


def write_support_files(built, out: str) -> list[str]:
    """Tokenizer (a word-level one over the tiny vocabulary) or image processor files made for the model."""
    from .inputs import vocab_of

    files = []
    if "input_ids" in built.inputs or "decoder_input_ids" in built.inputs:
        from tokenizers import Tokenizer, models, pre_tokenizers

        vocab = {"[PAD]": 0, "[UNK]": 1, "[SEP]": 2}
        for i in range(3, vocab_of(built.config)):
            vocab[f"t{i}"] = i
        tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
        tok.pre_tokenizer = pre_tokenizers.Whitespace()
        tok.save(os.path.join(out, "tokenizer.json"))
        with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
            json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "pad_token": "[PAD]", "unk_token": "[UNK]",
                       "sep_token": "[SEP]", "model_max_length": 128}, f, indent=2)
        files += ["tokenizer.json", "tokenizer_config.json"]
    if "pixel_values" in built.inputs:
        _, _, h, w = built.inputs["pixel_values"].shape
        with open(os.path.join(out, "preprocessor_config.json"), "w") as f:
            json.dump({"image_processor_type": "ViTImageProcessor", "do_resize": True, "size": {"height": int(h), "width": int(w)},
                       "do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True,
                       "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]}, f, indent=2)
        files.append("preprocessor_config.json")
    return files


def export_built(built, out: str, seed: int = 0) -> dict:
    """Exports `built` into `out`; returns {status, reason, files, reference, exportMs}."""
    try:
        return _export(built, out, seed)
    except Exception as err:  # noqa: BLE001 - whatever went wrong is this export's failure
        text = str(err).strip().splitlines()
        return {"status": "fail", "reason": f"export failed: {type(err).__name__}: {text[0] if text else ''}"[:600]}


def _export(built, out: str, seed: int) -> dict:
    import torch
    import transformers

    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    feeds = {k: v for k, v in built.inputs.items() if hasattr(v, "shape")}
    names = list(feeds)
    out_name, ref = main_output(forward(built.model, feeds), built.output)
    path = os.path.join(out, "onnx", "model.onnx")
    t0 = time.perf_counter()
    try:
        with torch.no_grad():
            torch.onnx.export(_MainOutput(built.model, names, out_name), tuple(feeds[n] for n in names), path,
                              input_names=names, output_names=[out_name], opset_version=OPSET,
                              dynamic_axes=_dynamic_axes(feeds, out_name, ref.dim()), dynamo=False)
    except Exception as err:  # noqa: BLE001 - the exporter's own message is the reason
        text = str(err).strip().splitlines()
        return {"status": "fail", "reason": f"torch.onnx.export failed: {type(err).__name__}: {text[0] if text else ''}"[:600]}
    export_ms = round((time.perf_counter() - t0) * 1000, 1)
    built.config.save_pretrained(out)
    files = ["config.json", "onnx/model.onnx", *write_support_files(built, out), "reference.json"]
    reference = {
        "format": FORMAT,
        "producer": {"tool": "hf-core export", "torch": torch.__version__.split("+")[0], "transformers": transformers.__version__,
                     "model_class": built.cls.__name__, "model_type": built.model_type, "seed": seed},
        "dtype": "fp32",
        "cases": [{"name": "default", "file": "onnx/model.onnx",
                   "inputs": {n: tensor_json(feeds[n]) for n in names},
                   "outputs": {out_name: tensor_json(ref)}}],
    }
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(reference, f)
    return {"status": "pass", "reason": "", "dir": os.path.abspath(out), "files": files, "exportMs": export_ms}


def export_type(ref: str, out: str, seed: int = 0, size: str = "tiny") -> dict:
    """Exports a model type, or the model_type of a folder's config.json."""
    model_type = ref
    if os.path.isdir(ref) or ref.endswith(".json"):
        cfg = os.path.join(ref, "config.json") if os.path.isdir(ref) else ref
        with open(cfg) as f:
            model_type = json.load(f).get("model_type") or ""
        if not model_type:
            raise ValueError(f"{cfg} has no model_type: cannot tell which architecture to build")
    built = build(model_type, seed, size)
    return {"modelType": model_type, "modelClass": built.cls.__name__, **export_built(built, out, seed)}


def main(argv=None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    p = argparse.ArgumentParser(prog="python -m hf_core_torch.export", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("ref", help="a model type (bert) or a folder / config.json with model_type")
    p.add_argument("--out", required=True, help="folder to write (created)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--size", choices=["tiny", "micro"], default="tiny")
    args = p.parse_args(argv)
    from .build import SkipType

    try:
        result = export_type(args.ref, args.out, args.seed, args.size)
    except SkipType as err:
        print(json.dumps({"status": "skip", "reason": str(err)}))
        return 1
    print(json.dumps(result))
    return 0 if result["status"] == "pass" else 1


if __name__ == "__main__":
    sys.exit(main())
