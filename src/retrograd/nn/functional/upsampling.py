"""`interpolate` with PyTorch's 'nearest', 'nearest-exact', 'linear', 'bilinear', 'bicubic',
'trilinear' and 'area' modes, on `(N, C, *spatial)` inputs with 1 to 3 spatial axes.

Nearest resizing is integer-array indexing (`x[..., rows, cols]`), so the gradient comes from
`GetItem`, which adds up the gradients of every output that copied the same input element.
Linear resizing is separable: along each axis, two such reads weighted by the distances to the
source position, so it is composed from indexing, products and a sum (gradients included);
cubic resizing likewise reads four neighbours along each axis. 'area' is adaptive average
pooling.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from retrograd.errors import InvalidArgumentError, ShapeError, UnsupportedError
from retrograd.nn.functional._utils import require_tensor
from retrograd.nn.functional.pooling import _adaptive_avg_pool
from retrograd.tensor import Tensor, constant

SUPPORTED_MODES = (
    "nearest",
    "nearest-exact",
    "linear",
    "bilinear",
    "bicubic",
    "trilinear",
    "area",
)
#: the interpolating modes and the number of spatial axes each one takes
LINEAR_MODES = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
#: PyTorch's cubic convolution coefficient
CUBIC_A = -0.75
_LAYOUTS = "(N, C, L), (N, C, H, W) or (N, C, D, H, W)"


def check_mode(mode: str, align_corners: bool | None, who: object) -> None:
    """ValueError unless `mode` is one retrograd implements (and has no corner alignment)."""
    if mode not in SUPPORTED_MODES:
        raise InvalidArgumentError(
            f"{who}: mode {mode!r} is not supported; retrograd implements "
            f"{' and '.join(repr(m) for m in SUPPORTED_MODES)}"
        )
    if align_corners is not None and mode not in LINEAR_MODES:
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


def _source_positions(
    out: int, size: int, scale: float | None, align_corners: bool, dtype: Any
) -> tuple[np.dtype, np.ndarray]:
    """The floating dtype of the arithmetic (`dtype`, or float32 for a non-float one) and the
    source position of each of `out` outputs along one axis, `(i + 0.5) * in / out - 0.5` (with
    1 / `scale` for in / out when given), or `i * (in - 1) / (out - 1)` with `align_corners`."""
    dtype = np.dtype(dtype) if np.dtype(dtype).kind == "f" else np.dtype(np.float32)
    if align_corners:
        ratio = dtype.type((size - 1) / (out - 1)) if out > 1 else dtype.type(0)
        return dtype, np.arange(out, dtype=dtype) * ratio
    if scale is not None and scale > 0:
        ratio = dtype.type(1.0 / scale)
    else:
        ratio = dtype.type(size) / dtype.type(out)
    half = dtype.type(0.5)
    return dtype, (np.arange(out, dtype=dtype) + half) * ratio - half


def linear_source(
    out: int, size: int, scale: float | None, align_corners: bool, dtype: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The two input positions each of `out` outputs reads along one axis, and the weight of the
    second (PyTorch's rule, in the input's floating dtype as PyTorch's kernel computes it)."""
    dtype, source = _source_positions(out, size, scale, align_corners, dtype)
    if not align_corners:
        source = np.maximum(source, dtype.type(0))
    first = np.minimum(source.astype(np.int64), size - 1)
    second = np.minimum(first + 1, size - 1)
    return first, second, (source - first.astype(dtype)).astype(dtype)


def cubic_source(
    out: int, size: int, scale: float | None, align_corners: bool, dtype: Any
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The four input positions each of `out` outputs reads along one axis (clamped to the
    input) and their weights: PyTorch's cubic convolution with A = -0.75, the source position
    `(i + 0.5) * in / out - 0.5` not clamped at 0 (or `i * (in - 1) / (out - 1)`)."""
    dtype, source = _source_positions(out, size, scale, align_corners, dtype)
    floor = np.floor(source)
    t = (source - floor).astype(dtype)
    a = dtype.type(CUBIC_A)

    def near(x: np.ndarray) -> np.ndarray:  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x: np.ndarray) -> np.ndarray:  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    one = dtype.type(1)
    weights = [far(t + one), near(t), near(one - t), far(2 * one - t)]
    start = floor.astype(np.int64) - 1
    positions = [np.clip(start + k, 0, size - 1) for k in range(4)]
    return positions, [w.astype(dtype) for w in weights]


def _resize(
    input: Tensor,  # noqa: A002
    out: tuple[int, ...],
    scales: tuple[float | None, ...],
    align_corners: bool,
    cubic: bool,
) -> Tensor:
    """Separable resizing, one spatial axis at a time: each output mixes the two (linear) or
    four (`cubic`) input neighbours of its source position along the axis."""
    result = input
    for i, (o, s) in enumerate(zip(out, scales)):
        axis = 2 + i
        size = input.shape[axis]
        if (
            not cubic and o == size
        ):  # PyTorch copies an axis that keeps its size, whatever the scale
            continue
        lead = (slice(None),) * axis
        shape = (o,) + (1,) * (input.ndim - 1 - axis)
        if cubic:
            positions, weights = cubic_source(o, size, s, align_corners, input.dtype)
            terms = [
                result[lead + (p,)] * constant(w.reshape(shape), input)
                for p, w in zip(positions, weights)
            ]
            result = terms[0] + terms[1] + terms[2] + terms[3]
        else:
            first, second, weight = linear_source(o, size, s, align_corners, input.dtype)
            far = constant(weight.reshape(shape), input)
            near = constant((1 - weight).reshape(shape), input)
            result = result[lead + (first,)] * near + result[lead + (second,)] * far
    return result


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
    if mode in LINEAR_MODES:
        if len(sizes) != LINEAR_MODES[mode]:
            raise ShapeError(
                f"{who}: got {input.ndim}D input, but {mode} mode needs "
                f"{LINEAR_MODES[mode] + 2}D input"
            )
        return _resize(input, out, scales, bool(align_corners), cubic=mode == "bicubic")
    if mode == "area":
        return _adaptive_avg_pool(input, len(sizes), who, out)
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
    """Resize the spatial axes to `size`, or to floor(size * `scale_factor`).

    'nearest' copies input floor(i * in / out), 'nearest-exact' floor((i + 0.5) * in / out)
    (with 1 / scale_factor for in / out when a factor is given, unless
    `recompute_scale_factor`). 'linear' (1 spatial axis), 'bilinear' (2) and 'trilinear' (3)
    mix the two neighbours of the source position (i + 0.5) * in / out - 0.5, or
    i * (in - 1) / (out - 1) with `align_corners=True`; 'bicubic' (2) mixes four neighbours
    per axis with PyTorch's cubic convolution (A = -0.75); 'area' is adaptive average pooling
    to the output size.
    **Shapes:** `(N, C, *spatial)` with 1-3 spatial axes -> `(N, C, *out)`."""
    if antialias and mode in ("bilinear", "bicubic"):
        raise UnsupportedError("interpolate: antialias=True is not supported")
    if antialias:
        raise InvalidArgumentError(
            "interpolate: antialias is only available with bilinear and bicubic modes"
        )
    return _interpolate(
        input, "interpolate", size, scale_factor, mode, align_corners, recompute_scale_factor
    )
