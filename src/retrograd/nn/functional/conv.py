"""`conv1d/2d/3d` and `conv_transpose1d/2d/3d` with PyTorch's arguments, through the N-d
primitives of `retrograd.ops.conv`.

`conv_nd` and `conv_transpose_nd` do the work for the layers too; `who` names the layer (its
repr) or the function in error messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from retrograd.errors import InvalidArgumentError, ShapeError
from retrograd.nn.functional._utils import as_tuple, match_weight_dtype, require_tensor
from retrograd.ops.conv import ConvNd as ConvOp
from retrograd.ops.conv import ConvTransposeNd as ConvTransposeOp
from retrograd.tensor import Tensor, apply

IntOrTuple = int | Sequence[int]
PaddingArg = int | Sequence[int] | str

_PADDING_STRINGS = ("valid", "same")
_AXES = {1: "L", 2: "H, W", 3: "D, H, W"}


def check_padding_string(padding: str, stride: tuple[int, ...], who: object) -> None:
    """'valid' or 'same' (the latter only with stride 1), as PyTorch allows."""
    if padding not in _PADDING_STRINGS:
        raise InvalidArgumentError(
            f"{who}: invalid padding string {padding!r}, should be one of {_PADDING_STRINGS}"
        )
    if padding == "same" and any(s != 1 for s in stride):
        raise InvalidArgumentError(
            f"{who}: padding='same' is not supported for strided convolutions"
        )


def _check_hyper(
    stride: tuple[int, ...], padding: tuple[int, ...], dilation: tuple[int, ...], who: object
) -> None:
    if any(s <= 0 for s in stride):
        raise InvalidArgumentError(f"{who}: stride must be positive, got {stride}")
    if any(p < 0 for p in padding):
        raise InvalidArgumentError(f"{who}: padding must be non-negative, got {padding}")
    if any(d <= 0 for d in dilation):
        raise InvalidArgumentError(f"{who}: dilation must be positive, got {dilation}")


def _check_groups(groups: int, weight: Tensor, dim: int, who: object) -> None:
    if not isinstance(groups, int) or groups <= 0:
        raise InvalidArgumentError(f"{who}: groups must be a positive integer, got {groups!r}")
    if weight.shape[dim] % groups:
        raise ShapeError(
            f"{who}: weight of shape {weight.shape} does not split into groups={groups} "
            f"along dim {dim}"
        )


def _check_weight(weight: Any, dims: int | None, who: object) -> int:
    """The number of spatial axes: `dims`, or (None) the weight's rank less 2 when it is 3 to 5
    (else 2); ShapeError unless `weight` is a Tensor of that rank plus 2."""
    if dims is None:
        dims = weight.ndim - 2 if isinstance(weight, Tensor) and weight.ndim in (3, 4, 5) else 2
    if not isinstance(weight, Tensor) or weight.ndim != dims + 2:
        shape = getattr(weight, "shape", type(weight).__name__)
        raise ShapeError(f"{who} expects a {dims + 2}-d weight Tensor, got {shape}")
    return dims


def _check_bias(bias: Tensor | None, out: int, weight: Tensor, who: object) -> None:
    if bias is not None and tuple(bias.shape) != (out,):
        raise ShapeError(
            f"{who}: bias of shape {bias.shape} does not fit weight of shape {weight.shape}; "
            f"expected ({out},)"
        )


def same_padding(kernel: Sequence[int], dilation: Sequence[int]) -> list[tuple[int, int]]:
    """padding='same' per axis: a total of d * (k - 1), the odd one at the end, as PyTorch."""
    totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
    return [(t // 2, t - t // 2) for t in totals]


def check_conv_input(input: Any, channels: int, n: int, weight: Tensor, who: object) -> Tensor:  # noqa: A002
    """`input` as `(N, channels, *spatial)` in the weight's dtype; checks rank and channels.

    An unbatched `(channels, *spatial)` input gets a batch dimension of 1 (the caller removes
    it again). Integer inputs are cast; a float of another precision raises DTypeError.
    """
    expected = f"(N, {channels}, {_AXES[n]}) or ({channels}, {_AXES[n]})"
    require_tensor(input, who)
    if input.ndim not in (n + 1, n + 2):
        raise ShapeError(f"{who} expects input of shape {expected}, got {input.shape}")
    got = input.shape[-n - 1]
    if got != channels:
        raise ShapeError(
            f"{who} expects input of shape {expected} ({channels} channels), "
            f"got {input.shape} ({got} channels)"
        )
    input = match_weight_dtype(input, weight, who)
    return input.unsqueeze(0) if input.ndim == n + 1 else input


def _check_kernel_fits(
    x_shape: tuple[int, ...],
    pads: Sequence[tuple[int, int]],
    kernel: Sequence[int],
    dilation: Sequence[int],
    who: object,
) -> None:
    padded = tuple(s + a + b for s, (a, b) in zip(x_shape[2:], pads))
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(p < s for p, s in zip(padded, span)):
        raise ShapeError(
            f"{who}: kernel of size {tuple(kernel)} with dilation {tuple(dilation)} spans "
            f"{span}, larger than the padded input {padded} (input shape {x_shape})"
        )


def conv_nd(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None,
    stride: IntOrTuple,
    padding: PaddingArg,
    dilation: IntOrTuple,
    groups: int,
    who: object,
    dims: int | None = None,
) -> Tensor:
    """A `dims`-d convolution (None: 1-d, 2-d or 3-d by the weight's rank), checked and
    reported as `who`."""
    return conv_nd_kwargs(input, weight, bias, stride, padding, dilation, groups, who, dims)[0]


def conv_nd_kwargs(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None,
    stride: IntOrTuple,
    padding: PaddingArg,
    dilation: IntOrTuple,
    groups: int,
    who: object,
    dims: int | None = None,
) -> tuple[Tensor, dict[str, Any] | None]:
    """`conv_nd`, and the `ConvNd` op's keyword arguments when `input` went to the op as it is
    (batched, in the weight's dtype): another such call can skip the checks (None when the
    input was reshaped or cast)."""
    n = _check_weight(weight, dims, who)
    _check_bias(bias, weight.shape[0], weight, who)
    _check_groups(groups, weight, 0, who)
    stride_t = as_tuple(stride, n, "stride", who)
    dilation_t = as_tuple(dilation, n, "dilation", who)
    kernel = weight.shape[2:]
    if isinstance(padding, str):
        check_padding_string(padding, stride_t, who)
        pads = same_padding(kernel, dilation_t) if padding == "same" else [(0, 0)] * n
    else:
        pads = [(p, p) for p in as_tuple(padding, n, "padding", who)]
    _check_hyper(stride_t, tuple(p for pair in pads for p in pair), dilation_t, who)
    x = check_conv_input(input, weight.shape[1] * groups, n, weight, who)
    _check_kernel_fits(x.shape, pads, kernel, dilation_t, who)
    unbatched = x.ndim != input.ndim
    kwargs = {"stride": stride_t, "padding": tuple(pads), "dilation": dilation_t, "groups": groups}
    args = (x, weight) if bias is None else (x, weight, bias)
    out = apply(ConvOp, *args, **kwargs)
    if unbatched:
        return out.squeeze(0), None
    return out, (kwargs if x is input else None)


def conv_transpose_nd(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None,
    stride: IntOrTuple,
    padding: IntOrTuple,
    output_padding: IntOrTuple,
    groups: int,
    dilation: IntOrTuple,
    who: object,
    dims: int | None = None,
) -> Tensor:
    """A `dims`-d transposed convolution (None: 1-d, 2-d or 3-d by the weight's rank), checked
    and reported as `who`."""
    n = _check_weight(weight, dims, who)
    _check_groups(groups, weight, 0, who)
    _check_bias(bias, weight.shape[1] * groups, weight, who)
    if isinstance(padding, str):
        raise InvalidArgumentError(f"{who}: padding={padding!r} is not supported, give ints")
    stride_t = as_tuple(stride, n, "stride", who)
    padding_t = as_tuple(padding, n, "padding", who)
    output_padding_t = as_tuple(output_padding, n, "output_padding", who)
    dilation_t = as_tuple(dilation, n, "dilation", who)
    _check_hyper(stride_t, padding_t, dilation_t, who)
    if any(o < 0 or (o >= s and o >= d) for o, s, d in zip(output_padding_t, stride_t, dilation_t)):
        raise InvalidArgumentError(
            f"{who}: output_padding must be non-negative and smaller than either stride or "
            f"dilation, got output_padding={output_padding_t}, stride={stride_t}, "
            f"dilation={dilation_t}"
        )
    x = check_conv_input(input, weight.shape[0], n, weight, who)
    sizes = tuple(
        (size - 1) * s - 2 * p + d * (k - 1) + o + 1
        for size, s, p, d, k, o in zip(
            x.shape[2:], stride_t, padding_t, dilation_t, weight.shape[2:], output_padding_t
        )
    )
    if any(size <= 0 for size in sizes):
        raise ShapeError(
            f"{who}: input of shape {input.shape} gives an empty output of size {sizes}; "
            "use less padding or a larger input"
        )
    args = (x, weight) if bias is None else (x, weight, bias)
    out = apply(
        ConvTransposeOp,
        *args,
        stride=stride_t,
        padding=padding_t,
        output_padding=output_padding_t,
        dilation=dilation_t,
        groups=groups,
    )
    return out.squeeze(0) if x.ndim != input.ndim else out


def conv1d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrTuple = 1,
    padding: PaddingArg = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> Tensor:
    """1-d cross-correlation.

    Args:
        input: `(N, C, L)` or unbatched `(C, L)`.
        weight: `(O, C/groups, k)`.
        bias: `(O,)` or None. Default: None.
        stride: an int or a 1-tuple. Default: 1.
        padding: an int, a 1-tuple, 'valid' or 'same' ('same' with stride 1 only). Default: 0.
        dilation: an int or a 1-tuple. Default: 1.
        groups: the number of blocked connections from input to output channels. Default: 1.

    Returns:
        `(N, O, L_out)`, or `(O, L_out)` for an unbatched input, with
        `L_out = (L + 2p - d(k - 1) - 1) // stride + 1`.
    """
    return conv_nd(input, weight, bias, stride, padding, dilation, groups, "conv1d", 1)


def conv2d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrTuple = 1,
    padding: PaddingArg = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> Tensor:
    """2-d cross-correlation.

    Args:
        input: `(N, C, H, W)` or unbatched `(C, H, W)`.
        weight: `(O, C/groups, kH, kW)`.
        bias: `(O,)` or None. Default: None.
        stride: an int or a pair. Default: 1.
        padding: an int, a pair, 'valid' or 'same' ('same' with stride 1 only). Default: 0.
        dilation: an int or a pair. Default: 1.
        groups: the number of blocked connections from input to output channels. Default: 1.

    Returns:
        `(N, O, H_out, W_out)`, or `(O, H_out, W_out)` for an unbatched input, with
        `H_out = (H + 2p - d(kH - 1) - 1) // stride + 1`, likewise W.
    """
    return conv_nd(input, weight, bias, stride, padding, dilation, groups, "conv2d", 2)


def conv_transpose2d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
) -> Tensor:
    """2-d transposed convolution (the gradient of `conv2d` with respect to its input).

    Args:
        input: `(N, C, H, W)` or unbatched `(C, H, W)`.
        weight: `(C, O/groups, kH, kW)`.
        bias: `(O,)` or None. Default: None.
        stride: an int or a pair. Default: 1.
        padding: an int or a pair (no 'valid' or 'same'). Default: 0.
        output_padding: extra rows/columns on one side of the output, smaller than `stride`
            or `dilation`. Default: 0.
        groups: the number of blocked connections from input to output channels. Default: 1.
        dilation: an int or a pair. Default: 1.

    Returns:
        `(N, O, H_out, W_out)`, or `(O, H_out, W_out)` for an unbatched input, with
        `H_out = (H - 1) * stride - 2p + d(kH - 1) + output_padding + 1`, likewise W.
    """
    who = "conv_transpose2d"
    return conv_transpose_nd(
        input, weight, bias, stride, padding, output_padding, groups, dilation, who, 2
    )


def conv_transpose1d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
) -> Tensor:
    """1-d transposed convolution (the gradient of `conv1d` with respect to its input).

    Args:
        input: `(N, C, L)` or unbatched `(C, L)`.
        weight: `(C, O/groups, k)`.
        bias: `(O,)` or None. Default: None.
        stride: an int or a 1-tuple. Default: 1.
        padding: an int or a 1-tuple (no 'valid' or 'same'). Default: 0.
        output_padding: extra size on one side of the output, smaller than `stride` or
            `dilation`. Default: 0.
        groups: the number of blocked connections from input to output channels. Default: 1.
        dilation: an int or a 1-tuple. Default: 1.

    Returns:
        `(N, O, L_out)`, or `(O, L_out)` for an unbatched input, with
        `L_out = (L - 1) * stride - 2p + d(k - 1) + output_padding + 1`.
    """
    who = "conv_transpose1d"
    return conv_transpose_nd(
        input, weight, bias, stride, padding, output_padding, groups, dilation, who, 1
    )


def conv3d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrTuple = 1,
    padding: PaddingArg = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> Tensor:
    """3-d cross-correlation.

    Args:
        input: `(N, C, D, H, W)` or unbatched `(C, D, H, W)`.
        weight: `(O, C/groups, kD, kH, kW)`.
        bias: `(O,)` or None.
        stride: an int or a triple.
        padding: an int, a triple, 'valid' or 'same' (stride 1 only).
        dilation: an int or a triple.
        groups: the number of blocked connections from input to output channels.

    Shape:
        Output `(N, O, D_out, H_out, W_out)` with
        `D_out = (D + 2p - d(kD - 1) - 1) // stride + 1`, likewise for H and W.
    """
    return conv_nd(input, weight, bias, stride, padding, dilation, groups, "conv3d", 3)


def conv_transpose3d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
) -> Tensor:
    """3-d transposed convolution (the gradient of `conv3d` with respect to its input).

    Args:
        input: `(N, C, D, H, W)` or unbatched `(C, D, H, W)`.
        weight: `(C, O/groups, kD, kH, kW)`.
        bias: `(O,)` or None.
        stride: an int or a triple.
        padding: an int or a triple: `dilation * (k - 1) - padding` zeros on each side.
        output_padding: extra size on one side of each axis (below stride or dilation).
        groups: the number of blocked connections from input to output channels.
        dilation: an int or a triple.

    Shape:
        Output `(N, O, D_out, H_out, W_out)` with
        `D_out = (D - 1) * stride - 2p + d(kD - 1) + output_padding + 1`, likewise for H, W.
    """
    who = "conv_transpose3d"
    return conv_transpose_nd(
        input, weight, bias, stride, padding, output_padding, groups, dilation, who, 3
    )
