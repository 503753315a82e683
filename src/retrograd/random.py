"""The one seeded random generator every random op draws from (unless given its own)."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.errors import ArgumentTypeError

#: the global generator, made on first use: `numpy.random` costs ~15 ms to import, and many
#: programs (inference, file tools) never draw a random number
_state: dict[str, np.random.Generator | None] = {"rng": None}


def _global() -> np.random.Generator:
    rng = _state["rng"]
    if rng is None:
        rng = _state["rng"] = np.random.default_rng(0)
    return rng


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the global generator (like `torch.manual_seed`); returns it."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ArgumentTypeError(f"manual_seed expects an int, got {type(seed).__name__}")
    rng = _state["rng"] = np.random.default_rng(int(seed) % 2**64)  # negative seeds wrap
    return rng


def default_generator() -> np.random.Generator:
    """The global generator (a NumPy `Generator`)."""
    return _global()


def resolve_generator(generator: np.random.Generator | None) -> np.random.Generator:
    """`generator` when given, else the global one."""
    return _global() if generator is None else generator


def get_rng_state() -> dict[str, Any]:
    """A JSON-friendly snapshot of the global generator (for checkpoints)."""
    state = dict(_global().bit_generator.state)
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore a snapshot taken by `get_rng_state`."""
    rng = np.random.default_rng()
    rng.bit_generator.state = state
    _state["rng"] = rng
