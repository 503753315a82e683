"""Convolution layers: `Conv1d`, `Conv2d`, `Conv3d` and `ConvTranspose1d/2d/3d`, with
PyTorch's arguments, weight shapes, initialisation, padding modes and repr."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

from retrograd.backend.device import check_device
from retrograd.backend.dtypes import default_float_dtype, to_numpy_dtype
from retrograd.creation import empty
from retrograd.errors import InvalidArgumentError, ShapeError
from retrograd.nn import init
from retrograd.nn.functional._utils import CheckedCall, as_tuple, check_size, frozen
from retrograd.nn.functional.conv import (
    IntOrTuple,
    PaddingArg,
    check_padding_string,
    conv_nd,
    conv_nd_kwargs,
    conv_transpose_nd,
    same_padding,
)
from retrograd.nn.module import Module
from retrograd.nn.parameter import Parameter
from retrograd.ops.conv import ConvNd as ConvOp
from retrograd.tensor import Tensor, apply, pad

__all__ = [
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
]


_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """What every convolution layer holds: sizes as tuples, the weight and the bias.

    Weight: `(out_channels, in_channels/groups, *kernel_size)`, transposed
    `(in_channels, out_channels/groups, *kernel_size)`; bias: `(out_channels,)` or None.
    """

    in_channels: int
    out_channels: int
    kernel_size: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...] | str
    dilation: tuple[int, ...]
    transposed: bool
    output_padding: tuple[int, ...]
    groups: int
    padding_mode: str
    weight: Parameter
    bias: Parameter | None
    _checked: CheckedCall | None  # what the last forward's checks resolved (`_Conv`)
    _transient = ("_checked",)  # a cache: a saved model starts without it

    def __init__(
        self,
        dims: int,
        in_channels: int,
        out_channels: int,
        kernel_size: IntOrTuple,
        stride: IntOrTuple,
        padding: PaddingArg,
        dilation: IntOrTuple,
        transposed: bool,
        output_padding: IntOrTuple,
        groups: int,
        bias: bool,
        padding_mode: str,
        device: Any,
        dtype: Any,
        generator: Any,
    ) -> None:
        check_device(device, "ConvTransposeNd" if transposed else "Conv")
        name = type(self).__name__
        if transposed and isinstance(padding, str):
            raise InvalidArgumentError(f"{name}: padding={padding!r} is not supported, give ints")
        super().__init__()
        self._checked = None
        in_channels = check_size(in_channels, "in_channels", name)
        out_channels = check_size(out_channels, "out_channels", name)
        if isinstance(groups, int) and not isinstance(groups, bool) and groups <= 0:
            raise InvalidArgumentError(f"{name}: groups must be a positive integer, got {groups!r}")
        groups = check_size(groups, "groups", name, minimum=1)
        for what, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
            if channels % groups:
                raise InvalidArgumentError(
                    f"{name}: {what}={channels} must be divisible by groups={groups}"
                )
        self.kernel_size = as_tuple(kernel_size, dims, "kernel_size", name)
        if any(k <= 0 for k in self.kernel_size):
            raise InvalidArgumentError(
                f"{name}: kernel_size must be positive, got {self.kernel_size}"
            )
        self.stride = as_tuple(stride, dims, "stride", name)
        self.dilation = as_tuple(dilation, dims, "dilation", name)
        if isinstance(padding, str):
            check_padding_string(padding, self.stride, name)
            self.padding = padding
        else:
            self.padding = as_tuple(padding, dims, "padding", name)
        if padding_mode not in _PADDING_MODES:
            raise InvalidArgumentError(
                f"{name}: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}"
            )
        if padding_mode != "zeros" and transposed:
            raise InvalidArgumentError(
                f"{name}: padding_mode={padding_mode!r} is not supported; only 'zeros' is"
            )
        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.transposed = transposed
        self.output_padding = as_tuple(output_padding, dims, "output_padding", name)
        self.groups = groups
        self.padding_mode = padding_mode
        dtype = default_float_dtype() if dtype is None else to_numpy_dtype(dtype)
        if transposed:
            shape = (in_channels, out_channels // groups, *self.kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(empty(*shape, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)
        if device is not None:
            self.to(device)

    def reset_parameters(self, generator: Any = None) -> None:
        """PyTorch's default: weight ~ kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(fan_in),
        1/sqrt(fan_in)) with fan_in = weight.shape[1] * prod(kernel_size), bias likewise."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def extra_repr(self) -> str:
        dims = len(self.kernel_size)
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if isinstance(self.padding, str) or self.padding != (0,) * dims:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * dims:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * dims:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class _Conv(_ConvNd):
    """What Conv1d, Conv2d and Conv3d share: PyTorch's constructor arguments and a forward that
    only differ in the number of spatial dims, `_dims`."""

    _dims: ClassVar[int]

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntOrTuple,
        stride: IntOrTuple = 1,
        padding: PaddingArg = 0,
        dilation: IntOrTuple = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        *,
        device: Any = None,
        dtype: Any = None,
        generator: Any = None,
    ) -> None:
        super().__init__(
            self._dims,
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            transposed=False,
            output_padding=0,
            groups=groups,
            bias=bias,
            padding_mode=padding_mode,
            device=device,
            dtype=dtype,
            generator=generator,
        )

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Convolve `input` with the layer's weight (and add its bias)."""
        weight, bias = self.weight, self.bias
        if self.padding_mode != "zeros":  # pad by reading the input, then convolve unpadded
            padded = pad(input, self._mode_padding(), mode=self.padding_mode)
            return conv_nd(padded, weight, bias, self.stride, 0, self.dilation, self.groups, self)
        checked = self._checked
        # a call like the last: the same settings and weights (by identity), the same input and
        # weight shapes and dtypes; its checks passed, so the op runs straight away
        if (
            checked is not None
            and isinstance(input, Tensor)
            and checked.holds((self.stride, self.padding, self.dilation, self.groups, weight, bias))
            and checked.shapes == _shapes(input, weight, bias)
        ):
            if bias is None:
                return apply(ConvOp, input, weight, **checked.kwargs)
            return apply(ConvOp, input, weight, bias, **checked.kwargs)
        settings = (self.stride, self.padding, self.dilation, self.groups)
        out, kwargs = conv_nd_kwargs(input, weight, bias, *settings, who=self)
        if kwargs is not None and frozen(*settings):
            shapes = _shapes(input, weight, bias)
            self._checked = CheckedCall((*settings, weight, bias), shapes, kwargs)
        return out

    def _mode_padding(self) -> list[int]:
        """`F.pad`'s widths (last axis first) for `padding_mode`, as PyTorch's
        `_reversed_padding_repeated_twice`."""
        padding = self.padding
        if padding == "same":
            pairs = same_padding(self.kernel_size, self.dilation)
        elif isinstance(padding, str):  # 'valid'
            pairs = [(0, 0)] * len(self.kernel_size)
        else:
            pairs = [(p, p) for p in padding]
        return [width for pair in reversed(pairs) for width in pair]


def _shapes(input: Tensor, weight: Tensor, bias: Tensor | None) -> tuple[Any, ...]:  # noqa: A002
    """What a convolution's checks read of its arrays: shapes and dtypes."""
    bias_shape = None if bias is None else bias.array.shape
    return (
        input.array.shape,
        input.array.dtype,
        weight.array.shape,
        weight.array.dtype,
        bias_shape,
    )


class Conv1d(_Conv):
    """1-d cross-correlation over `(N, C, L)` or `(C, L)` inputs.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: an int or a 1-tuple.
        stride: an int or a 1-tuple. Default: 1.
        padding: an int, a 1-tuple, 'valid' or 'same' ('same' with stride 1 only). Default: 0.
        dilation: an int or a 1-tuple. Default: 1.
        groups: blocked connections from input to output channels; divides both channel
            counts. Default: 1.
        bias: whether to add a learnable bias. Default: True.
        padding_mode: 'zeros', 'reflect', 'replicate' or 'circular'. Default: 'zeros'.
        device: where the parameters go ("cpu", or "cuda" with a GPU). Default: None, the
            default device.
        dtype: of the parameters (keyword-only). Default: the default float dtype (float32
            unless changed with `set_default_dtype`).
        generator: a NumPy Generator for the initial values (keyword-only). Default: the
            global one.

    Shape:
        - Input: `(N, in_channels, L)` or `(in_channels, L)`.
        - Output: `(N, out_channels, L_out)` or `(out_channels, L_out)` with
          `L_out = (L + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1`.
        - weight: `(out_channels, in_channels/groups, kernel_size)`; bias: `(out_channels,)`.
    """

    _dims = 1


class Conv2d(_Conv):
    """2-d cross-correlation over `(N, C, H, W)` or `(C, H, W)` inputs.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: an int or a pair.
        stride: an int or a pair. Default: 1.
        padding: an int, a pair, 'valid' or 'same' ('same' with stride 1 only). Default: 0.
        dilation: an int or a pair. Default: 1.
        groups: blocked connections from input to output channels; divides both channel
            counts. Default: 1.
        bias: whether to add a learnable bias. Default: True.
        padding_mode: 'zeros', 'reflect', 'replicate' or 'circular'. Default: 'zeros'.
        device: where the parameters go ("cpu", or "cuda" with a GPU). Default: None, the
            default device.
        dtype: of the parameters (keyword-only). Default: the default float dtype (float32
            unless changed with `set_default_dtype`).
        generator: a NumPy Generator for the initial values (keyword-only). Default: the
            global one.

    Shape:
        - Input: `(N, in_channels, H, W)` or `(in_channels, H, W)`.
        - Output: `(N, out_channels, H_out, W_out)` or `(out_channels, H_out, W_out)` with
          `H_out = (H + 2 * padding - dilation * (kH - 1) - 1) // stride + 1`, likewise W.
        - weight: `(out_channels, in_channels/groups, kH, kW)`; bias: `(out_channels,)`.
    """

    _dims = 2


class Conv3d(_Conv):
    """3-d cross-correlation over `(N, C, D, H, W)` or `(C, D, H, W)` inputs.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: an int or a triple.
        stride: an int or a triple (1).
        padding: an int, a triple, 'valid' or 'same' (0).
        dilation: an int or a triple (1).
        groups: blocked connections from input to output channels (1).
        bias: whether to add a learnable bias (True).
        padding_mode: 'zeros', 'reflect', 'replicate' or 'circular'.
        device: where the parameters go ("cpu", or "cuda" with a GPU). Default: None, the
            default device.
        dtype: of the parameters (the default float dtype).
        generator: for the initial values.

    Shape:
        - Input: `(N, in_channels, D, H, W)` or `(in_channels, D, H, W)`.
        - Output: `(N, out_channels, D_out, H_out, W_out)` with
          `D_out = (D + 2 * padding - dilation * (kD - 1) - 1) // stride + 1`, likewise H, W.
        - weight: `(out_channels, in_channels/groups, kD, kH, kW)`; bias: `(out_channels,)`.

    Example:
        >>> m = nn.Conv3d(2, 4, 3, padding=1)
        >>> m(retrograd.randn(1, 2, 5, 6, 7)).shape
        (1, 4, 5, 6, 7)
    """

    _dims = 3


class _ConvTransposeNd(_ConvNd):
    """A transposed convolution over `n_spatial` axes."""

    n_spatial: ClassVar[int] = 2

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntOrTuple,
        stride: IntOrTuple = 1,
        padding: IntOrTuple = 0,
        output_padding: IntOrTuple = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: IntOrTuple = 1,
        padding_mode: str = "zeros",
        *,
        device: Any = None,
        dtype: Any = None,
        generator: Any = None,
    ) -> None:
        super().__init__(
            self.n_spatial,
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            transposed=True,
            output_padding=output_padding,
            groups=groups,
            bias=bias,
            padding_mode=padding_mode,
            device=device,
            dtype=dtype,
            generator=generator,
        )

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:  # noqa: A002
        """Transposed convolution of `input`; `output_size` (optional, its last entries count)
        picks the output padding that gives that size, as PyTorch does when a stride makes
        several sizes possible."""
        padding = self.padding
        assert not isinstance(padding, str)  # refused in __init__
        output_padding = self.output_padding
        if output_size is not None:
            output_padding = self._output_padding(input, output_size)
        return conv_transpose_nd(
            input,
            self.weight,
            self.bias,
            self.stride,
            padding,
            output_padding,
            self.groups,
            self.dilation,
            who=self,
        )

    def _output_padding(self, input: Tensor, output_size: Sequence[int]) -> tuple[int, ...]:  # noqa: A002
        n = self.n_spatial
        wanted = tuple(int(s) for s in output_size)[-n:]
        assert not isinstance(self.padding, str)  # refused in __init__
        smallest = tuple(
            (size - 1) * s - 2 * p + d * (k - 1) + 1
            for size, s, p, d, k in zip(
                input.shape[-n:], self.stride, self.padding, self.dilation, self.kernel_size
            )
        )
        largest = tuple(low + s - 1 for low, s in zip(smallest, self.stride))
        if len(wanted) != n or any(
            not lo <= w <= hi for w, lo, hi in zip(wanted, smallest, largest)
        ):
            raise ShapeError(
                f"{self}: requested an output size of {tuple(output_size)}, but valid sizes range "
                f"from {smallest} to {largest} (for an input of {input.shape[-n:]})"
            )
        return tuple(w - low for w, low in zip(wanted, smallest))


class ConvTranspose1d(_ConvTransposeNd):
    """1-d transposed convolution (the gradient of a `Conv1d` with respect to its input).

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: an int or a 1-tuple.
        stride: an int or a 1-tuple. Default: 1.
        padding: an int or a 1-tuple (no 'valid' or 'same'). Default: 0.
        output_padding: extra size on one side of the output, smaller than `stride` or
            `dilation`. Default: 0.
        groups: blocked connections from input to output channels; divides both channel
            counts. Default: 1.
        bias: whether to add a learnable bias. Default: True.
        dilation: an int or a 1-tuple. Default: 1.
        padding_mode: 'zeros' only, as PyTorch. Default: 'zeros'.
        device: where the parameters go ("cpu", or "cuda" with a GPU). Default: None, the
            default device.
        dtype: of the parameters (keyword-only). Default: the default float dtype (float32
            unless changed with `set_default_dtype`).
        generator: a NumPy Generator for the initial values (keyword-only). Default: the
            global one.

    Shape:
        - Input: `(N, in_channels, L)` or `(in_channels, L)`.
        - Output: `(N, out_channels, L_out)` or `(out_channels, L_out)` with
          `L_out = (L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1`.
        - weight: `(in_channels, out_channels/groups, k)`; bias: `(out_channels,)`.
    """

    n_spatial = 1


class ConvTranspose2d(_ConvTransposeNd):
    """2-d transposed convolution (the gradient of a `Conv2d` with respect to its input), as used
    to upsample.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: an int or a pair.
        stride: an int or a pair. Default: 1.
        padding: an int or a pair (no 'valid' or 'same'). Default: 0.
        output_padding: extra rows/columns on one side of the output, smaller than `stride`
            or `dilation`. Default: 0.
        groups: blocked connections from input to output channels; divides both channel
            counts. Default: 1.
        bias: whether to add a learnable bias. Default: True.
        dilation: an int or a pair. Default: 1.
        padding_mode: 'zeros' only, as PyTorch. Default: 'zeros'.
        device: where the parameters go ("cpu", or "cuda" with a GPU). Default: None, the
            default device.
        dtype: of the parameters (keyword-only). Default: the default float dtype (float32
            unless changed with `set_default_dtype`).
        generator: a NumPy Generator for the initial values (keyword-only). Default: the
            global one.

    Shape:
        - Input: `(N, in_channels, H, W)` or `(in_channels, H, W)`.
        - Output: `(N, out_channels, H_out, W_out)` or `(out_channels, H_out, W_out)` with
          `H_out = (H - 1) * stride - 2 * padding + dilation * (kH - 1) + output_padding + 1`,
          likewise W.
        - weight: `(in_channels, out_channels/groups, kH, kW)`; bias: `(out_channels,)`.
    """

    n_spatial = 2


class ConvTranspose3d(_ConvTransposeNd):
    """3-d transposed convolution (the gradient of a `Conv3d` with respect to its input).

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: an int or a triple.
        stride: an int or a triple (1).
        padding: an int or a triple (0).
        output_padding: extra size on one side of each axis (0).
        groups: blocked connections from input to output channels (1).
        bias: whether to add a learnable bias (True).
        dilation: an int or a triple (1).
        padding_mode: 'zeros' only, as PyTorch.
        device: where the parameters go ("cpu", or "cuda" with a GPU). Default: None, the
            default device.
        dtype: of the parameters (the default float dtype).
        generator: for the initial values.

    Shape:
        - Input: `(N, in_channels, D, H, W)` or `(in_channels, D, H, W)`.
        - Output: `(N, out_channels, D_out, H_out, W_out)` with
          `D_out = (D - 1) * stride - 2 * padding + dilation * (kD - 1) + output_padding + 1`.
        - weight: `(in_channels, out_channels/groups, kD, kH, kW)`; bias: `(out_channels,)`.

    Example:
        >>> m = nn.ConvTranspose3d(4, 2, 2, stride=2)
        >>> m(retrograd.randn(1, 4, 3, 3, 3)).shape
        (1, 2, 6, 6, 6)
    """

    n_spatial = 3
