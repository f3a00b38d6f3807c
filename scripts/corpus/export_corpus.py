"""Rebuilds fixtures/torch-exports/: tiny models of real Hugging Face Transformers classes, built
with `from_config` on a seeded tiny config, exported with torch.onnx.export in the layouts users
have (transformers.js's onnx/ with _fp16 / _quantized variants, optimum's flat model.onnx,
external data, encoder + decoder files), each with its tokenizer or processor files and a
reference.json of the PyTorch outputs for fixed inputs.

    python scripts/corpus/export_corpus.py [--out fixtures/torch-exports] [name ...]

Needs torch, transformers==5.18.0, onnx, onnxscript, onnxruntime, tokenizers (scripts/corpus/README.md).
"""

import argparse
import os
import shutil
import sys
import warnings

import torch
import transformers as tr

sys.path.insert(0, os.path.dirname(__file__))
import exporters as ex  # noqa: E402
from support import fp16_variant, q8_variant, vocab, write_json, write_tokenizer  # noqa: E402

SEED = 0
V = len(vocab())
TEXT = dict(vocab_size=V, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, max_position_embeddings=64)
DEC = dict(TEXT, num_key_value_heads=1, pad_token_id=0, bos_token_id=2, eos_token_id=3)
IMG = 32


def image_processor(out, cls=tr.ViTImageProcessor, **kw):
    cls(**{"size": {"height": IMG, "width": IMG}, **kw}).save_pretrained(out)


def audio_processor(out):
    tr.Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=16000, padding_value=0.0, do_normalize=True, return_attention_mask=False).save_pretrained(out)


# name: (family, build the model, export it into `out`, support files, variants)
def archs():
    enc = lambda cls, cfg, output="logits", tt=False, file="onnx/model.onnx", **kw: (
        lambda: cls(cfg(**TEXT, **kw)),
        lambda m, out: ex.encoder(m, out, file, output, tt),
    )
    dec = lambda cls, cfg, **kw: (lambda: cls(cfg(**{**DEC, **kw})), lambda m, out: ex.decoder(m, out, "onnx/model.onnx"))
    no_kv = {k: v for k, v in DEC.items() if k != "num_key_value_heads"}
    text_tok = lambda kind: lambda out: write_tokenizer(out, kind)
    vit = dict(image_size=IMG, patch_size=8, num_channels=3, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, num_labels=3)
    return {
        # encoder-only
        "bert": ("encoder-only", *enc(tr.BertForMaskedLM, tr.BertConfig, tt=True), text_tok("encoder"), ["fp16", "q8"]),
        "roberta": ("encoder-only", *enc(tr.RobertaForMaskedLM, tr.RobertaConfig, pad_token_id=0), text_tok("encoder"), []),
        "distilbert": (
            "encoder-only",
            lambda: tr.DistilBertForSequenceClassification(tr.DistilBertConfig(vocab_size=V, dim=32, n_layers=2, n_heads=2, hidden_dim=64, max_position_embeddings=64, num_labels=2)),
            lambda m, out: ex.encoder(m, out, "model.onnx", "logits"),  # optimum's flat layout
            text_tok("encoder"),
            [],
        ),
        "electra": ("encoder-only", *enc(tr.ElectraForMaskedLM, tr.ElectraConfig, tt=True, embedding_size=16), text_tok("encoder"), []),
        "albert": ("encoder-only", *enc(tr.AlbertForMaskedLM, tr.AlbertConfig, tt=True, embedding_size=16), text_tok("encoder"), []),
        "mpnet": ("encoder-only", *enc(tr.MPNetForMaskedLM, tr.MPNetConfig), text_tok("encoder"), []),
        # decoder-only, with a KV cache
        "gpt2": (
            "decoder-only",
            lambda: tr.GPT2LMHeadModel(tr.GPT2Config(vocab_size=V, n_embd=32, n_layer=2, n_head=2, n_positions=64, bos_token_id=2, eos_token_id=3)),
            lambda m, out: ex.decoder(m, out, "onnx/model.onnx"),
            text_tok("decoder"),
            ["fp16"],
        ),
        "llama": ("decoder-only", *dec(tr.LlamaForCausalLM, tr.LlamaConfig), text_tok("decoder"), ["q8"]),
        "qwen2": ("decoder-only", *dec(tr.Qwen2ForCausalLM, tr.Qwen2Config), text_tok("decoder"), []),
        "mistral": (
            "decoder-only",
            lambda: tr.MistralForCausalLM(tr.MistralConfig(**DEC)),
            lambda m, out: ex.decoder(m, out, "onnx/model.onnx", external=True),  # weights in model.onnx.data
            text_tok("decoder"),
            [],
        ),
        "gpt_neox": ("decoder-only", *dec(tr.GPTNeoXForCausalLM, tr.GPTNeoXConfig, **{"num_key_value_heads": 2}), text_tok("decoder"), []),
        "opt": (
            "decoder-only",
            lambda: tr.OPTForCausalLM(tr.OPTConfig(vocab_size=V, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, ffn_dim=64, max_position_embeddings=64, word_embed_proj_dim=32, pad_token_id=0, bos_token_id=2, eos_token_id=3)),
            lambda m, out: ex.decoder(m, out, "onnx/model.onnx"),
            text_tok("decoder"),
            [],
        ),
        # encoder-decoder, split into encoder_model + decoder_model
        "t5": (
            "encoder-decoder",
            lambda: tr.T5ForConditionalGeneration(tr.T5Config(vocab_size=V, d_model=32, d_kv=16, d_ff=64, num_layers=2, num_heads=2, decoder_start_token_id=0, pad_token_id=0, eos_token_id=3)),
            lambda m, out: ex.seq2seq(m, out),
            text_tok("seq2seq"),
            [],
        ),
        "bart": (
            "encoder-decoder",
            lambda: tr.BartForConditionalGeneration(tr.BartConfig(vocab_size=V, d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=64, pad_token_id=0, bos_token_id=2, eos_token_id=3, decoder_start_token_id=3, forced_eos_token_id=None)),
            lambda m, out: ex.seq2seq_merged(m, out),  # decoder_model_merged.onnx with use_cache_branch
            text_tok("seq2seq"),
            [],
        ),
        "marian": (
            "encoder-decoder",
            lambda: tr.MarianMTModel(tr.MarianConfig(vocab_size=V, d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=64, pad_token_id=0, eos_token_id=3, decoder_start_token_id=0, forced_eos_token_id=None)),
            lambda m, out: ex.seq2seq(m, out, sub=""),  # optimum's flat layout
            text_tok("seq2seq"),
            [],
        ),
        # vision
        "vit": ("vision", lambda: tr.ViTForImageClassification(tr.ViTConfig(**vit)), lambda m, out: ex.vision(m, out, "onnx/model.onnx", IMG), image_processor, ["fp16", "q8"]),
        "deit": ("vision", lambda: tr.DeiTForImageClassification(tr.DeiTConfig(**vit)), lambda m, out: ex.vision(m, out, "onnx/model.onnx", IMG), image_processor, []),
        "convnext": (
            "vision",
            lambda: tr.ConvNextForImageClassification(tr.ConvNextConfig(image_size=IMG, num_channels=3, hidden_sizes=[16, 32], depths=[1, 1], num_stages=2, patch_size=4, num_labels=3)),
            lambda m, out: ex.vision(m, out, "onnx/model.onnx", IMG),
            lambda out: image_processor(out, tr.ConvNextImageProcessor, size={"shortest_edge": IMG}, crop_pct=1.0),
            [],
        ),
        "resnet": (
            "vision",
            lambda: tr.ResNetForImageClassification(tr.ResNetConfig(num_channels=3, embedding_size=16, hidden_sizes=[16, 32], depths=[1, 1], num_labels=3)),
            lambda m, out: ex.vision(m, out, "model.onnx", IMG),  # optimum's flat layout
            image_processor,
            [],
        ),
        "swin": (
            "vision",
            lambda: tr.SwinForImageClassification(tr.SwinConfig(image_size=IMG, patch_size=4, embed_dim=16, depths=[1, 1], num_heads=[2, 2], window_size=4, num_labels=3)),
            lambda m, out: ex.vision(m, out, "onnx/model.onnx", IMG),
            image_processor,
            [],
        ),
        # speech
        "wav2vec2": (
            "speech",
            lambda: tr.Wav2Vec2ForSequenceClassification(tr.Wav2Vec2Config(**AUDIO)),
            lambda m, out: ex.audio(m, out, "onnx/model.onnx"),
            audio_processor,
            [],
        ),
        "hubert": (
            "speech",
            lambda: tr.HubertForSequenceClassification(tr.HubertConfig(**AUDIO)),
            lambda m, out: ex.audio(m, out, "onnx/model.onnx"),
            audio_processor,
            [],
        ),
        "whisper": (
            "speech",
            lambda: tr.WhisperForConditionalGeneration(tr.WhisperConfig(vocab_size=V, num_mel_bins=8, d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64, max_source_positions=16, max_target_positions=32, pad_token_id=0, bos_token_id=2, eos_token_id=3, decoder_start_token_id=2)),
            lambda m, out: ex.seq2seq(m, out, encoder_input="input_features"),
            lambda out: (
                tr.WhisperFeatureExtractor(feature_size=8, sampling_rate=16000, hop_length=160, chunk_length=1, n_fft=400).save_pretrained(out),
                write_tokenizer(out, "seq2seq"),
            ),
            [],
        ),
        # multimodal: text and image into one model
        "clip": (
            "multimodal",
            lambda: tr.CLIPModel(tr.CLIPConfig(text_config=dict(vocab_size=V, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, max_position_embeddings=64, projection_dim=16), vision_config=dict(image_size=IMG, patch_size=8, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, projection_dim=16), projection_dim=16)),
            lambda m, out: ex.text_image(m, out, "onnx/model.onnx", IMG),
            lambda out: (image_processor(out, tr.CLIPImageProcessor, size={"shortest_edge": IMG}, crop_size={"height": IMG, "width": IMG}), write_tokenizer(out, "encoder")),
            [],
        ),
        "siglip": (
            "multimodal",
            lambda: tr.SiglipModel(tr.SiglipConfig(text_config=dict(vocab_size=V, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, max_position_embeddings=64), vision_config=dict(image_size=IMG, patch_size=8, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64))),
            lambda m, out: ex.text_image(m, out, "onnx/model.onnx", IMG),
            lambda out: (image_processor(out, tr.SiglipImageProcessor), write_tokenizer(out, "encoder")),
            [],
        ),
        # other: time series, decision transformer
        "patchtst": (
            "other",
            lambda: tr.PatchTSTForPrediction(tr.PatchTSTConfig(num_input_channels=2, context_length=32, patch_length=8, patch_stride=8, prediction_length=8, d_model=16, num_attention_heads=2, num_hidden_layers=2, ffn_dim=32)),
            # The TorchScript tracer writes a PatchTST graph onnxruntime rejects: the dynamo exporter.
            lambda m, out: ex.export_single(m, out, "onnx/model.onnx", {"past_values": ex.seeded((1, 32, 2), 29)}, ["prediction_outputs"], {}, dynamo=True),
            None,
            [],
        ),
        "decision_transformer": (
            "other",
            lambda: tr.DecisionTransformerModel(tr.DecisionTransformerConfig(state_dim=4, act_dim=2, hidden_size=32, n_layer=2, n_head=2, max_ep_len=64, n_positions=64)),
            lambda m, out: ex.export_single(
                m,
                out,
                "onnx/model.onnx",
                {
                    "states": ex.seeded((1, 5, 4), 31),
                    "actions": ex.seeded((1, 5, 2), 37),
                    "rewards": ex.seeded((1, 5, 1), 41),
                    "returns_to_go": ex.seeded((1, 5, 1), 43),
                    "timesteps": torch.arange(5)[None],
                    "attention_mask": torch.ones(1, 5, dtype=torch.long),
                },
                ["state_preds", "action_preds", "return_preds"],
                {n: {0: "batch_size", 1: "sequence_length"} for n in ["states", "actions", "rewards", "returns_to_go", "timesteps", "attention_mask", "state_preds", "action_preds", "return_preds"]},
            ),
            None,
            [],
        ),
    }


AUDIO = dict(
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=2,
    intermediate_size=64,
    conv_dim=(16, 16),
    conv_stride=(5, 2),
    conv_kernel=(10, 3),
    num_conv_pos_embeddings=16,
    num_conv_pos_embedding_groups=2,
    num_labels=3,
    vocab_size=V,
)


def build(name, spec, root):
    family, make, export, support, variants = spec
    out = os.path.join(root, name)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    torch.manual_seed(SEED)
    model = make().eval()
    model.config.save_pretrained(out)
    cases = export(model, out)
    if support:
        support(out)
    for file in sorted({c[1] for c in cases}):
        for v in variants:
            {"fp16": fp16_variant, "q8": q8_variant}[v](os.path.join(out, file))
    ex.record(
        out,
        {
            "tool": "scripts/corpus/export_corpus.py",
            "torch": torch.__version__.split("+")[0],
            "transformers": tr.__version__,
            "model_class": type(model).__name__,
            "model_type": model.config.model_type,
            "seed": SEED,
            "exporter": "torch.onnx.export (TorchScript tracer, opset 17; dynamo, opset 18, for patchtst)",
        },
        cases,
    )
    write_json(os.path.join(out, "SOURCE.json"), {"family": family, "model_class": type(model).__name__, "variants": ["fp32", *variants]})
    return family


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "torch-exports"))
    p.add_argument("names", nargs="*", help="architectures to rebuild (default: all)")
    a = p.parse_args()
    table = archs()
    names = a.names or list(table)
    failed = []
    for name in names:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                family = build(name, table[name], a.out)
            print(f"ok      {name} ({family})", flush=True)
        except Exception as err:  # one architecture's failure must not hide the others
            failed.append(name)
            print(f"FAILED  {name}: {type(err).__name__}: {str(err).strip().splitlines()[-1][:300]}", flush=True)
    print(f"{len(names) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
