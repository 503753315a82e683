"""`torch.backends` for portable scripts: `mps.is_available()`, `cuda.is_built()` and the
`cudnn` switches exist and report no such backend; setting the switches changes nothing."""

from retrograd.backends import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
