"""`Upsample`, `UpsamplingNearest2d` and `UpsamplingBilinear2d`: layers around `interpolate`."""

from __future__ import annotations

from collections.abc import Sequence

from retrograd.nn.functional.upsampling import _interpolate, check_mode
from retrograd.nn.module import Module
from retrograd.tensor import Tensor

__all__ = [
    "Upsample",
    "UpsamplingBilinear2d",
    "UpsamplingNearest2d",
]


class Upsample(Module):
    """Resize the spatial axes to `size`, or by `scale_factor` (see `F.interpolate`).

    Give exactly one of `size` and `scale_factor`.

    Args:
        size: the output's spatial size, an int or a tuple. Default: None.
        scale_factor: a float or a tuple, per spatial axis. Default: None.
        mode: 'nearest', 'nearest-exact', 'linear' (1 spatial axis), 'bilinear' (2),
            'bicubic' (2), 'trilinear' (3) or 'area'. Default: 'nearest'.
        align_corners: for the interpolating modes ('linear', 'bilinear', 'bicubic',
            'trilinear') only. Default: None (False).
        recompute_scale_factor: compute the kernel's scale from the output size instead of
            using `scale_factor`. Default: None.

    Shape:
        - Input: `(N, C, *spatial)` with 1-3 spatial axes.
        - Output: `(N, C, *out)`, out = size or floor(spatial * scale_factor).

    Raises:
        InvalidArgumentError: for an unsupported `mode`, or `align_corners` given with a mode
            that does not interpolate.
    """

    size: int | tuple[int, ...] | None
    scale_factor: float | tuple[float, ...] | None
    mode: str
    align_corners: bool | None
    recompute_scale_factor: bool | None

    def __init__(
        self,
        size: int | Sequence[int] | None = None,
        scale_factor: float | Sequence[float] | None = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        self.size = tuple(size) if isinstance(size, (list, tuple)) else size  # type: ignore[assignment]
        if isinstance(scale_factor, (list, tuple)):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:  # PyTorch keeps a factor as a float, and a factor of 0 as None
            self.scale_factor = float(scale_factor) if scale_factor else None  # type: ignore[arg-type]
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor
        check_mode(mode, align_corners, type(self).__name__)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """`input` resized as `F.interpolate` does with the layer's settings."""
        return _interpolate(
            input,
            self,
            self.size,
            self.scale_factor,
            self.mode,
            self.align_corners,
            self.recompute_scale_factor,
        )

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return f"{info}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """`Upsample(size, scale_factor, mode='nearest')` for `(N, C, H, W)` inputs."""

    def __init__(
        self,
        size: int | Sequence[int] | None = None,
        scale_factor: float | Sequence[float] | None = None,
    ) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """`Upsample(size, scale_factor, mode='bilinear', align_corners=True)` for `(N, C, H, W)`
    inputs."""

    def __init__(
        self,
        size: int | Sequence[int] | None = None,
        scale_factor: float | Sequence[float] | None = None,
    ) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
