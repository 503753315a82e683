"""`torch.cuda`: whether a CUDA GPU can hold tensors (CuPy installed and a GPU visible).

Seeding calls are accepted: random values are drawn on the host from the CPU generator and
copied over, so a seed gives the same values on either device. Calls that need a device raise a
clear error naming what is available when there is none.
"""

from __future__ import annotations

from typing import Any

from retrograd import amp as amp  # `torch.cuda.amp.autocast` / `GradScaler`
from retrograd.backend.arrays import accelerator, cuda_available
from retrograd.backend.device import check_device


def is_available() -> bool:
    """Whether a CUDA device can hold tensors (CuPy and a GPU)."""
    return cuda_available()


def device_count() -> int:
    """The number of CUDA devices (0 without CuPy or a GPU)."""
    xp = accelerator()
    if xp is None:
        return 0
    runtime = getattr(getattr(xp, "cuda", None), "runtime", None)
    return int(runtime.getDeviceCount()) if runtime is not None else 1


def is_initialized() -> bool:
    return False


def manual_seed(seed: int) -> None:
    """Accepted for portability: there is no CUDA generator (seed the CPU with `manual_seed`)."""


def manual_seed_all(seed: int) -> None:
    """Accepted for portability: there is no CUDA generator (seed the CPU with `manual_seed`)."""


def synchronize(device: Any = None) -> None:
    """Wait for the GPU's queued work (nothing to wait for without one)."""
    xp = accelerator()
    stream = getattr(getattr(xp, "cuda", None), "Stream", None)
    if stream is not None:
        stream.null.synchronize()


def empty_cache() -> None:
    """No CUDA memory to release."""


def current_device() -> int:
    """The current CUDA device's index."""
    check_device("cuda", "cuda.current_device()")
    device = getattr(getattr(accelerator(), "cuda", None), "Device", None)
    return int(device().id) if device is not None else 0


def get_device_name(device: Any = None) -> str:
    """The GPU's name."""
    check_device("cuda", "cuda.get_device_name()")
    runtime = getattr(getattr(accelerator(), "cuda", None), "runtime", None)
    if runtime is None:
        return "emulated CUDA device (NumPy)"
    index = 0 if device is None else int(getattr(device, "index", device) or 0)
    name = runtime.getDeviceProperties(index)["name"]
    return name.decode() if isinstance(name, bytes) else str(name)
