"""Run one training-step program eagerly and compiled, and compare everything it leaves behind."""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import retrograd as rg
from retrograd import nn, optim


@dataclass
class Program:
    """A step and what it touches. `args(i)` gives the arguments of call `i`; `between(i)`
    runs before call `i` (outside the step), as a training loop or a callback would."""

    step: Callable[..., Any]
    args: Callable[[int], tuple[Any, ...]]
    models: list[nn.Module] = field(default_factory=list)
    optimizers: list[optim.Optimizer] = field(default_factory=list)
    between: Callable[[int], None] | None = None
    extra: Callable[[], list[Any]] | None = None  # more values to compare (lists the step fills)


@dataclass
class Outcome:
    values: list[Any]
    run: Any
    warnings: list[str]


def snapshot(value: Any) -> Any:
    """A comparable copy: arrays for tensors (with dtype), recursively through tuples/lists."""
    if isinstance(value, rg.Tensor):
        return ("tensor", value.array.dtype.str, value.array.copy())
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.copy())
    if isinstance(value, (list, tuple)):
        return [snapshot(v) for v in value]
    if isinstance(value, dict):
        return {k: snapshot(v) for k, v in value.items()}
    if isinstance(value, BaseException):
        return ("raised", type(value).__name__, str(value))
    return value


def assert_same(a: Any, b: Any, where: str = "") -> None:
    if isinstance(a, tuple) and a and a[0] in ("tensor", "array"):
        assert isinstance(b, tuple) and b[0] == a[0], where
        assert a[1] == b[1], f"{where}: dtype {a[1]} != {b[1]}"
        np.testing.assert_array_equal(a[2], b[2], err_msg=where, strict=True)
        return
    if isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{where}: {a!r} != {b!r}"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
        return
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
        return
    assert a == b or (a != a and b != b), f"{where}: {a!r} != {b!r}"


def execute(make: Callable[[], Program], compiled: bool, calls: int) -> Outcome:
    rg.manual_seed(0)
    np.random.seed(0)
    random.seed(0)
    program = make()
    step = rg.compile(program.step) if compiled else program.step
    results: list[Any] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(calls):
            if program.between is not None:
                program.between(i)
            try:
                results.append(snapshot(step(*program.args(i))))
            except Exception as error:  # noqa: BLE001 - the same error must happen both ways
                results.append(snapshot(error))
    values: list[Any] = [results]
    for model in program.models:
        values.append({name: snapshot(p) for name, p in model.named_parameters()})
        values.append({name: snapshot(p.grad) for name, p in model.named_parameters()})
        values.append({name: snapshot(b) for name, b in model.named_buffers()})
    for opt in program.optimizers:
        values.append(snapshot(opt.state_dict()))
    if program.extra is not None:
        values.append(snapshot(program.extra()))
    messages = [str(w.message) for w in caught if "retrograd.compile" in str(w.message)]
    return Outcome(values, step, messages)


def check(make: Callable[[], Program], expect: str, reason: str = "", calls: int = 6) -> Outcome:
    """Run `make()`'s program eagerly and compiled: the results must be identical, and the
    compiled run must have replayed (`expect="replay"`) or fallen back with a warning matching
    `reason` (`expect="eager"`)."""
    eager = execute(make, compiled=False, calls=calls)
    compiled = execute(make, compiled=True, calls=calls)
    assert_same(eager.values, compiled.values, "compiled vs eager")
    run = compiled.run
    if expect == "replay":
        assert run.captured, run.explain()
        assert not [m for m in compiled.warnings if "runs eagerly" in m], compiled.warnings
    elif expect == "eager":
        assert not run.captured
        matching = [m for m in compiled.warnings if "runs eagerly" in m]
        assert matching, f"no fallback warning; {run.explain()}"
        assert reason.lower() in matching[0].lower(), matching[0]
    else:
        assert expect == "either"
    return compiled


def standard_step(model: nn.Module, opt: optim.Optimizer) -> Callable[..., Any]:
    """The loop everyone writes: zero_grad, forward, MSE loss, backward, step."""

    def step(x: rg.Tensor, t: rg.Tensor) -> rg.Tensor:
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), t)
        loss.backward()
        opt.step()
        return loss

    return step


def seed_data() -> tuple[rg.Tensor, rg.Tensor]:
    X, y = rg.datasets.seed()
    return rg.tensor(X), rg.tensor(y)


def batches(n: int = 6, features: int = 3, outputs: int = 1, seed: int = 0) -> Callable:
    """Deterministic batches: call i gets batch i % 3."""
    rng = np.random.default_rng(seed)
    data = [
        (
            rg.tensor(rng.standard_normal((n, features)).astype(np.float32)),
            rg.tensor(rng.standard_normal((n, outputs)).astype(np.float32)),
        )
        for _ in range(3)
    ]
    return lambda i: data[i % 3]


def mlp(*sizes: int, act: Callable[[], nn.Module] = nn.Tanh) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(act())
    return nn.Sequential(*layers)
