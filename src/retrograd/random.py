"""The one seeded random generator every random op draws from (unless given its own)."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.errors import ArgumentTypeError

_state = {"rng": np.random.default_rng(0)}


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the global generator (like `torch.manual_seed`); returns it."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ArgumentTypeError(f"manual_seed expects an int, got {type(seed).__name__}")
    _state["rng"] = np.random.default_rng(int(seed) % 2**64)  # negative seeds wrap, as in torch
    return _state["rng"]


def default_generator() -> np.random.Generator:
    """The global generator (a NumPy `Generator`)."""
    return _state["rng"]


def resolve_generator(generator: np.random.Generator | None) -> np.random.Generator:
    """`generator` when given, else the global one."""
    return _state["rng"] if generator is None else generator


def get_rng_state() -> dict[str, Any]:
    """A JSON-friendly snapshot of the global generator (for checkpoints)."""
    state = dict(_state["rng"].bit_generator.state)
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore a snapshot taken by `get_rng_state`."""
    rng = np.random.default_rng()
    rng.bit_generator.state = state
    _state["rng"] = rng
