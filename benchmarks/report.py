"""What the benchmarks ran on, and the results as a Markdown table and a JSON document."""

from __future__ import annotations

import datetime
import os
import platform
import re
from typing import Any

import numpy as np
from harness import Timing

CORETYPE_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def core_count() -> int:
    """Cores this process may run on (respects CPU affinity and container limits on Linux)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def load_average() -> list[float] | None:
    """1, 5 and 15 minute load averages, where the system reports them."""
    return list(os.getloadavg()) if hasattr(os, "getloadavg") else None


def thread_pools() -> list[dict[str, Any]]:
    """The BLAS and OpenMP pools threadpoolctl sees, without file paths."""
    from threadpoolctl import threadpool_info

    keys = ("user_api", "internal_api", "prefix", "version", "architecture", "corename")
    keys += ("threading_layer", "num_threads")
    return [{k: info[k] for k in keys if info.get(k) is not None} for info in threadpool_info()]


def torch_backend() -> dict[str, Any] | None:
    """PyTorch's version, threads and the math libraries it was built with (MKL, oneDNN)."""
    try:
        import torch
    except ImportError:
        return None
    libraries = []
    for line in torch.__config__.parallel_info().splitlines():
        mkl = re.search(r"Math Kernel Library Version (\S+?)-", line)
        if mkl:
            libraries.append(f"MKL {mkl.group(1)}")
        dnn = re.search(r"(?:MKL-DNN|oneDNN) (v\S+)", line)
        if dnn:
            libraries.append(f"oneDNN {dnn.group(1)}")
    return {
        "version": torch.__version__,
        "num_threads": torch.get_num_threads(),
        "libraries": libraries,
    }


def environment() -> dict[str, Any]:
    import retrograd

    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu": cpu_name(),
        "cores": core_count(),
        "load_average": load_average(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "retrograd": retrograd.__version__,
        "torch": torch_backend(),
        "thread_pools": thread_pools(),
        "environment_variables": {name: os.environ.get(name) for name in CORETYPE_VARIABLES},
    }


def _duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    return f"{seconds * 1e3:.2f} ms"


def _range(low: float, high: float) -> str:
    if high < 1e-3:
        return f"{low * 1e6:.1f}–{high * 1e6:.1f} µs"
    return f"{low * 1e3:.2f}–{high * 1e3:.2f} ms"


def ratios(timings: list[Timing]) -> dict[str, float]:
    """`retrograd/numpy` and `retrograd/torch` median ratios, where both sides ran."""
    medians = {t.implementation: t.median for t in timings}
    if "retrograd" not in medians:
        return {}
    return {
        f"retrograd/{other}": medians["retrograd"] / medians[other]
        for other in ("numpy", "torch")
        if other in medians
    }


def markdown(results: list[dict[str, Any]], env: dict[str, Any], settings: dict[str, Any]) -> str:
    lines = [
        "# retrograd benchmarks",
        "",
        f"Time per training step: median over {settings['repeats']} repeats, and the fastest and "
        "slowest repeat. Each repeat runs every implementation in turn (retrograd, numpy, torch), "
        "after a warm-up; `÷ numpy` and `÷ torch` divide the row's median by theirs. "
        f"BLAS and PyTorch threads: {settings['threads']}.",
        "",
        "| workload | implementation | steps × repeats | median / step | min–max / step "
        "| ÷ numpy | ÷ torch |",
        "|---|---|--:|--:|--:|--:|--:|",
    ]
    for result in results:
        timings: list[Timing] = result["timings"]
        medians = {t.implementation: t.median for t in timings}
        for t in timings:
            cells = [
                result["workload"],
                t.implementation,
                f"{t.steps_per_repeat} × {len(t.seconds_per_step)}",
                _duration(t.median),
                _range(t.low, t.high),
            ]
            for base in ("numpy", "torch"):
                cells.append(f"{t.median / medians[base]:.2f}×" if base in medians else "–")
            lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Workloads:", ""]
    lines += [f"- **{r['workload']}**: {r['description']}" for r in results]
    lines += ["", "Correctness (one step from the same initial weights):", ""]
    lines += [f"- {r['check']}" for r in results]
    lines += ["", "## Machine", ""]
    lines += _environment_lines(env)
    return "\n".join(lines) + "\n"


def _environment_lines(env: dict[str, Any]) -> list[str]:
    lines = [f"- CPU: {env['cpu']}, {env['cores']} cores available"]
    if env["load_average"] is not None:
        # other processes competing for the cores make threaded BLAS much slower and noisier
        lines.append(
            "- Load average (1, 5, 15 min) before the run: "
            + ", ".join(f"{load:.2f}" for load in env["load_average"])
            + "; after: "
            + ", ".join(f"{load:.2f}" for load in env["load_average_after"])
        )
    lines += [
        f"- Python {env['python']}, NumPy {env['numpy']}, retrograd {env['retrograd']}",
    ]
    torch = env["torch"]
    if torch is not None:
        libraries = ", ".join(torch["libraries"]) or "no MKL/oneDNN reported"
        lines.append(f"- PyTorch {torch['version']}: threads {torch['num_threads']}; {libraries}")
    else:
        lines.append("- PyTorch: not installed (torch rows skipped)")
    for pool in env["thread_pools"]:
        parts = [f"{pool['user_api']}: {pool['internal_api']} ({pool.get('prefix', '?')})"]
        if "version" in pool:
            parts.append(f"version {pool['version']}")
        kernel = pool.get("architecture") or pool.get("corename")
        if kernel:
            parts.append(f"kernel {kernel}")
        parts.append(f"threads {pool['num_threads']}")
        if "threading_layer" in pool:
            parts.append(f"{pool['threading_layer']} threading")
        lines.append("- threadpoolctl " + ", ".join(parts))
    for name, value in env["environment_variables"].items():
        lines.append(f"- {name}: " + ("unset" if value is None else f"set to `{value}`"))
    lines.append(f"- Run at {env['date']}")
    return lines


def json_document(
    results: list[dict[str, Any]], env: dict[str, Any], settings: dict[str, Any]
) -> dict[str, Any]:
    return {
        "settings": settings,
        "environment": env,
        "results": [
            {
                "workload": r["workload"],
                "description": r["description"],
                "check": r["check"],
                "ratios": ratios(r["timings"]),
                "timings": [
                    {
                        "implementation": t.implementation,
                        "steps_per_repeat": t.steps_per_repeat,
                        "seconds_per_step": t.seconds_per_step,
                        "median_s": t.median,
                        "min_s": t.low,
                        "max_s": t.high,
                    }
                    for t in r["timings"]
                ],
            }
            for r in results
        ],
    }
