"""How each kind of model is exported: which wrapper, inputs, names and dynamic axes, and which
reference cases are recorded. Every reference output is computed from the same torch module
right before it is exported (the TorchScript tracer may leave a module changed after export)."""

import os

import torch
from transformers import DynamicCache

from support import export, seeded, write_reference


class Outputs(torch.nn.Module):
    """Calls the model with keyword inputs and returns the named outputs as a tuple."""

    def __init__(self, model, inputs, outputs, extra=None):
        super().__init__()
        self.model, self.inputs, self.outputs, self.extra = model, inputs, outputs, extra or {}

    def forward(self, *args):
        out = self.model(**dict(zip(self.inputs, args)), **self.extra)
        return tuple(getattr(out, n) if not isinstance(out, dict) else out[n] for n in self.outputs)


def axes(names, spec):
    return {n: spec[n] for n in names if n in spec}


TEXT_AXES = {
    "input_ids": {0: "batch_size", 1: "sequence_length"},
    "attention_mask": {0: "batch_size", 1: "sequence_length"},
    "token_type_ids": {0: "batch_size", 1: "sequence_length"},
    "logits": {0: "batch_size", 1: "sequence_length"},
    "last_hidden_state": {0: "batch_size", 1: "sequence_length"},
}


def export_single(model, out, file, inputs, outputs, dyn, case="default", external=False, extra=None, dynamo=False):
    """One graph (`file`), one reference case: the given inputs through `model`."""
    names = list(inputs)
    wrapper = Outputs(model, names, outputs, extra).eval()
    with torch.no_grad():
        got = wrapper(*inputs.values())
    export(wrapper, inputs.values(), os.path.join(out, file), names, outputs, dyn, external, dynamo)
    return [(case, file, inputs, dict(zip(outputs, got)))]


def text_ids(n=8, vocab=100, seed=1):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, vocab, (1, n), generator=g)
    ids[0, 0], ids[0, -1] = 2, 3  # [CLS] ... [SEP]
    return ids


def encoder(model, out, file, output, token_types=False, external=False):
    vocab = model.config.vocab_size
    inputs = {"input_ids": text_ids(8, vocab), "attention_mask": torch.ones(1, 8, dtype=torch.long)}
    if token_types:
        inputs["token_type_ids"] = torch.zeros(1, 8, dtype=torch.long)
    dyn = axes(list(inputs) + [output], TEXT_AXES)
    if output == "logits" and model.config.architectures and "SequenceClassification" in model.config.architectures[0]:
        dyn["logits"] = {0: "batch_size"}
    return export_single(model, out, file, inputs, [output], dyn, external=external)


class DecoderWithPast(torch.nn.Module):
    """input_ids, attention_mask, position_ids and past_key_values.{i}.key/value in; logits and
    present.{i}.key/value out: the layout of transformers.js's onnx/model.onnx for decoders."""

    def __init__(self, model, layers):
        super().__init__()
        self.model, self.layers = model, layers

    def forward(self, input_ids, attention_mask, position_ids, *past):
        cache = DynamicCache(config=self.model.config)
        for i in range(self.layers):
            cache.update(past[2 * i], past[2 * i + 1], i)
        out = self.model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            position_ids=position_ids,
            past_key_values=cache,
            use_cache=True,
        )
        presents = []
        for layer in out.past_key_values.layers:
            presents += [layer.keys, layer.values]
        return (out.logits, *presents)


def decoder(model, out, file, external=False, position_ids=True):
    c = model.config
    layers = c.num_hidden_layers
    heads = c.num_attention_heads
    kv = getattr(c, "num_key_value_heads", None) or heads
    head_dim = getattr(c, "head_dim", None) or c.hidden_size // heads
    past_names = [f"past_key_values.{i}.{k}" for i in range(layers) for k in ("key", "value")]
    present_names = [f"present.{i}.{k}" for i in range(layers) for k in ("key", "value")]
    wrapper = DecoderWithPast(model, layers).eval()
    ids = text_ids(6, c.vocab_size, seed=3)
    empty = [torch.zeros(1, kv, 0, head_dim) for _ in past_names]

    def feeds(ids, past, past_len):
        n = ids.shape[1]
        return {
            "input_ids": ids,
            "attention_mask": torch.ones(1, past_len + n, dtype=torch.long),
            "position_ids": torch.arange(past_len, past_len + n)[None],
            **dict(zip(past_names, past)),
        }

    with torch.no_grad():
        prefill_in = feeds(ids, empty, 0)
        prefill = wrapper(*prefill_in.values())
        decode_in = feeds(torch.tensor([[7]]), list(prefill[1:]), 6)
        decode = wrapper(*decode_in.values())
        # The graph is traced on a non-empty past, so every cache dim stays symbolic.
        trace_in = feeds(ids[:, :4], [seeded((1, kv, 3, head_dim), 5 + i) for i in range(len(past_names))], 3)
    outputs = ["logits", *present_names]
    dyn = {
        "input_ids": {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
        "position_ids": {0: "batch_size", 1: "sequence_length"},
        "logits": {0: "batch_size", 1: "sequence_length"},
        **{n: {0: "batch_size", 2: "past_sequence_length"} for n in past_names},
        **{n: {0: "batch_size", 2: "total_sequence_length"} for n in present_names},
    }
    export(wrapper, trace_in.values(), os.path.join(out, file), list(trace_in), outputs, dyn, external)
    return [
        ("prefill", file, prefill_in, dict(zip(outputs, prefill))),
        ("decode", file, decode_in, dict(zip(outputs, decode))),
    ]


def seq2seq_encoder(model, out, sub="onnx", encoder_input="input_ids"):
    """encoder_model.onnx and its reference case."""
    c = model.config
    if encoder_input == "input_ids":
        enc_in = {"input_ids": text_ids(8, c.vocab_size, seed=7), "attention_mask": torch.ones(1, 8, dtype=torch.long)}
        enc_dyn = axes(["input_ids", "attention_mask"], TEXT_AXES)
    else:  # speech: input_features [batch, mel bins, frames]
        enc_in = {"input_features": seeded((1, c.num_mel_bins, 2 * c.max_source_positions), 11)}
        enc_dyn = {"input_features": {0: "batch_size"}}
    enc_file = f"{sub}/encoder_model.onnx" if sub else "encoder_model.onnx"
    dyn = {**enc_dyn, "last_hidden_state": {0: "batch_size", 1: "encoder_sequence_length"}}
    return export_single(model.get_encoder().eval(), out, enc_file, enc_in, ["last_hidden_state"], dyn, "encoder")


def seq2seq(model, out, encoder_input="input_ids", sub="onnx"):
    """encoder_model.onnx and decoder_model.onnx (no cache, no merged decoder), as optimum's
    `--no-post-process` export leaves them."""
    c = model.config
    cases = seq2seq_encoder(model, out, sub, encoder_input)
    hidden = cases[0][3]["last_hidden_state"]

    class Decoder(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, encoder_hidden_states, encoder_attention_mask=None):
            out = self.model(
                decoder_input_ids=input_ids,
                # An explicit all-ones mask: without one, transformers looks for packed sequences
                # with torch.diff, which the ONNX exporter cannot translate.
                decoder_attention_mask=torch.ones_like(input_ids),
                encoder_outputs=(encoder_hidden_states,),
                attention_mask=encoder_attention_mask,
                use_cache=False,
            )
            return out.logits

    start = c.decoder_start_token_id if c.decoder_start_token_id is not None else 0
    dec_in = {"input_ids": torch.tensor([[start, 9, 10]]), "encoder_hidden_states": hidden}
    if encoder_input == "input_ids":
        dec_in["encoder_attention_mask"] = torch.ones(1, hidden.shape[1], dtype=torch.long)
    wrapper = Decoder(model).eval()
    with torch.no_grad():
        logits = wrapper(*dec_in.values())
    dec_file = f"{sub}/decoder_model.onnx" if sub else "decoder_model.onnx"
    dyn = {
        "input_ids": {0: "batch_size", 1: "decoder_sequence_length"},
        "encoder_hidden_states": {0: "batch_size", 1: "encoder_sequence_length"},
        "encoder_attention_mask": {0: "batch_size", 1: "encoder_sequence_length"},
        "logits": {0: "batch_size", 1: "decoder_sequence_length"},
    }
    export(wrapper, dec_in.values(), os.path.join(out, dec_file), list(dec_in), ["logits"], dyn)
    return cases + [("decoder", dec_file, dec_in, {"logits": logits})]


def vision(model, out, file, size, output="logits"):
    inputs = {"pixel_values": seeded((1, 3, size, size), 13)}
    return export_single(model, out, file, inputs, [output], {"pixel_values": {0: "batch_size"}, output: {0: "batch_size"}})


def audio(model, out, file, samples=1600):
    inputs = {"input_values": seeded((1, samples), 17, 0.5)}
    dyn = {"input_values": {0: "batch_size", 1: "sequence_length"}, "logits": {0: "batch_size"}}
    return export_single(model, out, file, inputs, ["logits"], dyn)


def text_image(model, out, file, size, outputs=("logits_per_image", "logits_per_text", "text_embeds", "image_embeds")):
    c = model.config.text_config
    inputs = {
        "input_ids": text_ids(8, c.vocab_size, seed=19),
        "pixel_values": seeded((1, 3, size, size), 23),
        "attention_mask": torch.ones(1, 8, dtype=torch.long),
    }
    dyn = {
        "input_ids": {0: "text_batch_size", 1: "sequence_length"},
        "attention_mask": {0: "text_batch_size", 1: "sequence_length"},
        "pixel_values": {0: "image_batch_size"},
    }
    return export_single(model, out, file, inputs, list(outputs), dyn)


def record(out, producer, cases):
    write_reference(out, producer, cases)


class Seq2SeqDecoderWithPast(torch.nn.Module):
    """A seq2seq decoder over per-layer self-attention (`decoder`) and cross-attention (`encoder`)
    caches, optimum's names: past_key_values.{i}.decoder/encoder.key/value -> present.{i}.*.
    With no past given, the cross-attention keys and values come from encoder_hidden_states."""

    def __init__(self, model, layers, with_past):
        super().__init__()
        self.model, self.layers, self.with_past = model, layers, with_past

    def forward(self, input_ids, encoder_attention_mask, encoder_hidden_states, *past):
        from transformers import EncoderDecoderCache

        self_cache, cross_cache = DynamicCache(config=self.model.config), DynamicCache(config=self.model.config)
        if self.with_past:
            for i in range(self.layers):
                self_cache.update(past[4 * i], past[4 * i + 1], i)
                cross_cache.update(past[4 * i + 2], past[4 * i + 3], i)
        out = self.model(
            decoder_input_ids=input_ids,
            decoder_attention_mask=torch.ones_like(input_ids),
            encoder_outputs=(encoder_hidden_states,),
            attention_mask=encoder_attention_mask,
            past_key_values=EncoderDecoderCache(self_cache, cross_cache),
            use_cache=True,
        )
        presents = []
        cache = out.past_key_values
        for i in range(self.layers):
            s, c = cache.self_attention_cache.layers[i], cache.cross_attention_cache.layers[i]
            presents += [s.keys, s.values, c.keys, c.values]
        return (out.logits, *presents)


def merge_decoders(no_past, with_past, merged):
    """optimum's decoder_model_merged.onnx: one graph whose `use_cache_branch` (bool [1]) picks the
    decoder without a past (first step) or with one (every later step); both branches keep their
    own weights, inputs are shared by name."""
    import onnx
    from onnx import TensorProto, helper

    first, later = onnx.load(no_past), onnx.load(with_past)
    inputs = {i.name: i for i in [*first.graph.input, *later.graph.input]}
    outputs = [o.name for o in later.graph.output]

    def branch(model, tag):
        g = model.graph
        renamed = [helper.make_node("Identity", [o.name], [f"{tag}/{o.name}"]) for o in g.output]
        outs = [helper.make_tensor_value_info(f"{tag}/{o.name}", o.type.tensor_type.elem_type, None) for o in g.output]
        return helper.make_graph([*g.node, *renamed], tag, [], outs, initializer=list(g.initializer))

    cond = helper.make_tensor_value_info("use_cache_branch", TensorProto.BOOL, [1])
    node = helper.make_node(
        "If", ["use_cache_branch"], outputs, then_branch=branch(later, "with_past"), else_branch=branch(first, "no_past")
    )
    graph_outputs = [o for o in later.graph.output]
    graph = helper.make_graph([node], "merged_decoder", [*inputs.values(), cond], graph_outputs)
    model = helper.make_model(graph, opset_imports=later.opset_import, producer_name="scripts/corpus merge_decoders")
    model.ir_version = later.ir_version
    onnx.save(model, merged)


def seq2seq_merged(model, out, sub="onnx"):
    """encoder_model.onnx and decoder_model_merged.onnx (with `use_cache_branch`), the layout
    transformers.js generates with."""
    c = model.config
    cases = seq2seq_encoder(model, out, sub)
    hidden = cases[0][3]["last_hidden_state"]
    layers = c.decoder_layers
    heads = c.decoder_attention_heads
    head_dim = c.d_model // heads
    kinds = ("decoder.key", "decoder.value", "encoder.key", "encoder.value")
    past_names = [f"past_key_values.{i}.{k}" for i in range(layers) for k in kinds]
    present_names = [f"present.{i}.{k}" for i in range(layers) for k in kinds]
    outputs = ["logits", *present_names]
    enc_mask = torch.ones(1, hidden.shape[1], dtype=torch.long)
    start = c.decoder_start_token_id
    first = Seq2SeqDecoderWithPast(model, layers, False).eval()
    later = Seq2SeqDecoderWithPast(model, layers, True).eval()
    with torch.no_grad():
        ids = torch.tensor([[start, 9, 10]])
        step1 = first(ids, enc_mask, hidden)
        step2_past = list(step1[1:])
        step2 = later(torch.tensor([[11]]), enc_mask, hidden, *step2_past)
    base = {"input_ids": ids, "encoder_attention_mask": enc_mask, "encoder_hidden_states": hidden}
    dyn = {
        "input_ids": {0: "batch_size", 1: "decoder_sequence_length"},
        "encoder_attention_mask": {0: "batch_size", 1: "encoder_sequence_length"},
        "encoder_hidden_states": {0: "batch_size", 1: "encoder_sequence_length"},
        "logits": {0: "batch_size", 1: "decoder_sequence_length"},
    }
    for n in past_names:
        dyn[n] = {0: "batch_size", 2: "encoder_sequence_length_out" if ".encoder." in n else "past_decoder_sequence_length"}
    for n in present_names:
        dyn[n] = {0: "batch_size", 2: "encoder_sequence_length_out" if ".encoder." in n else "past_decoder_sequence_length + 1"}
    tmp = os.path.join(out, sub, "_parts")
    os.makedirs(tmp, exist_ok=True)
    export(first, base.values(), os.path.join(tmp, "decoder_model.onnx"), list(base), outputs, dyn)
    past_in = {**base, "input_ids": torch.tensor([[11]]), **dict(zip(past_names, step2_past))}
    export(later, past_in.values(), os.path.join(tmp, "decoder_with_past_model.onnx"), list(past_in), outputs, dyn)
    file = f"{sub}/decoder_model_merged.onnx"
    merge_decoders(os.path.join(tmp, "decoder_model.onnx"), os.path.join(tmp, "decoder_with_past_model.onnx"), os.path.join(out, file))
    import shutil

    shutil.rmtree(tmp)
    empty = {n: torch.zeros(1, heads, 0, head_dim) for n in past_names}
    no = torch.tensor([False])
    return cases + [
        ("decoder-first", file, {**base, **empty, "use_cache_branch": no}, dict(zip(outputs, step1))),
        ("decoder-with-past", file, {**past_in, "use_cache_branch": torch.tensor([True])}, dict(zip(outputs, step2))),
    ]
