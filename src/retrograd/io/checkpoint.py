"""Training checkpoints: model weights, optimizer and scheduler state, the epoch and the random
generators' states (the global one, and those given to a DataLoader or `fit` as `generator=`)
in one safetensors file, so an interrupted run resumes bit for bit.

Arrays inside the optimizer and scheduler state become tensors named by their path
(`optimizer.state.0.exp_avg`); everything else is JSON in the metadata. Optimizers and
schedulers are duck-typed (anything with `state_dict()` / `load_state_dict()`), so this module
needs neither `optim` nor `train`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from retrograd.errors import ArgumentTypeError, RetrogradError
from retrograd.io.errors import ModelFileError
from retrograd.io.fileformat import check_content, header_metadata, json_entry
from retrograd.io.model import check_finite, state_arrays
from retrograd.io.safetensors_file import read_arrays, write_arrays
from retrograd.io.tree import decode, encode
from retrograd.nn.module import Module
from retrograd.random import get_rng_state, set_rng_state
from retrograd.tensor import Tensor

_MODEL_PREFIX = "model."


class Stateful(Protocol):
    """An optimizer or LR scheduler: anything that saves and restores its state."""

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state_dict: dict[str, Any], /) -> Any: ...


@dataclass(frozen=True)
class CheckpointInfo:
    """What `load_checkpoint` read besides the states it restored: the `epoch` and `extra`."""

    epoch: int
    extra: dict[str, Any] = field(default_factory=dict)


def save_checkpoint(
    path: str | os.PathLike[str],
    *,
    model: Module,
    optimizer: Stateful | None = None,
    scheduler: Stateful | None = None,
    epoch: int,
    extra: dict[str, Any] | None = None,
    generators: Mapping[str, np.random.Generator] | None = None,
    overwrite: bool = True,
    allow_non_finite: bool = False,
) -> None:
    """Write a checkpoint to `path`, atomically: weights, optimizer and scheduler state, `epoch`
    (the number of epochs finished), the global random generator's state and `extra`.

    Args:
        path: the file to write.
        model: the module whose state dict is saved.
        optimizer: an optimizer whose state dict is saved too.
        scheduler: a learning-rate scheduler whose state dict is saved too.
        epoch: the number of epochs finished (an int).
        extra: a dict of anything else to keep with the checkpoint.
        generators: named generators of your own whose state the run depends on, e.g.
            ``{"loader": rng}`` for a ``DataLoader(..., generator=rng)`` or ``fit(...,
            generator=rng)``; give the same names to `load_checkpoint`.
        overwrite: replace an existing file. Default: True.
        allow_non_finite: write weights holding NaN or infinity (by default a ModelFileError, so
            a diverged run never replaces a good checkpoint). Default: False.
    """
    if not isinstance(epoch, (int, np.integer)) or isinstance(epoch, bool):
        raise ArgumentTypeError(f"epoch must be an int, got {type(epoch).__name__}")
    if extra is not None and not isinstance(extra, dict):
        raise ArgumentTypeError(f"extra must be a dict, got {type(extra).__name__}")
    named = _check_generators(generators)
    weights = state_arrays(model.state_dict())
    if not allow_non_finite:
        check_finite(weights, path)
    tensors = {_MODEL_PREFIX + key: array for key, array in weights.items()}
    entries = {
        "epoch": int(epoch),
        "optimizer": None
        if optimizer is None
        else encode(optimizer.state_dict(), "optimizer", tensors),
        "scheduler": None
        if scheduler is None
        else encode(scheduler.state_dict(), "scheduler", tensors),
        "rng": encode(get_rng_state(), "rng", tensors),
        "generators": encode(
            {name: dict(rng.bit_generator.state) for name, rng in named.items()},
            "generators",
            tensors,
        ),
        "extra": encode(extra or {}, "extra", tensors),
    }
    write_arrays(path, tensors, header_metadata("checkpoint", **entries), overwrite=overwrite)


def _check_generators(
    generators: Mapping[str, np.random.Generator] | None,
) -> dict[str, np.random.Generator]:
    if generators is None:
        return {}
    if not isinstance(generators, Mapping):
        raise ArgumentTypeError(
            f"generators must be a dict of name -> numpy.random.Generator, got "
            f"{type(generators).__name__}"
        )
    for name, rng in generators.items():
        if not isinstance(name, str) or not isinstance(rng, np.random.Generator):
            raise ArgumentTypeError(
                f"generators must map names (str) to numpy.random.Generator objects, got "
                f"{name!r}: {type(rng).__name__}"
            )
    return dict(generators)


def load_checkpoint(
    path: str | os.PathLike[str],
    *,
    model: Module,
    optimizer: Stateful | None = None,
    scheduler: Stateful | None = None,
    restore_rng: bool = True,
    generators: Mapping[str, np.random.Generator] | None = None,
) -> CheckpointInfo:
    """Restore a checkpoint from `path` into `model` (strictly), `optimizer` and `scheduler`
    (when given) and, with `restore_rng`, the global random generator and each of
    `generators` (in place, under the names given to `save_checkpoint`).

    Returns:
        The epoch and `extra` saved with it (a `CheckpointInfo`).

    Raises:
        ModelFileError: for a damaged file or one that does not fit the objects given.
    """
    source = os.fspath(path)
    named = _check_generators(generators)
    arrays, header = read_arrays(path)
    check_content(header, "checkpoint", path)
    epoch = json_entry(header, "epoch", path)
    if not isinstance(epoch, int) or isinstance(epoch, bool):
        raise ModelFileError(f"{source}: the checkpoint's epoch is not an integer")
    states = {
        key: decode(json_entry(header, key, path), arrays, source)
        for key in ("optimizer", "scheduler", "rng", "generators", "extra")
    }
    weights = {
        key[len(_MODEL_PREFIX) :]: Tensor(array)
        for key, array in arrays.items()
        if key.startswith(_MODEL_PREFIX)
    }
    _restore(source, "model weights", lambda: model.load_state_dict(weights))
    for key, target in (("optimizer", optimizer), ("scheduler", scheduler)):
        if target is None:
            continue
        if states[key] is None:
            raise ModelFileError(f"{source}: the checkpoint holds no {key} state")
        _restore(source, f"{key} state", lambda t=target, s=states[key]: t.load_state_dict(s))
    if restore_rng:
        _restore(source, "random generator state", lambda: set_rng_state(states["rng"]))
    saved = states["generators"] if isinstance(states["generators"], dict) else {}
    for name, rng in named.items():
        if name not in saved:
            raise ModelFileError(
                f"{source}: the checkpoint holds no state for generator {name!r} (it has: "
                f"{', '.join(map(repr, saved)) or 'none'})"
            )
        _restore(
            source,
            f"state of generator {name!r}",
            lambda r=rng, s=saved[name]: setattr(r.bit_generator, "state", s),
        )
    extra = states["extra"]
    return CheckpointInfo(epoch=epoch, extra=extra if isinstance(extra, dict) else {})


def _restore(source: str, what: str, action: Any) -> None:
    """Run `action`, turning a mismatch between file and object into a ModelFileError."""
    try:
        action()
    except (RetrogradError, KeyError, TypeError, ValueError) as error:
        if isinstance(error, ModelFileError):
            raise
        raise ModelFileError(f"{source}: cannot restore the {what}: {error}") from None
