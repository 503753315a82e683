"""`Embedding`: a lookup table of `num_embeddings` learnable vectors of size `embedding_dim`."""

from __future__ import annotations

from typing import Any

from retrograd.autograd.grad_mode import no_grad
from retrograd.backend.device import check_device
from retrograd.backend.dtypes import default_float_dtype, to_numpy_dtype
from retrograd.creation import empty
from retrograd.errors import ShapeError
from retrograd.nn import init
from retrograd.nn.functional._utils import check_size
from retrograd.nn.functional.sparse import (
    check_padding_idx,
    check_unsupported,
    embedding_indices,
    lookup,
)
from retrograd.nn.module import Module
from retrograd.nn.parameter import Parameter
from retrograd.tensor import Tensor

__all__ = [
    "Embedding",
]


class Embedding(Module):
    """Rows of `weight` picked by integer indices.

    A lookup table of `num_embeddings` learnable vectors of size `embedding_dim`.

    Args:
        num_embeddings: the size of the table (indices run from 0 to `num_embeddings - 1`).
        embedding_dim: the size of each vector.
        padding_idx: a row that starts at zero and gets no gradient (a negative value counts
            from the end). Default: None.
        max_norm: only None (renormalising rows is not supported). Default: None.
        norm_type: the p of the norm for `max_norm`; kept for PyTorch compatibility. Default: 2.0.
        scale_grad_by_freq: only False. Default: False.
        sparse: only False (gradients are dense). Default: False.
        device: where the parameters go ("cpu", or "cuda" with a GPU). Default: None, the
            default device.
        dtype: the dtype of `weight`. Default: None, the default float dtype.
        generator: the NumPy Generator that draws the N(0, 1) initial values. Default: None, the
            seeded global one.

    Shape:
        - Input: `(*)`, integer indices of any shape.
        - Output: `(*, H)`, with `H = embedding_dim`.

    Attributes:
        weight: the learnable table, shape `(num_embeddings, embedding_dim)`, drawn from N(0, 1).

    Example:
        >>> m = nn.Embedding(10, 3)
        >>> m(retrograd.tensor([[0, 2], [4, 9]])).shape
        (2, 2, 3)
    """

    num_embeddings: int
    embedding_dim: int
    padding_idx: int | None
    max_norm: float | None
    norm_type: float
    scale_grad_by_freq: bool
    sparse: bool
    weight: Parameter

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Tensor | None = None,
        _freeze: bool = False,
        device: Any = None,
        dtype: Any = None,
        generator: Any = None,
    ) -> None:
        check_device(device, "Embedding")
        super().__init__()
        num_embeddings = check_size(num_embeddings, "num_embeddings", "Embedding")
        embedding_dim = check_size(embedding_dim, "embedding_dim", "Embedding")
        who = f"Embedding({num_embeddings}, {embedding_dim})"
        check_unsupported(max_norm, scale_grad_by_freq, sparse, who)
        self.num_embeddings = int(num_embeddings)
        self.embedding_dim = int(embedding_dim)
        self.padding_idx = check_padding_idx(padding_idx, num_embeddings, who)
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            dtype = default_float_dtype() if dtype is None else to_numpy_dtype(dtype)
            self.weight = Parameter(empty(num_embeddings, embedding_dim, dtype=dtype))
            self.reset_parameters(generator)
            self.weight.requires_grad_(not _freeze)
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ShapeError(
                    f"{who}: _weight has shape {tuple(_weight.shape)}, expected "
                    f"({num_embeddings}, {embedding_dim})"
                )
            self.weight = Parameter(_weight, requires_grad=not _freeze)
        if device is not None:
            self.to(device)

    def reset_parameters(self, generator: Any = None) -> None:
        """weight ~ N(0, 1), the padding row (if any) zero, as in PyTorch."""
        init.normal_(self.weight, generator=generator)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0.0

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """The rows of `weight` at the indices `input`.

        Shape:
            - Input: `(*)`, integer indices in `[0, num_embeddings)`.
            - Output: `(*, embedding_dim)`.
        """
        indices = embedding_indices(input, self.num_embeddings, self)
        return lookup(self.weight, indices, self.padding_idx)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse:
            text += ", sparse=True"
        return text

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An Embedding whose weight is `embeddings: (num_embeddings, embedding_dim)` (memory
        shared); `freeze` (default True) turns its gradient off. The padding row keeps its
        values (it is not zeroed) but gets no gradient."""
        if not isinstance(embeddings, Tensor):
            embeddings = Tensor(embeddings)
        if embeddings.ndim != 2:
            raise ShapeError(
                "Embedding.from_pretrained expects a 2-d tensor (num_embeddings, embedding_dim), "
                f"got shape {embeddings.shape}"
            )
        rows, cols = embeddings.shape
        return cls(
            rows,
            cols,
            padding_idx=padding_idx,
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            sparse=sparse,
            _weight=embeddings,
            _freeze=freeze,
        )
