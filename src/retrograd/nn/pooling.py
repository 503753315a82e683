"""Pooling layers with PyTorch's arguments and reprs: `MaxPool1d`, `MaxPool2d`, `AvgPool1d`,
`AvgPool2d`, `AdaptiveAvgPool1d`, `AdaptiveAvgPool2d`. Settings are checked at construction, so a
bad kernel/padding pair fails where the layer is built, not at its first batch."""

from __future__ import annotations

from typing import Any

from retrograd.errors import InvalidArgumentError
from retrograd.nn.functional._utils import CheckedCall, as_tuple, frozen
from retrograd.nn.functional.pooling import (
    IntOrTuple,
    _adaptive_avg_pool,
    _adaptive_max_pool,
    _avg_pool,
    adaptive_output_size,
    max_pool_kwargs,
    pool_params,
    run_max_pool,
)
from retrograd.nn.module import Module
from retrograd.tensor import Tensor


class _MaxPoolNd(Module):
    """Shared body of MaxPool1d/2d; `n_spatial` is the number of pooled axes."""

    n_spatial: int
    kernel_size: IntOrTuple
    stride: IntOrTuple
    padding: IntOrTuple
    dilation: IntOrTuple
    return_indices: bool
    ceil_mode: bool
    _checked: CheckedCall | None  # what the last forward's checks resolved

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

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


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


class AvgPool1d(Module):
    """Mean over windows along L; zero padding. **Shapes:** `(N, C, L)` or `(C, L)` ->
    `(N, C, L_out)` or `(C, L_out)`, L_out = floor((L + 2p - k) / s) + 1 (ceil with `ceil_mode`)."""

    kernel_size: tuple[int]
    stride: tuple[int]
    padding: tuple[int]
    ceil_mode: bool
    count_include_pad: bool

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
        self.kernel_size = as_tuple(kernel_size, 1, "kernel_size", "AvgPool1d")  # type: ignore[assignment]
        self.stride = (
            self.kernel_size if stride is None else as_tuple(stride, 1, "stride", "AvgPool1d")  # type: ignore[assignment]
        )
        self.padding = as_tuple(padding, 1, "padding", "AvgPool1d")  # type: ignore[assignment]
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        pool_params(1, self, self.kernel_size, self.stride, self.padding)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return _avg_pool(
            input,
            1,
            self,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            None,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Module):
    """Mean over (H, W) windows; zero padding, counted when `count_include_pad`;
    `divisor_override` replaces the window size as divisor. **Shapes:** `(N, C, H, W)` or
    `(C, H, W)` -> `(N, C, H_out, W_out)` or `(C, H_out, W_out)`, each side as in AvgPool1d."""

    kernel_size: IntOrTuple
    stride: IntOrTuple
    padding: IntOrTuple
    ceil_mode: bool
    count_include_pad: bool
    divisor_override: int | None

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
        pool_params(2, self, kernel_size, stride, padding)
        if divisor_override is not None and divisor_override == 0:
            raise InvalidArgumentError(f"{self}: divisor_override must not be zero")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return _avg_pool(
            input,
            2,
            self,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AdaptiveAvgPoolNd(Module):
    n_spatial: int
    output_size: Any

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size
        adaptive_output_size(output_size, (1,) * self.n_spatial, self)  # checks the form early

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return _adaptive_avg_pool(input, self.n_spatial, self, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Mean over `output_size` windows tiling L: window i spans floor(i*L/out) ..
    ceil((i+1)*L/out). **Shapes:** `(N, C, L)` or `(C, L)` -> `(N, C, out)` or `(C, out)`."""

    n_spatial = 1


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Mean over windows tiling (H, W) into `output_size` (an int, or a pair whose None entries
    keep that input size), each axis as in AdaptiveAvgPool1d. **Shapes:** `(N, C, H, W)` or
    `(C, H, W)` -> `(N, C, H_out, W_out)` or `(C, H_out, W_out)`."""

    n_spatial = 2


class _AdaptiveMaxPoolNd(Module):
    n_spatial: int
    output_size: Any
    return_indices: bool

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices
        adaptive_output_size(output_size, (1,) * self.n_spatial, self)  # checks the form early

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """The max over each window of `input`."""
        return _adaptive_max_pool(
            input, self.n_spatial, self, self.output_size, self.return_indices
        )

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max over `output_size` windows tiling L: window i spans floor(i*L/out) ..
    ceil((i+1)*L/out). **Shapes:** `(N, C, L)` or `(C, L)` -> `(N, C, out)` or `(C, out)`."""

    n_spatial = 1


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max over windows tiling (H, W) into `output_size` (an int, or a pair whose None entries
    keep that input size), each axis as in AdaptiveMaxPool1d. **Shapes:** `(N, C, H, W)` or
    `(C, H, W)` -> `(N, C, H_out, W_out)` or `(C, H_out, W_out)`."""

    n_spatial = 2
