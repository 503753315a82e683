"""`torch.nn.modules.distance`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn import (
    CosineSimilarity,
    PairwiseDistance,
)

__all__ = [
    "CosineSimilarity",
    "PairwiseDistance",
]
