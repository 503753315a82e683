"""`Upsample`, `UpsamplingNearest2d` and `UpsamplingBilinear2d`: layers around `interpolate`."""

from __future__ import annotations

from collections.abc import Sequence

from retrograd.nn.functional.upsampling import _interpolate, check_mode
from retrograd.nn.module import Module
from retrograd.tensor import Tensor


class Upsample(Module):
    """Resize the spatial axes to `size`, or by `scale_factor` (see `F.interpolate`).

    **Arguments:** exactly one of `size` (int or tuple) and `scale_factor` (float or tuple);
    `mode` 'nearest', 'nearest-exact', 'linear', 'bilinear' or 'trilinear'; `align_corners`
    for the last three. **Shapes:** `(N, C, *spatial)` with 1-3 spatial axes ->
    `(N, C, *out)`, out = size or floor(spatial * scale_factor).
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
