"""`torch.cuda` for portable scripts: retrograd has no CUDA device, so `is_available()` is False.

Seeding calls are accepted (there is no CUDA generator to seed); calls that need a device raise
a clear error naming what is available.
"""

from __future__ import annotations

from typing import Any

from retrograd import amp as amp  # `torch.cuda.amp.autocast` / `GradScaler`
from retrograd.backend.device import check_device


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def manual_seed(seed: int) -> None:
    """Accepted for portability: there is no CUDA generator (seed the CPU with `manual_seed`)."""


def manual_seed_all(seed: int) -> None:
    """Accepted for portability: there is no CUDA generator (seed the CPU with `manual_seed`)."""


def synchronize(device: Any = None) -> None:
    """Nothing to wait for: CPU work is done when the call returns."""


def empty_cache() -> None:
    """No CUDA memory to release."""


def current_device() -> int:
    check_device("cuda", "cuda.current_device()")
    return 0  # pragma: no cover - check_device raises


def get_device_name(device: Any = None) -> str:
    check_device("cuda", "cuda.get_device_name()")
    return ""  # pragma: no cover - check_device raises
