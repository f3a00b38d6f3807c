"""hf-core's PyTorch reference backend: tiny models of every transformers type, their checks, their ONNX export."""

__version__ = "0.1.0"
