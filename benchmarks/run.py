"""Time one training step of retrograd against a hand-written NumPy floor and PyTorch (CPU).

    python benchmarks/run.py                  # every workload, full run
    python benchmarks/run.py --quick          # fewer, shorter repeats
    python benchmarks/run.py --workload seed  # one workload (repeat the flag for more)
    python benchmarks/run.py --profile        # also profile retrograd's step (cProfile, top 10)
    python benchmarks/run.py --threads 1      # single-threaded BLAS and PyTorch

Prints a Markdown table and writes it to benchmarks/results/latest.md, with the raw numbers in
benchmarks/results/latest.json. BLAS and PyTorch both use one thread per available core unless
--threads says otherwise.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
from pathlib import Path
from typing import Any

import report
from harness import Settings, check_one_step, time_trainers
from threadpoolctl import threadpool_limits
from workloads import IMPLEMENTATIONS, WORKLOADS, Trainer, Workload

RESULTS = Path(__file__).resolve().parent / "results"
FULL = Settings(repeats=7, repeat_s=0.3, warmup_s=0.3)
QUICK = Settings(repeats=3, repeat_s=0.1, warmup_s=0.05)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 short repeats instead of 7")
    parser.add_argument(
        "--workload",
        action="append",
        choices=sorted(WORKLOADS),
        help="run only this workload (may be repeated); default: all",
    )
    parser.add_argument("--repeats", type=int, help="override the number of timed repeats")
    parser.add_argument(
        "--threads",
        type=int,
        help="BLAS and PyTorch threads (default: one per available core); 1 gives steadier "
        "numbers when other processes are busy on the same cores",
    )
    parser.add_argument(
        "--profile", action="store_true", help="print a cProfile of retrograd's step per workload"
    )
    parser.add_argument(
        "--out", type=Path, default=RESULTS, help="folder for latest.md and latest.json"
    )
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


def build_trainers(workload: Workload, problem: Any) -> dict[str, Trainer]:
    trainers = {}
    for name in IMPLEMENTATIONS:
        builder = workload.builders.get(name)
        if builder is None:
            continue
        try:
            trainers[name] = builder(problem)
        except ImportError as error:
            print(f"{workload.name}: {name} skipped ({error})")
    return trainers


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


def run_workload(workload: Workload, settings: Settings, profile: bool) -> dict[str, Any]:
    problem = workload.setup()
    trainers = build_trainers(workload, problem)
    reference = "torch" if "torch" in trainers else "numpy"
    initial = trainers[reference].parameters()
    check = check_one_step(workload, initial, trainers, reference)
    print(f"check {check}", flush=True)
    timings = time_trainers(trainers, settings)
    if profile and "retrograd" in trainers:
        retrograd_timing = next(t for t in timings if t.implementation == "retrograd")
        print(profile_step(workload, trainers["retrograd"], retrograd_timing.steps_per_repeat))
    return {
        "workload": workload.name,
        "description": workload.description,
        "check": check,
        "timings": timings,
    }


def _shown(path: Path) -> Path:
    """`path` relative to the working directory when it lies below it."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = QUICK if args.quick else FULL
    if args.repeats is not None:
        settings = Settings(args.repeats, settings.repeat_s, settings.warmup_s)
    threads = args.threads or report.core_count()
    limiter = configure_threads(threads)
    env = report.environment()
    names = args.workload or list(WORKLOADS)

    results = []
    try:
        for name in names:
            results.append(run_workload(WORKLOADS[name], settings, args.profile))
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
        "quick": args.quick,
        "threads": threads,
        "workloads": names,
    }
    text = report.markdown(results, env, meta)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.md").write_text(text, encoding="utf-8")
    document = report.json_document(results, env, meta)
    (args.out / "latest.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"wrote latest.md and latest.json in {_shown(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
