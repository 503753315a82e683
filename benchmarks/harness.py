"""Correctness check and interleaved timing of a workload's trainers."""

from __future__ import annotations

import gc
import itertools
import json
import pickle
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from workloads import OPTIONAL, Trainer, Workload


@dataclass
class Settings:
    repeats: int  # timed repeats per implementation
    repeat_s: float  # target duration of one repeat; sets the steps per repeat
    warmup_s: float  # untimed steps before calibrating


@dataclass
class Timing:
    implementation: str
    steps_per_repeat: int
    seconds_per_step: list[float] = field(default_factory=list)  # one entry per repeat

    @property
    def median(self) -> float:
        return statistics.median(self.seconds_per_step)

    @property
    def low(self) -> float:
        return min(self.seconds_per_step)

    @property
    def high(self) -> float:
        return max(self.seconds_per_step)


@dataclass
class Check:
    summary: str  # one line for the report
    dropped: dict[str, str]  # optional implementation -> why its row was left out


def check_one_step(
    workload: Workload, initial: list[np.ndarray], trainers: dict[str, Trainer], reference: str
) -> Check:
    """Take one step with each trainer and assert they agree; removes failed optional trainers.

    Two conditions: the parameters match within float32 tolerance, and the step itself
    (parameters after minus before, in float64) matches in relative norm, so an update too small
    to show in the parameters is still checked. An optional implementation (compiled retrograd)
    that raises or disagrees is taken out of `trainers` and named in `Check.dropped`; any other
    disagreement raises AssertionError.
    """
    after, dropped = {}, {}
    for name, trainer in list(trainers.items()):
        try:
            trainer.step()
        except Exception as error:  # an optional implementation may fail; the others may not
            if name not in OPTIONAL:
                raise
            dropped[name] = f"first step raised {type(error).__name__}: {error}"
            del trainers[name]
            continue
        after[name] = trainer.parameters()
    ref_update = [a.astype(np.float64) - w for a, w in zip(after[reference], initial)]
    if not all(np.any(u != 0) for u in ref_update):
        raise AssertionError(f"{workload.name}: {reference} left a parameter unchanged")
    worst_param, worst_update = 0.0, 0.0
    for name, params in after.items():
        if name == reference:
            continue
        try:
            diff, error = _compare(workload, name, params, after[reference], initial, ref_update)
        except AssertionError as failure:
            if name not in OPTIONAL:
                raise
            dropped[name] = f"disagrees with {reference}: {failure}"
            del trainers[name]
            continue
        worst_param, worst_update = max(worst_param, diff), max(worst_update, error)
    others = ", ".join(name for name in trainers if name != reference)
    summary = (
        f"{workload.name}: after one step from the same weights, {others} match {reference} "
        f"(max |param diff| {worst_param:.1e}, max relative step diff {worst_update:.1e})"
    )
    return Check(summary, dropped)


def _compare(
    workload: Workload,
    name: str,
    params: list[np.ndarray],
    reference: list[np.ndarray],
    initial: list[np.ndarray],
    ref_update: list[np.ndarray],
) -> tuple[float, float]:
    """Largest parameter difference and relative step difference; AssertionError past tolerance."""
    worst_param, worst_update = 0.0, 0.0
    for index, (got, want, init, want_update) in enumerate(
        zip(params, reference, initial, ref_update)
    ):
        np.testing.assert_allclose(
            got,
            want,
            rtol=workload.param_rtol,
            atol=workload.param_atol,
            err_msg=f"{workload.name}: parameter {index} after one step, {name}",
        )
        update = got.astype(np.float64) - init
        error = np.linalg.norm(update - want_update) / np.linalg.norm(want_update)
        if error > workload.update_rtol:
            raise AssertionError(
                f"{workload.name}: parameter {index}: {name}'s first step differs by "
                f"{error:.2e} (relative norm > {workload.update_rtol})"
            )
        worst_param = max(worst_param, float(np.max(np.abs(got - want))))
        worst_update = max(worst_update, float(error))
    return worst_param, worst_update


def _run(trainer: Trainer, steps: int) -> float:
    start = time.perf_counter()
    for _ in itertools.repeat(None, steps):
        trainer.step()
    return time.perf_counter() - start


def _calibrate(trainer: Trainer, settings: Settings) -> int:
    """Warm up for `settings.warmup_s` (at least 3 steps); return the steps for one repeat.

    Runs chunks of doubling length and sizes the repeat from the fastest chunk that lasted a
    tenth of a repeat or more (the last chunk if none did): a moment of contention for the cores
    during warm-up then does not shrink every repeat, and a lucky single step does not stretch it.
    """
    done, elapsed, chunk = 0, 0.0, 1
    fastest = float("inf")
    while True:
        seconds = _run(trainer, chunk)
        done += chunk
        elapsed += seconds
        if seconds >= settings.repeat_s / 10:
            fastest = min(fastest, seconds / chunk)
        if done >= 3 and elapsed >= settings.warmup_s:
            per_step = fastest if fastest < float("inf") else seconds / chunk
            return max(1, round(settings.repeat_s / per_step))
        chunk *= 2


def time_trainers(trainers: dict[str, Trainer], settings: Settings) -> list[Timing]:
    """Median-ready timings; each repeat runs every implementation once, in turn."""
    timings = [Timing(name, _calibrate(trainer, settings)) for name, trainer in trainers.items()]
    for _ in range(settings.repeats):
        for timing in timings:
            gc.collect()
            elapsed = _run(trainers[timing.implementation], timing.steps_per_repeat)
            timing.seconds_per_step.append(elapsed / timing.steps_per_repeat)
    return timings


# --- peak memory and import time, each measured in fresh processes ---------------------------

RUN_SCRIPT = Path(__file__).resolve().parent / "run.py"
RSS_SECONDS = 0.5  # training time in the measuring process, after its first steps


def _max_rss_mib() -> float:
    """This process's peak resident memory in MiB.

    On Linux, `getrusage(RUSAGE_SELF).ru_maxrss` keeps the high-water mark of the process that
    started us (the kernel carries it across exec), so a worker started by a parent holding
    PyTorch would report the parent's peak; /proc's VmHWM belongs to this process's own memory
    map, which exec replaced. Elsewhere ru_maxrss is used.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 2**10  # kB
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, else KiB


def rss_worker(workload: Workload, implementation: str, problem_file: Path, threads: int) -> None:
    """Body of the measuring process: train one implementation alone, print its peak RSS as JSON.

    The problem arrives pickled from the parent, so the process holds no other library's data and
    pays for no data set loader; the peak includes Python, NumPy, the harness modules, the
    implementation's imports, its model, its optimizer state and its step's temporaries.
    """
    from threadpoolctl import threadpool_limits

    with open(problem_file, "rb") as handle:
        problem = pickle.load(handle)
    limiter = threadpool_limits(limits=threads, user_api="blas")
    if implementation == "torch":
        import torch

        torch.set_num_threads(threads)
    trainer = workload.builders[implementation](problem)
    steps, start = 0, time.perf_counter()
    while steps < 5 or time.perf_counter() - start < RSS_SECONDS:
        trainer.step()
        steps += 1
    limiter.restore_original_limits()
    loaded = [name for name in ("retrograd", "torch", "sklearn") if name in sys.modules]
    print(json.dumps({"peak_rss_mib": _max_rss_mib(), "steps": steps, "loaded": loaded}))


def peak_rss(workload: Workload, problem: Any, implementations: list[str], threads: int) -> dict:
    """Peak RSS (MiB) of each implementation training `workload` alone in a fresh process.

    Returns implementation -> `{"peak_rss_mib", "steps", "loaded"}`, or `{"error": ...}` where
    the process failed.
    """
    import tempfile

    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as folder:
        problem_file = Path(folder) / "problem.pickle"
        try:
            with open(problem_file, "wb") as handle:
                pickle.dump(problem, handle)
        except (pickle.PicklingError, TypeError, AttributeError) as error:
            return {
                name: {"error": f"problem does not pickle: {error}"} for name in implementations
            }
        for implementation in implementations:
            command = [sys.executable, str(RUN_SCRIPT), "--rss-worker", workload.name]
            command += [implementation, str(problem_file), "--threads", str(threads)]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            lines = done.stdout.strip().splitlines()
            if done.returncode != 0 or not lines:
                error = (done.stderr.strip().splitlines() or ["no output"])[-1]
                results[implementation] = {"error": error}
            else:
                results[implementation] = json.loads(lines[-1])
    return results


IMPORT_PROBE = (
    "import time; start = time.perf_counter(); import {module}; print(time.perf_counter() - start)"
)


def import_times(modules: list[str], runs: int) -> dict[str, list[float]]:
    """Seconds to `import` each module in `runs` fresh interpreters, interleaved module by module.

    Only the import statement is timed (not the interpreter's own start-up). Modules that cannot
    be imported are left out.
    """
    times: dict[str, list[float]] = {module: [] for module in modules}
    for _ in range(runs):
        for module in list(times):
            command = [sys.executable, "-c", IMPORT_PROBE.format(module=module)]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                del times[module]
                continue
            times[module].append(float(done.stdout.strip().splitlines()[-1]))
    return times


def import_breakdown(module: str, top: int = 8) -> list[tuple[str, float]]:
    """The `top` slowest imports made directly by `module`, by cumulative seconds (-X importtime).

    "Directly" means one level below `module` in the import tree: its own submodules and the
    third-party packages it pulls in first.
    """
    command = [sys.executable, "-X", "importtime", "-c", f"import {module}"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|", 2)
        if not cumulative.strip().isdigit():
            continue  # the header line
        depth = (len(name) - len(name.lstrip(" "))) // 2
        rows.append((depth, name.strip(), int(cumulative) / 1e6))
    # -X importtime prints each module after everything it imported; the target's direct imports
    # are the rows one level deeper, back to the previous row at the target's own level
    index = next((i for i, row in enumerate(rows) if row[1] == module), None)
    if index is None:
        return []
    level = rows[index][0]
    children = []
    for depth, name, seconds in reversed(rows[:index]):
        if depth <= level:
            break
        if depth == level + 1:
            children.append((name, seconds))
    children.sort(key=lambda row: row[1], reverse=True)
    return children[:top]
