"""`interpolate` with PyTorch's 'nearest' and 'nearest-exact' modes, on `(N, C, *spatial)` inputs
with 1 to 3 spatial axes.

Resizing is integer-array indexing (`x[..., rows, cols]`), so the gradient comes from `GetItem`,
which adds up the gradients of every output that copied the same input element.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from retrograd.errors import InvalidArgumentError, ShapeError
from retrograd.nn.functional._utils import require_tensor
from retrograd.tensor import Tensor

SUPPORTED_MODES = ("nearest", "nearest-exact")
_LAYOUTS = "(N, C, L), (N, C, H, W) or (N, C, D, H, W)"


def check_mode(mode: str, align_corners: bool | None, who: object) -> None:
    """ValueError unless `mode` is one retrograd implements (and has no corner alignment)."""
    if mode not in SUPPORTED_MODES:
        raise InvalidArgumentError(
            f"{who}: mode {mode!r} is not supported; retrograd implements "
            f"{' and '.join(repr(m) for m in SUPPORTED_MODES)}"
        )
    if align_corners is not None:
        raise InvalidArgumentError(
            f"{who}: align_corners option can only be set with the interpolating modes "
            f"(linear, bilinear, bicubic, trilinear), not with mode {mode!r}"
        )


def _per_axis(value: Any, sizes: Sequence[int], name: str) -> tuple[Any, ...]:
    if isinstance(value, (tuple, list)):
        if len(value) != len(sizes):
            raise ShapeError(
                f"Input and {name} must have the same number of spatial dimensions, but got "
                f"input with spatial dimensions of {list(sizes)} and {name} of {tuple(value)}"
            )
        return tuple(value)
    return (value,) * len(sizes)


def source_index(
    out: int, size: int, scale: float | None, exact: bool, shortcuts: bool = False
) -> np.ndarray:
    """Input position read by each of `out` output positions along one axis (PyTorch's rule,
    in float32 arithmetic as PyTorch computes it, so rounding matches exactly).

    `shortcuts`: PyTorch's 2-d 'nearest' forward (not its 1-d or 3-d one) reads i for out == in
    and i // 2 for out == 2 * in whatever the scale factor, where a factor like 1.1 or 2.1 makes
    the formula read other positions; the 2-d case follows it. (PyTorch's backward takes these
    shortcuts in every dimension, and its 2-d forward skips them for wide contiguous outputs:
    only there do its results and ours differ; our gradient always matches our forward.)
    """
    if shortcuts and not exact and out == size:
        return np.arange(out)
    if shortcuts and not exact and out == 2 * size:
        return np.arange(out) // 2
    if scale is not None and scale > 0:
        ratio = np.float32(1.0 / scale)
    else:
        ratio = np.float32(size) / np.float32(out)
    if exact:
        # (i + 0.5) is a double in PyTorch's kernel; the product is rounded to float32 by floorf
        source = np.floor(((np.arange(out) + 0.5) * np.float64(ratio)).astype(np.float32))
    else:
        source = np.floor(np.arange(out).astype(np.float32) * ratio)
    return np.minimum(source.astype(np.int64), size - 1)


def _interpolate(
    input: Any,  # noqa: A002
    who: object,
    size: Any,
    scale_factor: Any,
    mode: str,
    align_corners: bool | None,
    recompute_scale_factor: bool | None,
) -> Tensor:
    check_mode(mode, align_corners, who)
    require_tensor(input, who)
    if input.ndim not in (3, 4, 5):
        raise ShapeError(f"{who} expects input of shape {_LAYOUTS}, got {input.shape}")
    if (size is None) == (scale_factor is None):
        which = "only one of" if size is not None else "either"
        raise InvalidArgumentError(f"{who}: {which} size or scale_factor should be defined")
    sizes = input.shape[2:]
    scales: tuple[float | None, ...]
    if size is not None:
        out = tuple(int(s) for s in _per_axis(size, sizes, "output size"))
        scales = (None,) * len(sizes)
    else:
        factors = tuple(float(f) for f in _per_axis(scale_factor, sizes, "scale_factor"))
        out = tuple(math.floor(n * f) for n, f in zip(sizes, factors))
        # recompute_scale_factor=True: the kernel uses in/out, as if `size` had been given
        scales = (None,) * len(sizes) if recompute_scale_factor else factors
    if min(out) < 1:
        raise ShapeError(
            f"{who}: input and output sizes should be greater than 0, but got input of "
            f"spatial size {sizes} and output size {out}"
        )
    exact = mode == "nearest-exact"
    shortcuts = len(sizes) == 2
    rows = [source_index(o, n, s, exact, shortcuts) for o, n, s in zip(out, sizes, scales)]
    return input[(Ellipsis,) + np.ix_(*rows)]


def interpolate(
    input: Tensor,  # noqa: A002
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial axes to `size`, or to floor(size * `scale_factor`), copying the
    nearest input element: 'nearest' reads floor(i * in / out), 'nearest-exact'
    floor((i + 0.5) * in / out) (with 1 / scale_factor for in / out when a factor is given).
    **Shapes:** `(N, C, *spatial)` with 1-3 spatial axes -> `(N, C, *out)`."""
    if antialias:
        raise InvalidArgumentError(
            "interpolate: antialias is only available with bilinear and bicubic modes"
        )
    return _interpolate(
        input, "interpolate", size, scale_factor, mode, align_corners, recompute_scale_factor
    )
