"""Correctness check and interleaved timing of a workload's trainers."""

from __future__ import annotations

import gc
import itertools
import statistics
import time
from dataclasses import dataclass, field

import numpy as np
from workloads import Trainer, Workload


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


def check_one_step(
    workload: Workload, initial: list[np.ndarray], trainers: dict[str, Trainer], reference: str
) -> str:
    """Take one step with each trainer and assert they agree; return a one-line summary.

    Two conditions: the parameters match within float32 tolerance, and the step itself
    (parameters after minus before, in float64) matches in relative norm, so an update too small
    to show in the parameters is still checked.
    """
    after = {}
    for name, trainer in trainers.items():
        trainer.step()
        after[name] = trainer.parameters()
    ref_update = [a.astype(np.float64) - w for a, w in zip(after[reference], initial)]
    if not all(np.any(u != 0) for u in ref_update):
        raise AssertionError(f"{workload.name}: {reference} left a parameter unchanged")
    worst_param, worst_update = 0.0, 0.0
    for name, params in after.items():
        if name == reference:
            continue
        for index, (got, want, init, want_update) in enumerate(
            zip(params, after[reference], initial, ref_update)
        ):
            np.testing.assert_allclose(
                got,
                want,
                rtol=workload.param_rtol,
                atol=workload.param_atol,
                err_msg=f"{workload.name}: parameter {index} after one step, {name} vs {reference}",
            )
            update = got.astype(np.float64) - init
            error = np.linalg.norm(update - want_update) / np.linalg.norm(want_update)
            if error > workload.update_rtol:
                raise AssertionError(
                    f"{workload.name}: parameter {index}: {name}'s first step differs from "
                    f"{reference}'s by {error:.2e} (relative norm > {workload.update_rtol})"
                )
            worst_param = max(worst_param, float(np.max(np.abs(got - want))))
            worst_update = max(worst_update, float(error))
    others = ", ".join(name for name in trainers if name != reference)
    return (
        f"{workload.name}: after one step from the same weights, {others} match {reference} "
        f"(max |param diff| {worst_param:.1e}, max relative step diff {worst_update:.1e})"
    )


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
