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
    """Give the GPU memory pool's cached blocks back to the device (nothing without a GPU)."""
    pool = _pool()
    if pool is not None:
        pool.free_all_blocks()


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


def _pool() -> Any:
    """CuPy's device memory pool, or None (no GPU, or the emulated one)."""
    get_pool = getattr(accelerator(), "get_default_memory_pool", None)
    return get_pool() if get_pool is not None and hasattr(get_pool(), "used_bytes") else None


def memory_allocated(device: Any = None) -> int:
    """Bytes held by tensors on the GPU (CuPy's memory pool); 0 without a GPU, as PyTorch."""
    pool = _pool()
    return int(pool.used_bytes()) if pool is not None else 0


def memory_reserved(device: Any = None) -> int:
    """Bytes the GPU memory pool holds, in use or cached; 0 without a GPU, as PyTorch."""
    pool = _pool()
    return int(pool.total_bytes()) if pool is not None else 0


def max_memory_allocated(device: Any = None) -> int:
    """The most `memory_allocated` has been since the last reset (CuPy keeps no peak, so this
    is the largest value seen by the calls so far); 0 without a GPU."""
    _PEAK[0] = max(_PEAK[0], memory_allocated(device))
    return _PEAK[0]


def reset_peak_memory_stats(device: Any = None) -> None:
    """Start `max_memory_allocated` again from the current use."""
    _PEAK[0] = memory_allocated(device)


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False: retrograd has no bfloat16 dtype."""
    return False


def set_device(device: Any) -> None:
    """Make `device` (an index, "cuda:n" or a device) the current GPU."""
    index = device if isinstance(device, int) else getattr(device, "index", None)
    if isinstance(device, str):
        index = int(device.partition(":")[2] or 0)
    check_device(f"cuda:{index or 0}", "cuda.set_device()")
    runtime_device = getattr(getattr(accelerator(), "cuda", None), "Device", None)
    if runtime_device is not None:
        runtime_device(index or 0).use()


_PEAK = [0]
