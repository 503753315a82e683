"""Normalisation layers: `BatchNorm1d/2d/3d`, `InstanceNorm1d/2d/3d`, `LayerNorm`, `GroupNorm`,
`RMSNorm`.
The arithmetic is in `retrograd.nn.functional.normalization`; the layers hold the parameters and
running statistics under PyTorch's state-dict keys."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.backend.device import check_device
from retrograd.backend.dtypes import default_float_dtype, to_numpy_dtype
from retrograd.creation import empty, ones, zeros
from retrograd.errors import InvalidArgumentError, ShapeError, UnsupportedError
from retrograd.nn import init
from retrograd.nn.functional._utils import check_size
from retrograd.nn.functional.normalization import (
    ShapeLike,
    batch_norm,
    check_batch_size,
    check_groups,
    check_norm_input,
    check_params,
    check_trailing_shape,
    group_norm,
    instance_norm,
    layer_norm,
    rms_norm,
    to_shape_tuple,
)
from retrograd.nn.module import Module
from retrograd.nn.parameter import Parameter
from retrograd.tensor import Tensor

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "GroupNorm",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "InstanceNorm3d",
    "LayerNorm",
    "RMSNorm",
]


def _float_dtype(dtype: Any) -> np.dtype:
    return default_float_dtype() if dtype is None else to_numpy_dtype(dtype)


def _add_affine_parameters(
    module: Module, shape: tuple[int, ...], affine: bool, bias: bool, dtype: np.dtype
) -> None:
    """Register `weight` and `bias` of `shape` on `module` (uninitialised), or None for each
    that `affine` / `bias` turn off."""
    if affine:
        module.weight = Parameter(empty(shape, dtype=dtype))
        if bias:
            module.bias = Parameter(empty(shape, dtype=dtype))
        else:
            module.register_parameter("bias", None)
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


def _reset_affine_parameters(weight: Parameter | None, bias: Parameter | None) -> None:
    """weight = 1, bias = 0 (either may be None)."""
    if weight is not None:
        init.ones_(weight)
    if bias is not None:
        init.zeros_(bias)


def _check_channels(input: Tensor, channels: int, module: Module) -> None:  # noqa: A002
    if input.shape[1] != channels:
        raise ShapeError(
            f"{module} expects {channels} channels in dim 1, got input of shape {input.shape}"
        )


class _ChannelNorm(Module):
    """Shared by batch and instance norm: the per-channel settings and parameters, the repr."""

    num_features: int
    eps: float
    momentum: float | None
    affine: bool
    track_running_stats: bool
    weight: Parameter | None
    bias: Parameter | None

    def _set_channels(
        self,
        num_features: int,
        eps: float,
        momentum: float | None,
        affine: bool,
        track_running_stats: bool,
        bias: bool,
        dtype: Any,
    ) -> np.dtype:
        """Check and set the settings, add the (uninitialised) affine parameters; the dtype."""
        self.num_features = check_size(num_features, "num_features", type(self).__name__)
        track_running_stats = self._tracking(track_running_stats)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        dtype = _float_dtype(dtype)
        _add_affine_parameters(self, (self.num_features,), affine, bias, dtype)
        return dtype

    def _tracking(self, track_running_stats: bool) -> bool:
        """`track_running_stats` as kept (checked first, where a layer cannot keep stats)."""
        return track_running_stats

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class _BatchNorm(_ChannelNorm):
    """Shared body of BatchNorm1d/2d; subclasses name the input ranks they accept."""

    running_mean: Tensor | None
    running_var: Tensor | None
    num_batches_tracked: Tensor | None

    _ranks: tuple[int, ...] = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        check_device(device, "BatchNorm")
        super().__init__()
        dtype = self._set_channels(
            num_features, eps, momentum, affine, track_running_stats, bias, dtype
        )
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def reset_running_stats(self) -> None:
        """running_mean = 0, running_var = 1, num_batches_tracked = 0."""
        if self.running_mean is not None:
            self.running_mean.zero_()
        if self.running_var is not None:
            self.running_var.fill_(1)
        if self.num_batches_tracked is not None:
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running stats; weight = 1, bias = 0."""
        self.reset_running_stats()
        _reset_affine_parameters(self.weight, self.bias)

    def _check_input(self, input: Tensor) -> None:  # noqa: A002
        check_norm_input(input, self)
        if input.ndim not in self._ranks:
            ranks = " or ".join(f"{r}D" for r in self._ranks)
            raise ShapeError(
                f"{self} expected {ranks} input (got {input.ndim}D input of shape {input.shape})"
            )
        _check_channels(input, self.num_features, self)
        check_params(input, self, (self.num_features,), weight=self.weight, bias=self.bias)
        if self.training:
            check_batch_size(input.shape, self)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Normalise each channel of `input` by batch (training) or running statistics."""
        self._check_input(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # a cumulative (equal-weight) average of all batches
                factor = 1.0 / float(self.num_batches_tracked.item())
        # batch statistics in training, and in eval when no running stats are kept
        use_batch_stats = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return batch_norm(
            input,
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of each feature over the batch (and length).

    Args:
        num_features: C, the channels of the input.
        eps: added to the variance for stability. Default: 1e-5.
        momentum: of the running statistics; None for a cumulative average. Default: 0.1.
        affine: learnable per-channel weight and bias. Default: True.
        track_running_stats: keep running mean and variance for eval. Default: True.
        device: where the parameters go ("cpu", or "cuda" with a GPU). Default: None, the
            default device.
        dtype: of the parameters and running statistics. Default: the default float dtype.
        bias: with `affine`, whether to learn the bias (keyword-only). Default: True.

    Shape:
        - Input: `(N, C)` or `(N, C, L)`.
        - Output: the same shape.
    """

    _ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of each channel over the batch and the spatial dims.

    Args:
        num_features: C, the channels of the input.
        eps: added to the variance for stability. Default: 1e-5.
        momentum: of the running statistics; None for a cumulative average. Default: 0.1.
        affine: learnable per-channel weight and bias. Default: True.
        track_running_stats: keep running mean and variance for eval. Default: True.
        device: where the parameters go ("cpu", or "cuda" with a GPU). Default: None, the
            default device.
        dtype: of the parameters and running statistics. Default: the default float dtype.
        bias: with `affine`, whether to learn the bias (keyword-only). Default: True.

    Shape:
        - Input: `(N, C, H, W)`.
        - Output: `(N, C, H, W)`.
    """

    _ranks = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of each channel over the batch and the three spatial dims.

    Args:
        num_features: C, the channels of the input.
        eps: added to the variance for stability (1e-5).
        momentum: of the running statistics (0.1; None for a cumulative average).
        affine: learnable per-channel weight and bias (True).
        track_running_stats: keep running mean and variance for eval (True).
        device: where the parameters go ("cpu", or "cuda" with a GPU). Default: None, the
            default device.
        dtype: of the parameters and buffers.
        bias: with `affine`, whether to learn the bias.

    Shape:
        - Input: `(N, C, D, H, W)`.
        - Output: the same shape.

    Example:
        >>> m = nn.BatchNorm3d(3)
        >>> m(retrograd.randn(2, 3, 4, 4, 4)).shape
        (2, 3, 4, 4, 4)
    """

    _ranks = (5,)


class LayerNorm(Module):
    """Normalise each sample over its last dims, then scale and shift elementwise.

    Args:
        normalized_shape: an int or the trailing shape.
        eps: added to the variance for stability. Default: 1e-5.
        elementwise_affine: learnable weight and bias of shape `normalized_shape`.
            Default: True.
        bias: with `elementwise_affine`, whether to learn the bias. Default: True.
        device: where the parameters go ("cpu", or "cuda" with a GPU). Default: None, the
            default device.
        dtype: of the parameters. Default: the default float dtype.

    Shape:
        - Input: `(*, *normalized_shape)`.
        - Output: the same shape.
    """

    normalized_shape: tuple[int, ...]
    eps: float
    elementwise_affine: bool
    weight: Parameter | None
    bias: Parameter | None

    def __init__(
        self,
        normalized_shape: ShapeLike,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        check_device(device, "LayerNorm")
        super().__init__()
        sizes = (
            normalized_shape if isinstance(normalized_shape, (tuple, list)) else (normalized_shape,)
        )
        for size in sizes:
            check_size(size, "normalized_shape", type(self).__name__)
        self.normalized_shape = to_shape_tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _add_affine_parameters(
            self, self.normalized_shape, elementwise_affine, bias, _float_dtype(dtype)
        )
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        """weight = 1, bias = 0."""
        _reset_affine_parameters(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Normalise `input` over its trailing `normalized_shape` dims, then scale and shift."""
        check_norm_input(input, self)
        check_trailing_shape(input, self.normalized_shape, self)
        check_params(input, self, self.normalized_shape, weight=self.weight, bias=self.bias)
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )


class GroupNorm(Module):
    """Normalise each group of channels of each sample, then scale and shift per channel.

    Args:
        num_groups: the number of groups; divides `num_channels`.
        num_channels: C, the channels of the input.
        eps: added to the variance for stability. Default: 1e-5.
        affine: learnable weight and bias of shape `(C,)`. Default: True.
        device: where the parameters go ("cpu", or "cuda" with a GPU). Default: None, the
            default device.
        dtype: of the parameters. Default: the default float dtype.
        bias: with `affine`, whether to learn the bias (keyword-only). Default: True.

    Shape:
        - Input: `(N, C, *)`.
        - Output: the same shape.

    Raises:
        InvalidArgumentError: when `num_groups` does not divide `num_channels`.
    """

    num_groups: int
    num_channels: int
    eps: float
    affine: bool
    weight: Parameter | None
    bias: Parameter | None

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        check_device(device, "GroupNorm")
        super().__init__()
        num_groups = check_size(num_groups, "num_groups", "GroupNorm", minimum=1)
        num_channels = check_size(num_channels, "num_channels", "GroupNorm")
        if num_channels % num_groups != 0:
            raise InvalidArgumentError(
                f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                f"num_groups ({num_groups})"
            )
        self.num_groups = int(num_groups)
        self.num_channels = int(num_channels)
        self.eps = eps
        self.affine = affine
        _add_affine_parameters(self, (num_channels,), affine, bias, _float_dtype(dtype))
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        """weight = 1, bias = 0."""
        _reset_affine_parameters(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Normalise each group of channels of each sample of `input`, then scale and shift."""
        check_norm_input(input, self, min_dims=2)
        _check_channels(input, self.num_channels, self)
        check_groups(input, self.num_groups, self)
        check_params(input, self, (self.num_channels,), weight=self.weight, bias=self.bias)
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )


class _InstanceNorm(_ChannelNorm):
    """Normalise each channel of each sample over its other dims, then (with `affine`) scale
    and shift per channel, as PyTorch's InstanceNorm.

    Args:
        num_features: C, the channels of the input.
        eps: added to the variance for stability. Default: 1e-5.
        momentum: kept for PyTorch's signature; unused. Default: 0.1.
        affine: learnable per-channel weight and bias. Default: False.
        track_running_stats: only False: running statistics are not supported.
            Default: False.
        device: only the CPU (None, 'cpu' or `device('cpu')`). Default: None.
        dtype: of the parameters. Default: the default float dtype.
        bias: with `affine`, whether to learn the bias (keyword-only). Default: True.

    Shape:
        - Input: `(N, C, *)` or unbatched `(C, *)`.
        - Output: the same shape.

    Raises:
        UnsupportedError: for `track_running_stats=True`.
        InvalidArgumentError: for a device other than the CPU.
    """

    _spatial_dims: int = 1

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        check_device(device, type(self).__name__)
        self._set_channels(num_features, eps, momentum, affine, track_running_stats, bias, dtype)
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        """weight = 1, bias = 0 (when `affine`)."""
        _reset_affine_parameters(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Normalise each channel of each sample of `input` over its other dims."""
        batched = input.ndim == self._spatial_dims + 2
        if not batched and input.ndim != self._spatial_dims + 1:
            dims = {1: "L", 2: "H, W", 3: "D, H, W"}[self._spatial_dims]
            raise ShapeError(
                f"{type(self).__name__} expects (N, C, {dims}) or unbatched (C, {dims}) input, "
                f"got shape {input.shape}"
            )
        x = input if batched else input.unsqueeze(0)
        _check_channels(x, self.num_features, self)
        out = instance_norm(x, weight=self.weight, bias=self.bias, eps=self.eps)
        return out if batched else out.squeeze(0)

    def _tracking(self, track_running_stats: bool) -> bool:
        if track_running_stats:
            raise UnsupportedError(
                f"{type(self).__name__}(track_running_stats=True) is not supported: running "
                "statistics of instance norm are not implemented; use the default "
                "track_running_stats=False"
            )
        return False


class InstanceNorm1d(_InstanceNorm):
    """Instance norm over `(N, C, L)`: each channel of each sample normalised over L."""

    _spatial_dims = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance norm over `(N, C, H, W)`: each channel of each sample normalised over H, W."""

    _spatial_dims = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance norm over `(N, C, D, H, W)`: each channel of each sample normalised over D, H, W.

    Args:
        num_features: C, the channels of the input.
        eps: added to the variance for stability (1e-5).
        momentum: kept for PyTorch's signature.
        affine: learnable per-channel weight and bias (False).
        track_running_stats: only False (running statistics are not supported).
        device: the CPU.
        dtype: of the parameters.
        bias: with `affine`, whether to learn the bias.

    Shape:
        - Input: `(N, C, D, H, W)` or unbatched `(C, D, H, W)`.
        - Output: the same shape.

    Example:
        >>> m = nn.InstanceNorm3d(3, affine=True)
        >>> m(retrograd.randn(2, 3, 4, 4, 4)).shape
        (2, 3, 4, 4, 4)
    """

    _spatial_dims = 3


class RMSNorm(Module):
    """Divide each sample by the root mean square over its last dims, then scale elementwise.

    Args:
        normalized_shape: an int or the trailing shape.
        eps: added to the mean square; None means the machine epsilon of the input's dtype.
            Default: None.
        elementwise_affine: a learnable weight of shape `normalized_shape`. Default: True.
        device: where the parameters go ("cpu", or "cuda" with a GPU). Default: None, the
            default device.
        dtype: of the weight. Default: the default float dtype.

    Shape:
        - Input: `(*, *normalized_shape)`.
        - Output: the same shape.
    """

    normalized_shape: tuple[int, ...]
    eps: float | None
    elementwise_affine: bool
    weight: Parameter | None

    def __init__(
        self,
        normalized_shape: ShapeLike,
        eps: float | None = None,
        elementwise_affine: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        check_device(device, "RMSNorm")
        super().__init__()
        self.normalized_shape = to_shape_tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(empty(self.normalized_shape, dtype=_float_dtype(dtype)))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        """weight = 1."""
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Divide `input` by its root mean square over the trailing dims, then scale."""
        check_norm_input(input, self)
        check_trailing_shape(input, self.normalized_shape, self)
        check_params(input, self, self.normalized_shape, weight=self.weight)
        return rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )
