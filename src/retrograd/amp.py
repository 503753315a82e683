"""`torch.amp` (and `torch.cuda.amp`) for portable scripts: mixed precision is not offered.

retrograd computes in the tensors' own dtypes. `autocast` is accepted as a context manager and
a decorator and changes nothing (when enabled with a lower-precision dtype it warns once: the
results are those of full precision, not PyTorch's reduced-precision ones). `GradScaler` keeps
PyTorch's interface with a scale of 1, which gives the same update as PyTorch's scaling and
unscaling up to rounding, and skips a step whose gradients are not finite, as PyTorch's does.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

__all__ = ["GradScaler", "autocast"]

_warned: list[bool] = []


class autocast:  # noqa: N801 - PyTorch's name
    """Accepted for portability: computation stays in the tensors' own dtypes.

    Args:
        device_type: "cpu" or "cuda", as in PyTorch (not used).
        dtype: the reduced precision PyTorch would use (not used).
        enabled: as in PyTorch.
        cache_enabled: accepted for PyTorch's signature.
    """

    def __init__(
        self,
        device_type: str = "cpu",
        dtype: Any = None,
        enabled: bool = True,
        cache_enabled: bool | None = None,
    ) -> None:
        self.device_type, self.dtype, self.enabled = device_type, dtype, enabled
        if (
            enabled
            and dtype is not None
            and str(dtype) not in ("float32", "float64")
            and not _warned
        ):
            _warned.append(True)
            warnings.warn(
                f"autocast(dtype={dtype}): retrograd has no mixed precision; the code runs in "
                "the tensors' own dtypes",
                stacklevel=2,
            )

    def __enter__(self) -> autocast:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)

        return wrapped


class GradScaler:
    """PyTorch's gradient scaler, with a scale of 1 (see the module docstring).

    Args:
        device: "cpu" or "cuda", as in PyTorch (not used).
        init_scale: accepted for PyTorch's signature.
        growth_factor: accepted for PyTorch's signature.
        backoff_factor: accepted for PyTorch's signature.
        growth_interval: accepted for PyTorch's signature.
        enabled: False makes every method a pass-through, as in PyTorch.
    """

    def __init__(
        self,
        device: str = "cpu",
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        self._enabled = enabled
        self._skipped = 0

    def is_enabled(self) -> bool:
        """Whether the scaler is on."""
        return self._enabled

    def scale(self, outputs: Any) -> Any:
        """The loss (or losses) to call `backward` on: unchanged, the scale being 1."""
        return outputs

    def unscale_(self, optimizer: Any) -> None:
        """Nothing to undo: the gradients were never scaled."""

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """`optimizer.step()`, skipped when a gradient holds NaN or infinity (as PyTorch's
        scaler skips it); returns what the step returns, or None when skipped."""
        if self._enabled and not _gradients_finite(optimizer.param_groups):
            self._skipped += 1
            return None
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale: Any = None) -> None:
        """Nothing to adjust: the scale stays 1."""

    def get_scale(self) -> float:
        """The scale: 1.0."""
        return 1.0

    def state_dict(self) -> dict[str, Any]:
        """The scaler's state, for checkpoints."""
        return {"scale": 1.0, "enabled": self._enabled} if self._enabled else {}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore `state_dict` (nothing to restore but the flag)."""


def _gradients_finite(groups: Iterable[dict[str, Any]]) -> bool:
    for group in groups:
        for p in group["params"]:
            grad = getattr(p, "grad", None)
            if grad is not None and not np.all(np.isfinite(grad.array)):
                return False
    return True
