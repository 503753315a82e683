"""PyTorch's `torch.utils` import paths: `retrograd.utils.data` is `torch.utils.data`."""

from retrograd.utils import data

__all__ = ["data"]
