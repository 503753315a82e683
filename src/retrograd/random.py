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
    _seed[0] = int(seed)
    return rng


_seed = [0]  # the last seed of the global generator


def seed() -> int:
    """Seed the global generator from the operating system's entropy; returns the seed."""
    fresh = int(np.random.SeedSequence().generate_state(1, np.uint64)[0]) % 2**63
    manual_seed(fresh)
    return fresh


def initial_seed() -> int:
    """The last seed of the global generator (`manual_seed` or `seed`; 0 before either)."""
    return _seed[0]


class Generator(np.random.Generator):
    """`torch.Generator`: a random stream of its own, for `generator=` arguments.

    It is a NumPy `Generator` too, so every retrograd function and DataLoader that takes one
    takes it. `manual_seed(seed)` reseeds it (and returns it), `initial_seed()` gives the seed,
    `get_state()` / `set_state()` save and restore it. It always draws on the host: a
    generator made for "cuda" (with a GPU) gives the same values, which are copied over.
    """

    _DEFAULT_SEED = 67280421310721  # PyTorch's default seed of a new generator

    def __init__(self, device: Any = "cpu") -> None:
        from retrograd.backend.device import check_device

        check_device(device, "Generator")
        self._initial_seed = self._DEFAULT_SEED
        super().__init__(np.random.PCG64(self._initial_seed))

    @property
    def device(self) -> Any:
        """Where it draws: the CPU (values for a GPU are copied there)."""
        from retrograd.backend.device import CPU

        return CPU

    def manual_seed(self, seed: int) -> Generator:
        """Reseed it with `seed`; returns the generator."""
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            raise ArgumentTypeError(f"manual_seed expects an int, got {type(seed).__name__}")
        self._initial_seed = int(seed) % 2**64
        self.bit_generator.state = np.random.PCG64(self._initial_seed).state
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy; returns the new seed."""
        fresh = int(np.random.SeedSequence().generate_state(1, np.uint64)[0])
        return self.manual_seed(fresh % 2**63)._initial_seed

    def initial_seed(self) -> int:
        """The seed it was last seeded with."""
        return self._initial_seed

    def get_state(self) -> dict[str, Any]:
        """The generator's state (a dict), for `set_state`."""
        return dict(self.bit_generator.state)

    def set_state(self, state: dict[str, Any]) -> Generator:
        """Restore a state from `get_state`; returns the generator."""
        self.bit_generator.state = state
        return self


def default_generator() -> np.random.Generator:
    """The global generator (a NumPy `Generator`)."""
    return _global()


class _DrawWatch:
    """`on_draw` is called by every draw (through `resolve_generator`) while it is set:
    `retrograd.compile` sets it while recording, so a step that draws from a generator of its
    own is seen as random, as one drawing from the global generator is."""

    __slots__ = ("on_draw",)

    def __init__(self) -> None:
        self.on_draw: Any = None


draw_watch = _DrawWatch()


def resolve_generator(generator: np.random.Generator | None) -> np.random.Generator:
    """`generator` when given, else the global one (every random draw asks for it here)."""
    if draw_watch.on_draw is not None:
        draw_watch.on_draw()
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
