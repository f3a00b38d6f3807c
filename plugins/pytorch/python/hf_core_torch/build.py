"""Builds the tiny model of a type: config, class of its main task, seeded weights, inputs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .inputs import VARIANTS, make_inputs
from .overrides import OVERRIDES
from .tiny import model_classes, resolve_class, tiny_config


class SkipType(Exception):
    """transformers cannot build this type here (missing package, remote code, too old)."""


@dataclass
class Built:
    model_type: str
    model: object
    config: object
    cls: type
    mapping: str
    inputs: dict
    tried: list = field(default_factory=list)

    @property
    def generative(self) -> bool:
        return self.mapping in {"MODEL_FOR_CAUSAL_LM", "MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM", "MODEL_FOR_SPEECH_SEQ_2_SEQ",
                                "MODEL_FOR_IMAGE_TEXT_TO_TEXT"} and _can_generate(self.model)

    @property
    def output(self) -> str | None:
        """The output that is the type's per-row result, where it is not the first by name."""
        return OVERRIDES.get(self.model_type, {}).get("output")

    @property
    def causal(self) -> bool:
        return self.mapping == "MODEL_FOR_CAUSAL_LM"


def _can_generate(model) -> bool:
    try:
        return bool(model.can_generate())
    except Exception:
        return False


MISSING_PACKAGE = re.compile(r"requires? the (\S+) librar|No module named|pip install|trust_remote_code", re.I)


def forward(model, inputs: dict):
    """One forward without a cache (the cache is generate-cache's business)."""
    import inspect

    import torch

    extra = {"use_cache": False} if "use_cache" in inspect.signature(model.forward).parameters else {}
    with torch.inference_mode():
        return model(**inputs, **extra, return_dict=True)


def build(model_type: str, seed: int = 0, size: str = "tiny", device: str = "cpu") -> Built:
    """The first candidate class (main task first) that builds and runs a forward on seeded inputs."""
    import torch
    import transformers

    try:
        config = tiny_config(model_type, size)
    except ValueError as err:
        if "Unrecognized model" in str(err) or "does not recognize" in str(err) or "not recognized" in str(err):
            raise SkipType(f"transformers {transformers.__version__} has no config class for model type {model_type!r}: "
                           f"a newer transformers may add it (pip install -U transformers)") from err
        raise
    except ImportError as err:
        raise SkipType(str(err).strip().splitlines()[0]) from err
    except OSError as err:
        if "huggingface.co" in str(err):
            raise SkipType(f"the default {model_type} config loads files from the Hugging Face hub, and runs are offline: "
                           f"{str(err).strip().splitlines()[0]}") from err
        raise
    candidates = model_classes(model_type)
    if not candidates:
        raise SkipType(f"transformers {transformers.__version__} maps no model class to {model_type!r}")
    tried = []
    no_forward: list[str] = []  # generate-only wrappers (Bark, Qwen2.5-Omni): nothing to run a forward on
    first_error: Exception | None = None
    for mapping, name in candidates:
        try:
            cls = resolve_class(name)
            if getattr(cls.forward, "__name__", "") == "_forward_unimplemented":
                no_forward.append(name)
                continue
            torch.manual_seed(seed)
            model = cls(config).eval().to(device)
            last = None
            for variant in VARIANTS:
                inputs = {k: v.to(device) if hasattr(v, "to") else v
                          for k, v in make_inputs(model, config, model_type, seed, variant=variant).items()}
                try:
                    forward(model, inputs)
                    return Built(model_type, model, config, cls, mapping, inputs, tried)
                except Exception as err:  # noqa: BLE001 - the next variant may fit
                    last = err
            raise last
        except ImportError as err:
            message = str(err).strip().splitlines()[0] if str(err).strip() else repr(err)
            if MISSING_PACKAGE.search(message):
                raise SkipType(message) from err
            first_error = first_error or err
            tried.append(f"{name}: {type(err).__name__}: {message}")
        except Exception as err:  # noqa: BLE001 - every failure of a candidate is reported
            first_error = first_error or err
            tried.append(f"{name}: {type(err).__name__}: {_first_line(err)}")
    if no_forward and not tried:
        raise SkipType(f"{', '.join(no_forward)} defines no forward in transformers {transformers.__version__}: it only "
                       f"generates, through its sub-models")
    raise BuildError("; ".join(tried)) from first_error


class BuildError(Exception):
    """No candidate class built and ran (the tiny config or the inputs do not fit the type)."""


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return (text.splitlines()[0] if text else repr(err))[:400]
