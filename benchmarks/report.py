"""What the benchmarks ran on, and the results as a Markdown table and a JSON document."""

from __future__ import annotations

import datetime
import os
import platform
import re
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from harness import Timing
from workloads import matmul_peak

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


LABELS = {
    "retrograd": "retrograd eager",
    "retrograd-compiled": "retrograd compiled",
    "numpy": "numpy floor",
    "torch": "torch",
}


@dataclass(frozen=True)
class Target:
    """A goal for one ratio: `implementation`'s time (or peak RSS) over `versus`'s, at most `limit`.

    `workload` names the workload exactly, or is contained in its name ("cnn" matches "digits_cnn").
    """

    workload: str
    implementation: str
    measure: str  # "time" (median per step) or "rss" (peak resident memory)
    versus: str  # "numpy" or "torch"
    limit: float


TARGETS = (
    Target("seed", "retrograd", "time", "numpy", 2.5),
    Target("seed", "retrograd", "time", "torch", 0.2),
    Target("seed", "retrograd-compiled", "time", "numpy", 1.3),
    Target("seed", "retrograd-compiled", "time", "torch", 0.1),
    Target("digits", "retrograd", "time", "numpy", 2.0),
    Target("digits", "retrograd", "time", "torch", 0.5),
    Target("digits", "retrograd-compiled", "time", "numpy", 1.2),
    Target("digits", "retrograd-compiled", "time", "torch", 0.3),
    Target("mlp", "retrograd", "time", "numpy", 1.05),
    Target("mlp", "retrograd", "time", "torch", 1.0),
    Target("cnn", "retrograd", "time", "numpy", 1.3),
    Target("cnn", "retrograd", "time", "torch", 0.8),
    Target("mlp", "retrograd", "rss", "numpy", 1.3),
    Target("mlp", "retrograd", "rss", "torch", 0.6),
)
IMPORT_TARGET_S = 0.3  # median seconds to `import retrograd` in a fresh process


def _duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def _range(low: float, high: float) -> str:
    if high < 1e-3:
        return f"{low * 1e6:.1f}–{high * 1e6:.1f} µs"
    return f"{low * 1e3:.2f}–{high * 1e3:.2f} ms"


def _rate(per_second: float) -> str:
    if per_second >= 1e6:
        return f"{per_second / 1e6:.2f} M"
    if per_second >= 1e3:
        return f"{per_second / 1e3:.1f} k"
    return f"{per_second:.0f}"


def ratios(timings: list[Timing]) -> dict[str, float]:
    """Median ratios of each retrograd mode to numpy and torch, where both sides ran."""
    medians = {t.implementation: t.median for t in timings}
    found = {}
    for mine in ("retrograd", "retrograd-compiled"):
        for other in ("numpy", "torch"):
            if mine in medians and other in medians:
                found[f"{mine}/{other}"] = medians[mine] / medians[other]
    return found


def _rss_mib(result: dict[str, Any], implementation: str) -> float | None:
    entry = (result.get("rss") or {}).get(implementation)
    return None if entry is None or "error" in entry else entry["peak_rss_mib"]


def _label(result: dict[str, Any], implementation: str) -> str:
    note = result["notes"].get(implementation)
    label = LABELS.get(implementation, implementation)
    return f"{label} ({note})" if note else label


def results_table(results: list[dict[str, Any]]) -> list[str]:
    """The README table: one row per workload and implementation."""
    lines = [
        "| workload | implementation | median / step | min–max / step | ÷ numpy | ÷ torch "
        "| samples/s | peak RSS |",
        "|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    for result in results:
        timings: list[Timing] = result["timings"]
        medians = {t.implementation: t.median for t in timings}
        for t in timings:
            cells = [
                result["workload"],
                _label(result, t.implementation),
                _duration(t.median),
                _range(t.low, t.high),
            ]
            for base in ("numpy", "torch"):
                cells.append(f"{t.median / medians[base]:.2f}×" if base in medians else "–")
            samples = result["samples_per_step"]
            cells.append(_rate(samples / t.median) if samples else "–")
            rss = _rss_mib(result, t.implementation)
            cells.append(f"{rss:.0f} MiB" if rss is not None else "–")
            lines.append("| " + " | ".join(cells) + " |")
        for name, why in result["dropped"].items():
            cells = [result["workload"], f"{LABELS.get(name, name)} (left out: {why})"]
            lines.append("| " + " | ".join(cells + ["–"] * 6) + " |")
    return lines


def peak_lines(peak: list[dict[str, Any]], results: list[dict[str, Any]]) -> list[str]:
    """The matmul probe's table, and each FLOP-counted workload's rate as a share of it."""
    best = matmul_peak.peaks(peak)
    libraries = list(best)
    lines = [
        "| n | " + " | ".join(f"{lib} GFLOP/s (best)" for lib in libraries) + " |",
        "|--:|" + "--:|" * len(libraries),
    ]
    for n in sorted({row["n"] for row in peak}):
        cells = [str(n)]
        for library in libraries:
            row = next(r for r in peak if r["n"] == n and r["library"] == library)
            cells.append(f"{row['gflops_median']:.1f} ({row['gflops_best']:.1f})")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for result in results:
        flops = result["flops_per_step"]
        if not flops:
            continue
        parts = []
        for t in result["timings"]:
            library = "torch" if t.implementation == "torch" else "numpy"
            if library not in best:
                continue
            rate = flops / t.median / 1e9
            parts.append(
                f"{LABELS.get(t.implementation, t.implementation)} {rate:.1f} GFLOP/s "
                f"({100 * rate / best[library]:.0f}% of {library}'s peak)"
            )
        lines.append(
            f"- **{result['workload']}** ({flops / 1e6:.1f} MFLOP a step, 6 × batch × Σ in·out): "
            + "; ".join(parts)
        )
    return lines


def sweep_lines(sweep: list[dict[str, Any]]) -> list[str]:
    """Median time per step at each sweep point, and retrograd's ratios."""
    implementations = [
        name for name in LABELS if any(t.implementation == name for t in sweep[0]["timings"])
    ]
    header = ["width", "batch"] + [LABELS[name] for name in implementations]
    header += ["eager ÷ numpy", "eager ÷ torch"]
    lines = ["| " + " | ".join(header) + " |", "|--:|--:|" + "--:|" * (len(header) - 2)]
    for point in sweep:
        medians = {t.implementation: t.median for t in point["timings"]}
        cells = [str(point["width"]), str(point["batch"])]
        cells += [_duration(medians[name]) if name in medians else "–" for name in implementations]
        for base in ("numpy", "torch"):
            both = "retrograd" in medians and base in medians
            cells.append(f"{medians['retrograd'] / medians[base]:.2f}×" if both else "–")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def import_lines(imports: dict[str, Any]) -> list[str]:
    lines = ["| module | median | min–max |", "|---|--:|--:|"]
    for module, seconds in imports["seconds"].items():
        low, high = min(seconds), max(seconds)
        lines.append(
            f"| `import {module}` | {statistics.median(seconds):.3f} s | {low:.3f}–{high:.3f} s |"
        )
    breakdown = imports["retrograd_breakdown"]
    if breakdown:
        lines += [
            "",
            "Slowest imports made directly by `retrograd` (cumulative, one `-X importtime` run): "
            + ", ".join(f"`{name}` {seconds:.3f} s" for name, seconds in breakdown),
        ]
    return lines


def _find(results: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    exact = [r for r in results if r["workload"] == name]
    partial = [r for r in results if name in r["workload"]]
    return (exact or partial or [None])[0]


def evaluate_targets(outcome: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with what was measured and `met`, `missed` or why it was not measured."""
    rows = []
    for target in TARGETS:
        what = "time / step" if target.measure == "time" else "peak RSS"
        row: dict[str, Any] = {
            "target": f"{target.workload}: {LABELS[target.implementation]} {what} "
            f"÷ {LABELS[target.versus]}",
            "limit": target.limit,
            "measured": None,
        }
        result = _find(outcome["workloads"], target.workload)
        row["status"] = _status(result, target, row)
        rows.append(row)
    imports = outcome["imports"]
    row = {"target": "import retrograd (median, fresh process), s", "limit": IMPORT_TARGET_S}
    if imports is None or "retrograd" not in imports["seconds"]:
        row.update(measured=None, status="not run")
    else:
        measured = statistics.median(imports["seconds"]["retrograd"])
        row.update(measured=measured, status="met" if measured <= IMPORT_TARGET_S else "missed")
    rows.append(row)
    return rows


def _status(result: dict[str, Any] | None, target: Target, row: dict[str, Any]) -> str:
    if result is None:
        return "not run"
    if target.implementation in result["dropped"]:
        return "not measured (left out)"
    if target.implementation in result["notes"]:
        return f"not measured ({result['notes'][target.implementation]})"
    if target.measure == "time":
        values = {t.implementation: t.median for t in result["timings"]}
    else:
        values = {name: _rss_mib(result, name) for name in (result.get("rss") or {})}
    mine, theirs = values.get(target.implementation), values.get(target.versus)
    if mine is None or theirs is None:
        return "not measured" + (" (run with --rss)" if target.measure == "rss" else "")
    row["measured"] = mine / theirs
    return "met" if row["measured"] <= target.limit else "missed"


def target_lines(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["| target | limit | measured | status |", "|---|--:|--:|---|"]
    for row in rows:
        seconds = row["target"].endswith(", s")
        unit = " s" if seconds else "×"
        measured = "–" if row["measured"] is None else f"{row['measured']:.3g}{unit}"
        status = f"**{row['status']}**" if row["status"] == "missed" else row["status"]
        lines.append(f"| {row['target']} | ≤ {row['limit']:g}{unit} | {measured} | {status} |")
    return lines


def markdown(outcome: dict[str, Any], env: dict[str, Any], settings: dict[str, Any]) -> str:
    results = outcome["workloads"]
    lines = ["# retrograd benchmarks", ""]
    if results:
        lines += [
            f"Time per training step: median over {settings['repeats']} repeats, and the fastest "
            "and slowest repeat. Each repeat runs every implementation in turn (retrograd eager, "
            "retrograd compiled, the NumPy floor, PyTorch), after a warm-up; `÷ numpy` and "
            "`÷ torch` divide the row's median by theirs. Peak RSS: each implementation training "
            "the workload alone in a fresh process (`--rss` for every workload). "
            f"BLAS and PyTorch threads: {settings['threads']}.",
            "",
            *results_table(results),
        ]
    if outcome["peak"]:
        lines += ["", "## Float32 matmul peak", ""]
        lines += [
            "Square `n × n` products, 2n³ flops each: median GFLOP/s (best) over the repeats. "
            "A workload's share of the peak compares its step's flops with its library's best "
            "median.",
            "",
            *peak_lines(outcome["peak"], results),
        ]
    if outcome["sweep"]:
        lines += ["", "## Sweep: batch size × width", ""]
        lines += [
            "A width-width-10 ReLU MLP, cross-entropy, SGD: median time per step over "
            f"{settings['sweep_repeats']} short repeats. Chart: `sweep.png`.",
            "",
            "![retrograd ÷ numpy and ÷ torch over batch size, one line per width](sweep.png)",
            "",
            *sweep_lines(outcome["sweep"]),
        ]
    if outcome["imports"]:
        lines += ["", "## Import time", ""]
        lines += [
            f"Seconds for the `import` statement alone, median of {outcome['imports']['runs']} "
            "fresh interpreters (retrograd's includes NumPy's).",
            "",
            *import_lines(outcome["imports"]),
        ]
    if outcome.get("doctor"):
        from doctor_cost import markdown_lines as doctor_lines

        lines += ["", "## What the doctor costs", ""]
        lines += [
            "Median seconds of `doctor(...)` on an untrained network (quick and full), and "
            "one `fit` epoch with and without `DoctorCallback`.",
            "",
            *doctor_lines(outcome["doctor"]),
        ]
    scaling = outcome.get("scaling")
    if scaling:
        lines += ["", "## Data-parallel scaling (MPI)", ""]
        if "error" in scaling:
            lines += [f"Not measured: {scaling['error']}"]
        else:
            from scaling import markdown_lines

            lines += [
                f"The {scaling['model']} MLP, SGD, {scaling['batch_per_rank']} rows per rank and "
                "step, one BLAS thread per rank, `DistributedDataParallel` over `mpiexec`; the "
                "all-reduce column is the time spent averaging gradients per step on rank 0.",
                "",
                *markdown_lines(scaling),
            ]
    lines += ["", "## Targets", "", *target_lines(evaluate_targets(outcome))]
    if results:
        lines += ["", "Workloads:", ""]
        lines += [f"- **{r['workload']}**: {r['description']}" for r in results]
        lines += ["", "Correctness (one step from the same initial weights):", ""]
        lines += [f"- {r['check']}" for r in results]
        for r in results:
            lines += [
                f"- {r['workload']}: peak RSS of {name} not measured: {entry['error']}"
                for name, entry in (r["rss"] or {}).items()
                if "error" in entry
            ]
            lines += [
                f"- {r['workload']}: {name} left out: {why}" for name, why in r["dropped"].items()
            ]
    lines += ["", "## Machine", ""]
    lines += _environment_lines(env)
    return "\n".join(lines) + "\n"


def sweep_chart(sweep: list[dict[str, Any]], path: Path, threads: int) -> None:
    """PNG: time per step over batch size per width, and retrograd's ratios to numpy and torch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    widths = sorted({point["width"] for point in sweep})
    figure = plt.figure(figsize=(4 * len(widths), 8), layout="constrained")
    grid = figure.add_gridspec(2, 2 * len(widths))
    styles = {"retrograd": "-o", "retrograd-compiled": "--o", "numpy": "-s", "torch": "-^"}
    for column, width in enumerate(widths):
        points = [p for p in sweep if p["width"] == width]
        batches = [p["batch"] for p in points]
        axes = figure.add_subplot(grid[0, 2 * column : 2 * column + 2])
        for name, style in styles.items():
            medians = [_median_of(p, name) for p in points]
            if all(m is not None for m in medians):
                axes.plot(batches, [m * 1e3 for m in medians], style, label=LABELS[name])
        axes.set(xscale="log", yscale="log", title=f"width {width}", xlabel="batch size")
        axes.set_ylabel("ms / step")
        axes.legend(fontsize="small")
    half = len(widths)
    for index, base in enumerate(("numpy", "torch")):
        axes = figure.add_subplot(grid[1, index * half : (index + 1) * half])
        for width in widths:
            points = [p for p in sweep if p["width"] == width]
            pairs = [(p["batch"], _median_of(p, "retrograd"), _median_of(p, base)) for p in points]
            pairs = [(b, mine / theirs) for b, mine, theirs in pairs if mine and theirs]
            axes.plot([b for b, _ in pairs], [r for _, r in pairs], "-o", label=f"width {width}")
        axes.axhline(1.0, color="grey", linewidth=0.8)
        axes.set(xscale="log", yscale="log", xlabel="batch size")
        axes.set_title(f"retrograd eager ÷ {LABELS[base]}")
        axes.legend(fontsize="small")
    figure.suptitle(f"width-width-10 ReLU MLP, SGD: time per step ({threads} BLAS thread(s))")
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _median_of(point: dict[str, Any], implementation: str) -> float | None:
    return next((t.median for t in point["timings"] if t.implementation == implementation), None)


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


def _result_json(r: dict[str, Any]) -> dict[str, Any]:
    document = {
        key: r[key]
        for key in ("workload", "description", "check", "notes", "dropped", "samples_per_step")
    }
    document["flops_per_step"] = r["flops_per_step"]
    for key in ("width", "batch"):
        if key in r:
            document[key] = r[key]
    document["ratios"] = ratios(r["timings"])
    document["peak_rss"] = r["rss"]
    document["timings"] = [
        {
            "implementation": t.implementation,
            "steps_per_repeat": t.steps_per_repeat,
            "seconds_per_step": t.seconds_per_step,
            "median_s": t.median,
            "min_s": t.low,
            "max_s": t.high,
        }
        for t in r["timings"]
    ]
    return document


def json_document(
    outcome: dict[str, Any], env: dict[str, Any], settings: dict[str, Any]
) -> dict[str, Any]:
    return {
        "settings": settings,
        "environment": env,
        "results": [_result_json(r) for r in outcome["workloads"]],
        "matmul_peak": outcome["peak"],
        "sweep": [_result_json(r) for r in outcome["sweep"]] if outcome["sweep"] else None,
        "imports": outcome["imports"],
        "scaling": outcome.get("scaling"),
        "doctor": outcome.get("doctor"),
        "targets": evaluate_targets(outcome),
    }
