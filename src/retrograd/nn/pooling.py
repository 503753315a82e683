"""Pooling layers with PyTorch's arguments and reprs: `MaxPool1d/2d/3d`, `AvgPool1d/2d/3d`,
`AdaptiveAvgPool1d/2d/3d`, `AdaptiveMaxPool1d/2d/3d`, `LPPool1d/2d/3d` and `MaxUnpool1d/2d/3d`.
Settings are checked at construction, so a bad kernel/padding pair fails where the layer is
built, not at its first batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from retrograd.nn.functional._utils import CheckedCall, as_tuple, frozen, settings_repr
from retrograd.nn.functional.pooling import (
    IntOrTuple,
    _adaptive_avg_pool,
    _adaptive_max_pool,
    _avg_pool,
    _lp_pool,
    _max_unpool,
    adaptive_output_size,
    check_divisor,
    max_pool_kwargs,
    pool_params,
    pool_tuples,
    run_max_pool,
)
from retrograd.nn.module import Module
from retrograd.tensor import Tensor

__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "LPPool1d",
    "LPPool2d",
    "LPPool3d",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "MaxUnpool1d",
    "MaxUnpool2d",
    "MaxUnpool3d",
]


class _Pool(Module):
    """A pooling layer: its `extra_repr` shows the settings named in `_shown`."""

    n_spatial: int
    _shown: ClassVar[tuple[str, ...]] = ("kernel_size", "stride", "padding")

    def extra_repr(self) -> str:
        return settings_repr(self, *self._shown)


class _MaxPoolNd(_Pool):
    """Shared body of MaxPool1d/2d; `n_spatial` is the number of pooled axes."""

    kernel_size: IntOrTuple
    stride: IntOrTuple
    padding: IntOrTuple
    dilation: IntOrTuple
    return_indices: bool
    ceil_mode: bool
    _checked: CheckedCall | None  # what the last forward's checks resolved
    _transient = ("_checked",)  # a cache: a saved model starts without it
    _shown = ("kernel_size", "stride", "padding", "dilation", "ceil_mode")

    def __init__(
        self,
        kernel_size: IntOrTuple,
        stride: IntOrTuple | None = None,
        padding: IntOrTuple = 0,
        dilation: IntOrTuple = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self._checked = None
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode
        pool_params(self.n_spatial, self, kernel_size, stride, padding, dilation)

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        """The maximum of each window of `input` (and its indices with `return_indices`)."""
        settings = (self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode)
        checked = self._checked
        # a call like the last (the same settings by identity, an input of the same shape and
        # dtype): its checks passed, so the op runs straight away
        if (
            checked is None
            or not isinstance(input, Tensor)
            or not checked.holds(settings)
            or checked.shapes != (input.array.shape, input.array.dtype)
        ):
            kwargs = max_pool_kwargs(input, self.n_spatial, self, *settings)
            if not frozen(*settings):
                return run_max_pool(input, kwargs, self.return_indices)
            checked = CheckedCall(settings, (input.array.shape, input.array.dtype), kwargs)
            self._checked = checked
        return run_max_pool(input, checked.kwargs, self.return_indices)


class MaxPool1d(_MaxPoolNd):
    """Maximum over windows along L; padding is -inf. **Shapes:** `(N, C, L)` or `(C, L)` ->
    `(N, C, L_out)` or `(C, L_out)`, L_out = floor((L + 2p - d(k-1) - 1) / s) + 1 (ceil with
    `ceil_mode`). With `return_indices`, also the int64 position of each maximum."""

    n_spatial = 1


class MaxPool2d(_MaxPoolNd):
    """Maximum over (H, W) windows; padding is -inf. **Shapes:** `(N, C, H, W)` or `(C, H, W)` ->
    `(N, C, H_out, W_out)` or `(C, H_out, W_out)`, each side as in MaxPool1d. With
    `return_indices`, also the int64 flat position `h * W + w` of each maximum."""

    n_spatial = 2


class MaxPool3d(_MaxPoolNd):
    """Maximum over (D, H, W) windows; padding is -inf.

    Args:
        kernel_size: an int or a triple.
        stride: an int or a triple (None: `kernel_size`).
        padding: an int or a triple, at most half the kernel.
        dilation: an int or a triple.
        return_indices: also return the int64 flat position `(d * H + h) * W + w` of each
            maximum (for `MaxUnpool3d`).
        ceil_mode: round the output size up instead of down.

    Shape:
        - Input: `(N, C, D, H, W)` or `(C, D, H, W)`.
        - Output: `(N, C, D_out, H_out, W_out)` or unbatched, each side as in MaxPool1d.

    Example:
        >>> nn.MaxPool3d(2)(retrograd.randn(1, 3, 4, 6, 8)).shape
        (1, 3, 2, 3, 4)
    """

    n_spatial = 3


class _AvgPool(_Pool):
    """The forward of AvgPool1d/2d/3d; `n_spatial` is the number of pooled axes."""

    kernel_size: IntOrTuple
    stride: IntOrTuple
    padding: IntOrTuple
    ceil_mode: bool
    count_include_pad: bool
    divisor_override: int | None = None  # AvgPool1d has none

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """The mean of each window of `input`."""
        return _avg_pool(
            input,
            self.n_spatial,
            self,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )


class AvgPool1d(_AvgPool):
    """Mean over windows along L; zero padding. **Shapes:** `(N, C, L)` or `(C, L)` ->
    `(N, C, L_out)` or `(C, L_out)`, L_out = floor((L + 2p - k) / s) + 1 (ceil with `ceil_mode`)."""

    n_spatial = 1
    kernel_size: tuple[int]
    stride: tuple[int]
    padding: tuple[int]

    def __init__(
        self,
        kernel_size: IntOrTuple,
        stride: IntOrTuple | None = None,
        padding: IntOrTuple = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        # PyTorch keeps AvgPool1d's settings as 1-tuples (they show so in the repr)
        kernel, strides, pads = pool_tuples(1, "AvgPool1d", kernel_size, stride, padding)
        self.kernel_size, self.stride, self.padding = kernel, strides, pads  # type: ignore[assignment]
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        pool_params(1, self, self.kernel_size, self.stride, self.padding)


class _AvgPoolNd(_AvgPool):
    """Shared constructor of AvgPool2d/3d."""

    def __init__(
        self,
        kernel_size: IntOrTuple,
        stride: IntOrTuple | None = None,
        padding: IntOrTuple = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override
        pool_params(self.n_spatial, self, kernel_size, stride, padding)
        check_divisor(divisor_override, self)


class AvgPool2d(_AvgPoolNd):
    """Mean over (H, W) windows; zero padding, counted when `count_include_pad`;
    `divisor_override` replaces the window size as divisor. **Shapes:** `(N, C, H, W)` or
    `(C, H, W)` -> `(N, C, H_out, W_out)` or `(C, H_out, W_out)`, each side as in AvgPool1d."""

    n_spatial = 2


class AvgPool3d(_AvgPoolNd):
    """Mean over (D, H, W) windows; zero padding.

    Args:
        kernel_size: an int or a triple.
        stride: an int or a triple (None: `kernel_size`).
        padding: an int or a triple, at most half the kernel.
        ceil_mode: round the output size up instead of down.
        count_include_pad: count the padding in each window's divisor.
        divisor_override: divide every window's sum by this instead.

    Shape:
        - Input: `(N, C, D, H, W)` or `(C, D, H, W)`.
        - Output: `(N, C, D_out, H_out, W_out)` or unbatched, each side as in AvgPool1d.

    Example:
        >>> nn.AvgPool3d(3, stride=2, padding=1)(retrograd.randn(1, 3, 5, 5, 5)).shape
        (1, 3, 3, 3, 3)
    """

    n_spatial = 3


class _AdaptivePoolNd(_Pool):
    output_size: Any
    _shown = ("output_size",)

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size
        adaptive_output_size(output_size, (1,) * self.n_spatial, self)  # checks the form early


class _AdaptiveAvgPoolNd(_AdaptivePoolNd):
    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """The mean of each adaptive window of `input`."""
        return _adaptive_avg_pool(input, self.n_spatial, self, self.output_size)


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Mean over `output_size` windows tiling L: window i spans floor(i*L/out) ..
    ceil((i+1)*L/out). **Shapes:** `(N, C, L)` or `(C, L)` -> `(N, C, out)` or `(C, out)`."""

    n_spatial = 1


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Mean over windows tiling (H, W) into `output_size` (an int, or a pair whose None entries
    keep that input size), each axis as in AdaptiveAvgPool1d. **Shapes:** `(N, C, H, W)` or
    `(C, H, W)` -> `(N, C, H_out, W_out)` or `(C, H_out, W_out)`."""

    n_spatial = 2


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """Mean over windows tiling (D, H, W) into `output_size`, each axis as in
    AdaptiveAvgPool1d.

    Args:
        output_size: an int, or a triple whose None entries keep that input size.

    Shape:
        - Input: `(N, C, D, H, W)` or `(C, D, H, W)`.
        - Output: `(N, C, *output_size)` or `(C, *output_size)`.

    Example:
        >>> nn.AdaptiveAvgPool3d((1, None, 2))(retrograd.randn(1, 3, 4, 5, 6)).shape
        (1, 3, 1, 5, 2)
    """

    n_spatial = 3


class _AdaptiveMaxPoolNd(_AdaptivePoolNd):
    return_indices: bool

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """The max over each window of `input`."""
        return _adaptive_max_pool(
            input, self.n_spatial, self, self.output_size, self.return_indices
        )


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max over `output_size` windows tiling L: window i spans floor(i*L/out) ..
    ceil((i+1)*L/out). **Shapes:** `(N, C, L)` or `(C, L)` -> `(N, C, out)` or `(C, out)`."""

    n_spatial = 1


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max over windows tiling (H, W) into `output_size` (an int, or a pair whose None entries
    keep that input size), each axis as in AdaptiveMaxPool1d. **Shapes:** `(N, C, H, W)` or
    `(C, H, W)` -> `(N, C, H_out, W_out)` or `(C, H_out, W_out)`."""

    n_spatial = 2


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max over windows tiling (D, H, W) into `output_size`, each axis as in
    AdaptiveMaxPool1d.

    Args:
        output_size: an int, or a triple whose None entries keep that input size.
        return_indices: not supported (raises UnsupportedError at forward).

    Shape:
        - Input: `(N, C, D, H, W)` or `(C, D, H, W)`.
        - Output: `(N, C, *output_size)` or `(C, *output_size)`.

    Example:
        >>> nn.AdaptiveMaxPool3d(2)(retrograd.randn(1, 3, 4, 5, 6)).shape
        (1, 3, 2, 2, 2)
    """

    n_spatial = 3


class _LPPoolNd(_Pool):
    """Shared body of LPPool1d/2d/3d; `n_spatial` is the number of pooled axes."""

    norm_type: float
    kernel_size: IntOrTuple
    stride: IntOrTuple | None
    ceil_mode: bool
    _shown = ("norm_type", "kernel_size", "stride", "ceil_mode")

    def __init__(
        self,
        norm_type: float,
        kernel_size: IntOrTuple,
        stride: IntOrTuple | None = None,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode
        pool_params(self.n_spatial, self, kernel_size, stride, 0)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """The `norm_type`-norm of each window of `input`."""
        return _lp_pool(
            input,
            self.n_spatial,
            self,
            self.norm_type,
            self.kernel_size,
            self.stride,
            self.ceil_mode,
        )


class LPPool1d(_LPPoolNd):
    """Power-average pooling along L: `(sum over the window of x ** p) ** (1 / p)`.

    Args:
        norm_type: the power p (1: sum pooling; infinity: max pooling).
        kernel_size: the window length.
        stride: the step between windows (None: `kernel_size`).
        ceil_mode: round the output size up instead of down.

    Shape:
        - Input: `(N, C, L)` or `(C, L)`.
        - Output: `(N, C, L_out)` or `(C, L_out)`, `L_out = (L - k) // stride + 1`.

    Example:
        >>> nn.LPPool1d(2, 2)(retrograd.tensor([[[3.0, 4.0, 6.0, 8.0]]]))
        tensor([[[ 5., 10.]]])
    """

    n_spatial = 1


class LPPool2d(_LPPoolNd):
    """Power-average pooling over (H, W) windows, as LPPool1d on each axis.

    Args:
        norm_type: the power p.
        kernel_size: an int or a pair.
        stride: an int or a pair (None: `kernel_size`).
        ceil_mode: round the output size up instead of down.

    Shape:
        - Input: `(N, C, H, W)` or `(C, H, W)`.
        - Output: `(N, C, H_out, W_out)` or `(C, H_out, W_out)`.

    Example:
        >>> nn.LPPool2d(2, 2)(retrograd.ones(1, 1, 4, 4))
        tensor([[[[2., 2.],
                  [2., 2.]]]])
    """

    n_spatial = 2


class LPPool3d(_LPPoolNd):
    """Power-average pooling over (D, H, W) windows, as LPPool1d on each axis.

    Args:
        norm_type: the power p.
        kernel_size: an int or a triple.
        stride: an int or a triple (None: `kernel_size`).
        ceil_mode: round the output size up instead of down.

    Shape:
        - Input: `(N, C, D, H, W)` or `(C, D, H, W)`.
        - Output: `(N, C, D_out, H_out, W_out)` or unbatched.

    Example:
        >>> nn.LPPool3d(1, 2)(retrograd.ones(1, 1, 2, 4, 4)).shape
        (1, 1, 1, 2, 2)
    """

    n_spatial = 3


class _MaxUnpoolNd(_Pool):
    """Shared body of MaxUnpool1d/2d/3d; `n_spatial` is the number of unpooled axes."""

    kernel_size: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]

    def __init__(
        self,
        kernel_size: IntOrTuple,
        stride: IntOrTuple | None = None,
        padding: IntOrTuple = 0,
    ) -> None:
        super().__init__()
        n = self.n_spatial
        self.kernel_size = as_tuple(kernel_size, n, "kernel_size", self)
        self.stride = self.kernel_size if stride is None else as_tuple(stride, n, "stride", self)
        self.padding = as_tuple(padding, n, "padding", self)

    def forward(
        self,
        input: Tensor,  # noqa: A002
        indices: Tensor,
        output_size: Sequence[int] | None = None,
    ) -> Tensor:
        """Each value of `input` placed at the position its index names, zeros elsewhere."""
        return _max_unpool(
            input,
            indices,
            self.n_spatial,
            self,
            self.kernel_size,
            self.stride,
            self.padding,
            output_size,
        )


class MaxUnpool1d(_MaxUnpoolNd):
    """The partial inverse of MaxPool1d: values go back to the positions of their maxima.

    Args:
        kernel_size: the pooling's window length.
        stride: the pooling's stride (None: `kernel_size`).
        padding: the pooling's padding.

    Shape:
        - Input: `(N, C, L)` or `(C, L)`, with int64 `indices` of the same shape (from
          `MaxPool1d(..., return_indices=True)`).
        - Output: `(N, C, L_out)` or `(C, L_out)`,
          `L_out = (L - 1) * stride - 2 * padding + kernel_size`, or `output_size`.

    Example:
        >>> pool = nn.MaxPool1d(2, return_indices=True)
        >>> values, indices = pool(retrograd.tensor([[[1.0, 5.0, 4.0, 2.0]]]))
        >>> nn.MaxUnpool1d(2)(values, indices)
        tensor([[[0., 5., 4., 0.]]])
    """

    n_spatial = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """The partial inverse of MaxPool2d: values go back to the positions of their maxima.

    Args:
        kernel_size: the pooling's kernel (an int or a pair).
        stride: the pooling's stride (None: `kernel_size`).
        padding: the pooling's padding.

    Shape:
        - Input: `(N, C, H, W)` or `(C, H, W)`, with int64 `indices` of the same shape.
        - Output: `(N, C, H_out, W_out)` or `(C, H_out, W_out)`,
          `H_out = (H - 1) * stride - 2 * padding + kernel_size`, or `output_size`.

    Example:
        >>> pool = nn.MaxPool2d(2, return_indices=True)
        >>> x = retrograd.randn(1, 1, 5, 5)
        >>> values, indices = pool(x)
        >>> nn.MaxUnpool2d(2)(values, indices, output_size=x.shape).shape
        (1, 1, 5, 5)
    """

    n_spatial = 2


class MaxUnpool3d(_MaxUnpoolNd):
    """The partial inverse of MaxPool3d: values go back to the positions of their maxima.

    Args:
        kernel_size: the pooling's kernel (an int or a triple).
        stride: the pooling's stride (None: `kernel_size`).
        padding: the pooling's padding.

    Shape:
        - Input: `(N, C, D, H, W)` or `(C, D, H, W)`, with int64 `indices` of the same shape.
        - Output: `(N, C, D_out, H_out, W_out)` or unbatched, each side
          `(size - 1) * stride - 2 * padding + kernel_size`, or `output_size`.

    Example:
        >>> pool = nn.MaxPool3d(2, return_indices=True)
        >>> values, indices = pool(retrograd.randn(1, 1, 4, 4, 4))
        >>> nn.MaxUnpool3d(2)(values, indices).shape
        (1, 1, 4, 4, 4)
    """

    n_spatial = 3
