"""Support files of a corpus folder: a tiny WordPiece tokenizer, processor configs, reference.json,
and the ONNX variants (fp16, 8-bit dynamic quantization) transformers.js ships beside model.onnx."""

import json
import os

import numpy as np
import torch

WORDS = "hello world the a of to and is in it that this with for on as are be at by cat dog sat mat red blue".split()
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
CHARS = list("abcdefghijklmnopqrstuvwxyz0123456789.,!?'")


def vocab():
    """The tokenizer's vocabulary: specials, whole words, characters and their ## continuations."""
    return SPECIALS + WORDS + CHARS + ["##" + c for c in CHARS]


def write_tokenizer(out, kind, model_max_length=64):
    """tokenizer.json (WordPiece, lower-casing BERT normalizer) and tokenizer_config.json.

    kind 'encoder' adds [CLS] ... [SEP]; 'decoder' and 'seq2seq' add nothing (generation prompts)."""
    from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordPiece

    ids = {t: i for i, t in enumerate(vocab())}
    tok = Tokenizer(WordPiece(ids, unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    if kind == "encoder":
        tok.post_processor = processors.TemplateProcessing(
            single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
        )
    for t in SPECIALS:
        tok.add_special_tokens([t])
    tok.save(os.path.join(out, "tokenizer.json"))
    config = {
        "tokenizer_class": "BertTokenizer" if kind == "encoder" else "PreTrainedTokenizerFast",
        "model_max_length": model_max_length,
        "pad_token": "[PAD]",
        "unk_token": "[UNK]",
        "do_lower_case": True,
    }
    if kind == "encoder":
        config.update(cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
    else:
        config.update(bos_token="[CLS]", eos_token="[SEP]")
    write_json(os.path.join(out, "tokenizer_config.json"), config)


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=1)
        f.write("\n")


TYPES = {
    torch.float32: "float32",
    torch.float16: "float32",
    torch.int64: "int64",
    torch.int32: "int32",
    torch.bool: "bool",
}


def tensor_json(t, digits=7):
    """A tensor as reference.json stores it: type, dims, flat row-major data (floats rounded to 7 digits)."""
    t = t.detach()
    data = t.float().flatten().tolist() if t.is_floating_point() else t.long().flatten().tolist()
    if t.is_floating_point():
        data = [float(f"{x:.{digits}g}") for x in data]
    return {"type": TYPES[t.dtype], "dims": list(t.shape), "data": data}


def write_reference(out, producer, cases):
    """reference.json: format hf-core-reference/1 (see docs/reference-json.md)."""
    write_json(
        os.path.join(out, "reference.json"),
        {
            "format": "hf-core-reference/1",
            "producer": producer,
            "dtype": "fp32",
            "cases": [
                {
                    "name": name,
                    "file": file,
                    "inputs": {k: tensor_json(v) for k, v in inputs.items()},
                    "outputs": {k: tensor_json(v) for k, v in outputs.items()},
                }
                for name, file, inputs, outputs in cases
            ],
        },
    )


def export(module, args, path, input_names, output_names, dynamic_axes, external_data=False, dynamo=False):
    """torch.onnx.export with the TorchScript tracer (opset 17), as optimum and transformers.js's
    conversion script call it, or with the dynamo exporter (opset 18, static shapes) where the
    tracer writes a graph onnxruntime rejects; weights inline unless `external_data` (then
    beside it in <file>.data)."""
    import onnx

    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    if dynamo:
        torch.onnx.export(module, tuple(args), path, input_names=input_names, output_names=output_names, dynamo=True, opset_version=18, external_data=external_data)
        return
    torch.onnx.export(
        module,
        tuple(args),
        path,
        input_names=input_names,
        output_names=output_names,
        dynamic_axes=dynamic_axes,
        opset_version=17,
        dynamo=False,
        do_constant_folding=True,
    )
    if external_data:
        model = onnx.load(path)
        onnx.save_model(
            model,
            path,
            save_as_external_data=True,
            all_tensors_to_one_file=True,
            location=os.path.basename(path) + ".data",
            size_threshold=1024,
        )


def fp16_variant(path):
    """<name>_fp16.onnx: onnxruntime's float16 converter, inputs and outputs kept float32."""
    import onnx
    from onnxruntime.transformers.float16 import convert_float_to_float16

    model = convert_float_to_float16(onnx.load(path), keep_io_types=True, disable_shape_infer=True)
    onnx.save(model, path.replace(".onnx", "_fp16.onnx"))


def q8_variant(path):
    """<name>_quantized.onnx: onnxruntime's dynamic 8-bit quantization of MatMul weights (transformers.js's q8)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(path, path.replace(".onnx", "_quantized.onnx"), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"])


def seeded(shape, seed, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(shape, generator=g) * 2 * scale - scale


def as_numpy(x):
    return x.detach().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
