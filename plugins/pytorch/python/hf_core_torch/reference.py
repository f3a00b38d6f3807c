"""One type's reference run: build the tiny model, run every check, take the metrics."""

from __future__ import annotations

import resource
import statistics
import time
import traceback

from . import checks as C
from .build import BuildError, SkipType, build, forward
from .faults import apply_fault, process_fault
from .overrides import OVERRIDES

CHECKS = ("output-shapes", "finite", "determinism", "batch-equivalence", "padding-invariance", "save-load", "generate-cache")


def versions() -> dict:
    out = {}
    import platform

    out["python"] = platform.python_version()
    for name in ("torch", "transformers", "onnx", "onnxruntime"):
        try:
            out[name] = __import__(name).__version__
        except Exception:  # noqa: BLE001 - absent is reported as absent
            pass
    try:
        import torch

        out["cuda"] = "available" if torch.cuda.is_available() else "unavailable"
    except Exception:  # noqa: BLE001
        pass
    return out


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _percentile(xs: list, p: float) -> float:
    s = sorted(xs)
    k = min(len(s) - 1, max(0, int(round(p / 100 * (len(s) - 1)))))
    return s[k]


def latency(fn, warmup=2, runs=10, min_ms=200.0, max_runs=2000) -> dict:
    for _ in range(warmup):
        fn()
    samples = []
    start = time.perf_counter()
    while len(samples) < max_runs and (len(samples) < runs or (time.perf_counter() - start) * 1000 < min_ms):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    r = lambda x: round(x, 4)  # noqa: E731
    return {"p50": r(_percentile(samples, 50)), "p90": r(_percentile(samples, 90)), "p95": r(_percentile(samples, 95)),
            "p99": r(_percentile(samples, 99)), "mean": r(statistics.fmean(samples)),
            "stdev": r(statistics.pstdev(samples)), "n": len(samples)}


def run_reference(model_type: str, seed=0, size="tiny", device="cpu", fault=None, measure=None, only=None) -> dict:
    """Result of one type: status pass/fail/skip/error, reason, checks and metrics."""
    measure = measure or {}
    process_fault(fault)
    result = {"modelType": model_type, "status": "pass", "reason": "", "checks": [], "metrics": {}}
    t0 = time.perf_counter()
    try:
        b = build(model_type, seed, size, device)
    except SkipType as err:
        return {**result, "status": "skip", "reason": str(err)}
    except BuildError as err:
        return {**result, "status": "error", "reason": f"the tiny model did not build or run: {err}"}
    except Exception as err:  # noqa: BLE001
        return {**result, "status": "error", "reason": f"the tiny config did not build: {type(err).__name__}: {err}"[:800]}
    metrics = result["metrics"]
    metrics["build_ms"] = round((time.perf_counter() - t0) * 1000, 3)
    result["modelClass"] = b.cls.__name__
    result["task"] = b.mapping
    if b.tried:
        result["fellBackFrom"] = b.tried
    apply_fault(b.model, fault)
    t1 = time.perf_counter()
    out = forward(b.model, b.inputs)
    metrics["first_forward_ms"] = round((time.perf_counter() - t1) * 1000, 3)

    not_applicable = OVERRIDES.get(model_type, {}).get("skip", {})

    def record(name, fn):
        if only and name not in only:
            return
        if name in not_applicable:
            result["checks"].append({"name": name, "status": "skip", "message": f"does not apply: {not_applicable[name]}"})
            return
        try:
            details = fn() or {}
            result["checks"].append({"name": name, "status": "pass", "message": "ok", "details": details})
        except C.CheckSkip as err:
            result["checks"].append({"name": name, "status": "skip", "message": str(err)})
        except C.CheckFailure as err:
            result["checks"].append({"name": name, "status": "fail", "message": str(err), "details": err.details})
        except Exception as err:  # noqa: BLE001 - an exception inside a check fails that check
            tb = traceback.format_exception_only(type(err), err)[-1].strip()
            result["checks"].append({"name": name, "status": "fail", "message": f"raised {tb}"[:800]})

    record("output-shapes", lambda: C.check_shapes(b, out))
    record("finite", lambda: C.check_finite(out, OVERRIDES.get(model_type, {}).get("masked")))
    record("determinism", lambda: C.check_determinism(b))
    record("batch-equivalence", lambda: C.check_batch_equivalence(b))
    record("padding-invariance", lambda: C.check_padding(b))
    record("save-load", lambda: C.check_save_load(b, fault, metrics))
    record("generate-cache", lambda: C.check_generate_cache(b, metrics))
    if measure.get("runs", 10) > 0:
        metrics["latency_ms"] = latency(lambda: forward(b.model, b.inputs), measure.get("warmup", 2),
                                        measure.get("runs", 10), measure.get("ms", 200))
    metrics["peak_rss_mb"] = peak_rss_mb()
    failed = [c for c in result["checks"] if c["status"] == "fail"]
    if failed:
        result["status"] = "fail"
        result["reason"] = "; ".join(f"{c['name']}: {c['message']}" for c in failed)
    result["_built"] = b
    return result
