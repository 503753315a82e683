"""Time one training step of retrograd against a hand-written NumPy floor and PyTorch (CPU).

    python benchmarks/run.py                  # everything: workloads, matmul peak, sweep, imports
    python benchmarks/run.py --quick          # fewer, shorter repeats
    python benchmarks/run.py --workload seed  # one section (repeat the flag for more)
    python benchmarks/run.py --profile        # also profile retrograd's step (cProfile, top 10)
    python benchmarks/run.py --threads 1      # single-threaded BLAS and PyTorch
    python benchmarks/run.py --rss            # peak memory for every workload, not just mlp

Prints a Markdown report and writes it to benchmarks/results/latest.md, with the raw numbers in
benchmarks/results/latest.json and the sweep's chart in benchmarks/results/sweep.png. BLAS and
PyTorch both use one thread per available core unless --threads says otherwise.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import statistics
import sys
from pathlib import Path
from typing import Any

import doctor_cost
import report
import scaling
from harness import (
    Settings,
    check_one_step,
    import_breakdown,
    import_times,
    peak_rss,
    rss_worker,
    time_trainers,
)
from threadpoolctl import threadpool_limits
from workloads import IMPLEMENTATIONS, OPTIONAL, WORKLOADS, Trainer, Workload, matmul_peak, sweep

RESULTS = Path(__file__).resolve().parent / "results"
FULL = Settings(repeats=7, repeat_s=0.3, warmup_s=0.3)
QUICK = Settings(repeats=3, repeat_s=0.1, warmup_s=0.05)
# the sweep has 20 points; its widest ones take a few hundred ms a step, so repeats are short
SWEEP_FULL = Settings(repeats=5, repeat_s=0.05, warmup_s=0.05)
SWEEP_QUICK = Settings(repeats=3, repeat_s=0.02, warmup_s=0.01)
# sections besides the training workloads
EXTRAS = ("peak", "sweep", "imports", "scaling", "doctor")
RSS_BY_DEFAULT = ("mlp",)  # workloads whose peak memory is measured without --rss
IMPORTED = ("numpy", "retrograd", "torch")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 short repeats instead of 7")
    parser.add_argument(
        "--workload",
        action="append",
        choices=sorted(WORKLOADS) + list(EXTRAS),
        help="run only this workload or section (may be repeated): a training workload, "
        "'peak' (matmul GFLOP/s), 'sweep' (batch x width grid and chart), 'imports' "
        "(import times), 'scaling' (1 and 2 MPI ranks) or 'doctor' (doctor and "
        "DoctorCallback cost); default: all",
    )
    parser.add_argument("--repeats", type=int, help="override the number of timed repeats")
    parser.add_argument(
        "--threads",
        type=int,
        help="BLAS and PyTorch threads (default: one per available core); 1 gives steadier "
        "numbers when other processes are busy on the same cores",
    )
    parser.add_argument(
        "--rss",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="measure each implementation's peak RSS in its own process for every workload "
        f"(--no-rss: for none; default: only {', '.join(RSS_BY_DEFAULT)})",
    )
    parser.add_argument(
        "--profile", action="store_true", help="print a cProfile of retrograd's step per workload"
    )
    parser.add_argument(
        "--out", type=Path, default=RESULTS, help="folder for latest.md, latest.json, sweep.png"
    )
    # internal: the process that measures one implementation's peak memory
    parser.add_argument("--rss-worker", nargs=3, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def configure_threads(threads: int) -> Any:
    """Give NumPy's BLAS and PyTorch `threads` threads each; returns the BLAS limiter to keep."""
    limiter = threadpool_limits(limits=threads, user_api="blas")
    try:
        import torch
    except ImportError:
        return limiter
    torch.set_num_threads(threads)
    return limiter


def compile_available() -> bool:
    import retrograd

    return hasattr(retrograd, "compile")


def build_trainers(
    workload: Workload, problem: Any, implementations: tuple[str, ...]
) -> tuple[dict[str, Trainer], dict[str, str]]:
    """Trainers that could be built, and why the optional ones that failed were left out."""
    trainers, dropped = {}, {}
    for name in implementations:
        builder = workload.builders.get(name)
        if builder is None:
            continue
        try:
            trainers[name] = builder(problem)
        except ImportError as error:
            print(f"{workload.name}: {name} skipped ({error})")
        except Exception as error:
            if name not in OPTIONAL:
                raise
            dropped[name] = f"could not be built: {type(error).__name__}: {error}"
    return trainers, dropped


def profile_step(workload: Workload, trainer: Trainer, steps: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        trainer.step()
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream).strip_dirs().sort_stats("tottime")
    stats.print_stats(10)
    return f"### cProfile: {workload.name}, retrograd, {steps} steps\n{stream.getvalue()}"


def run_workload(
    workload: Workload,
    settings: Settings,
    *,
    implementations: tuple[str, ...] = IMPLEMENTATIONS,
    profile: bool = False,
    rss_threads: int | None = None,
) -> dict[str, Any]:
    """Check, time and (with `rss_threads`) measure the peak memory of one workload."""
    problem = workload.setup()
    trainers, dropped = build_trainers(workload, problem, implementations)
    reference = "torch" if "torch" in trainers else "numpy"
    initial = trainers[reference].parameters()
    check = check_one_step(workload, initial, trainers, reference)
    dropped.update(check.dropped)
    print(f"check {check.summary}", flush=True)
    for name, why in dropped.items():
        print(f"{workload.name}: {name} left out: {why}", file=sys.stderr, flush=True)
    timings = time_trainers(trainers, settings)
    if profile and "retrograd" in trainers:
        retrograd_timing = next(t for t in timings if t.implementation == "retrograd")
        print(profile_step(workload, trainers["retrograd"], retrograd_timing.steps_per_repeat))
    rss = None
    if rss_threads is not None:
        rss = peak_rss(workload, problem, list(trainers), rss_threads)
    return {
        "workload": workload.name,
        "description": workload.description,
        "check": check.summary,
        "notes": {name: t.note for name, t in trainers.items() if t.note},
        "dropped": dropped,
        "samples_per_step": workload.samples_per_step,
        "flops_per_step": workload.flops_per_step,
        "timings": timings,
        "rss": rss,
    }


def run_sweep(settings: Settings) -> list[dict[str, Any]]:
    # without retrograd.compile the compiled row would only repeat eager's, at 20 points
    implementations = tuple(
        name for name in IMPLEMENTATIONS if name != "retrograd-compiled" or compile_available()
    )
    results = []
    for width, batch in sweep.points():
        result = run_workload(
            sweep.workload(width, batch), settings, implementations=implementations
        )
        result.update(width=width, batch=batch)
        results.append(result)
    return results


def run_imports(runs: int) -> dict[str, Any]:
    times = import_times(list(IMPORTED), runs)
    print(
        "import times (median s): "
        + ", ".join(
            f"{module} {statistics.median(seconds):.3f}" for module, seconds in times.items()
        ),
        flush=True,
    )
    return {"runs": runs, "seconds": times, "retrograd_breakdown": import_breakdown("retrograd")}


def _shown(path: Path) -> Path:
    """`path` relative to the working directory when it lies below it."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    threads = args.threads or report.core_count()
    if args.rss_worker:
        name, implementation, problem_file = args.rss_worker
        rss_worker(WORKLOADS[name], implementation, Path(problem_file), threads)
        return 0
    settings = QUICK if args.quick else FULL
    sweep_settings = SWEEP_QUICK if args.quick else SWEEP_FULL
    if args.repeats is not None:
        settings = Settings(args.repeats, settings.repeat_s, settings.warmup_s)
        sweep_settings = Settings(args.repeats, sweep_settings.repeat_s, sweep_settings.warmup_s)
    limiter = configure_threads(threads)
    env = report.environment()
    sections = args.workload or [*WORKLOADS, *EXTRAS]
    names = [name for name in sections if name in WORKLOADS]

    outcome: dict[str, Any] = {
        "workloads": [],
        "peak": None,
        "sweep": None,
        "imports": None,
        "scaling": None,
        "doctor": None,
    }
    try:
        for name in names:
            measure_rss = args.rss if args.rss is not None else name in RSS_BY_DEFAULT
            outcome["workloads"].append(
                run_workload(
                    WORKLOADS[name],
                    settings,
                    profile=args.profile,
                    rss_threads=threads if measure_rss else None,
                )
            )
        if "peak" in sections:
            outcome["peak"] = matmul_peak.measure(repeats=3 if args.quick else 5)
        if "sweep" in sections:
            outcome["sweep"] = run_sweep(sweep_settings)
        if "imports" in sections:
            outcome["imports"] = run_imports(3 if args.quick else 5)
        if "doctor" in sections:
            outcome["doctor"] = doctor_cost.measure(args.quick)
        if "scaling" in sections:
            try:
                outcome["scaling"] = scaling.run_scaling(args.quick)
            except (OSError, RuntimeError) as error:  # no MPI here: say so in the report
                outcome["scaling"] = {"error": " ".join(str(error).split())[:300]}
    except AssertionError as error:
        print(f"correctness check failed: {error}", file=sys.stderr)
        return 1
    finally:
        limiter.restore_original_limits()
    env["load_average_after"] = report.load_average()

    meta = {
        "repeats": settings.repeats,
        "repeat_s": settings.repeat_s,
        "warmup_s": settings.warmup_s,
        "sweep_repeats": sweep_settings.repeats,
        "sweep_repeat_s": sweep_settings.repeat_s,
        "quick": args.quick,
        "threads": threads,
        "sections": sections,
        "compile_available": compile_available(),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    if outcome["sweep"]:
        report.sweep_chart(outcome["sweep"], args.out / "sweep.png", threads)
    text = report.markdown(outcome, env, meta)
    print(text)
    (args.out / "latest.md").write_text(text, encoding="utf-8")
    document = report.json_document(outcome, env, meta)
    (args.out / "latest.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    written = "latest.md, latest.json" + (" and sweep.png" if outcome["sweep"] else "")
    print(f"wrote {written} in {_shown(args.out)}")
    dropped = any(result["dropped"] for result in outcome["workloads"])
    return 1 if dropped else 0


if __name__ == "__main__":
    sys.exit(main())
