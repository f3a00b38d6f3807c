"""The worker: JSON lines over stdio, one request per line, one answer per line.

Requests: {"id", "op": "versions"} | {"id", "op": "reference", "modelType", "seed", "size",
"device", "fault", "measure", "only", "export": DIR | null, "fork": {"timeoutMs", "memoryCapMb"}}.
Answers: {"id", "ok": true, "result": ...} or {"id", "ok": false, "error": "..."}.

With "fork", the request runs in a forked child (the parent has imported torch and transformers
once and computed nothing): a crash, a hang past timeoutMs or memory past memoryCapMb is that
request's crash / timeout / oom, and the worker goes on. stdout carries answers only; everything
the libraries print goes to stderr.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import traceback


def _finite(x):
    """NaN and Inf are not JSON: they travel as strings."""
    if isinstance(x, float) and (x != x or x in (float("inf"), float("-inf"))):
        return str(x)
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    return x


def _answer(stream, msg: dict) -> None:
    stream.write(json.dumps(_finite(msg)) + "\n")
    stream.flush()


def handle(req: dict) -> dict:
    op = req.get("op")
    if op == "versions":
        from .reference import versions

        return versions()
    if op == "reference":
        from .reference import run_reference

        result = run_reference(req["modelType"], req.get("seed", 0), req.get("size", "tiny"), req.get("device", "cpu"),
                               req.get("fault"), req.get("measure"), req.get("only"))
        built = result.pop("_built", None)
        if req.get("export") and built is not None and result["status"] in {"pass", "fail"}:
            from .export import export_built

            result["export"] = export_built(built, req["export"], req.get("seed", 0))
        return result
    if op == "prewarm":
        # Imports what every model needs (modeling, generation, safetensors) and runs two tiny
        # models once, so forked requests start warm.
        from .reference import run_reference

        return [run_reference(t, measure={"runs": 0})["status"] for t in ("bert", "gpt2")]
    if op == "export":
        from .export import export_type

        return export_type(req["modelType"], req["out"], req.get("seed", 0), req.get("size", "tiny"))
    raise ValueError(f"unknown op {op!r}")


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def handle_forked(req: dict, limits: dict) -> dict:
    """Runs `req` in a forked child; its death, hang or memory blow-up becomes the answer."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(r)
        try:
            msg = {"ok": True, "result": handle(req)}
        except BaseException as err:  # noqa: BLE001
            msg = {"ok": False, "error": "".join(traceback.format_exception_only(type(err), err)).strip()}
        with os.fdopen(w, "w") as out:
            out.write(json.dumps(msg))
        os._exit(0)
    os.close(w)
    timeout = limits.get("timeoutMs", 120_000) / 1000
    cap = limits.get("memoryCapMb", 0)
    started = time.monotonic()
    peak = 0.0
    killed = None
    cpu_ms = None
    chunks = []
    os.set_blocking(r, False)
    while True:
        try:
            data = os.read(r, 1 << 16)
            if data:
                chunks.append(data)
        except BlockingIOError:
            pass
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            cpu_ms = round((usage.ru_utime + usage.ru_stime) * 1000)
            break
        peak = max(peak, _rss_mb(pid))
        if cap and peak > cap:
            killed = "oom"
        elif time.monotonic() - started > timeout:
            killed = "timeout"
        if killed:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            status = -1
            break
        time.sleep(0.02)
    while True:
        try:
            data = os.read(r, 1 << 16)
        except BlockingIOError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(r)
    elapsed = round((time.monotonic() - started) * 1000)
    base = {"modelType": req.get("modelType"), "checks": [], "metrics": {"peak_rss_mb": round(peak, 1)}, "durationMs": elapsed}
    if killed == "timeout":
        return {"ok": True, "result": {**base, "status": "timeout", "reason": f"still running after {timeout:.0f} s; killed"}}
    if killed == "oom":
        return {"ok": True, "result": {**base, "status": "oom", "reason": f"resident memory {peak:.0f} MB passed the {cap} MB cap; killed"}}
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        return {"ok": True, "result": {**base, "status": "crash", "reason": f"the worker died with {name}"}}
    text = b"".join(chunks).decode()
    if not text:
        return {"ok": True, "result": {**base, "status": "crash", "reason": f"the worker exited ({status}) without an answer"}}
    msg = json.loads(text)
    if msg.get("ok") and isinstance(msg.get("result"), dict):
        msg["result"]["durationMs"] = elapsed
        msg["result"]["cpuMs"] = cpu_ms
    return msg


def main() -> None:
    answers = sys.stdout
    sys.stdout = sys.stderr  # libraries that print must not break the protocol
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never download at run time
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import torch

    torch.set_num_threads(int(os.environ.get("HF_CORE_TORCH_THREADS", "1")))
    import transformers  # noqa: F401 - imported once, before any fork

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    _answer(answers, {"id": 0, "ok": True, "result": {"ready": True}})
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            if req.get("fork"):
                msg = handle_forked(req, req["fork"])
            else:
                msg = {"ok": True, "result": handle(req)}
        except BaseException as err:  # noqa: BLE001
            msg = {"ok": False, "error": "".join(traceback.format_exception_only(type(err), err)).strip()}
        _answer(answers, {"id": req.get("id"), **msg})


if __name__ == "__main__":
    main()
