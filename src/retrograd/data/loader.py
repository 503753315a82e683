"""`DataLoader`: batches from a map-style data set, shuffled by a seeded generator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from retrograd.data.collate import default_collate
from retrograd.data.dataset import Dataset, Subset, TensorDataset
from retrograd.errors import ArgumentTypeError, InvalidArgumentError
from retrograd.random import resolve_generator
from retrograd.tensor import Tensor


def _fetch_stacked(dataset: Dataset, indices: np.ndarray) -> tuple[Tensor, ...] | None:
    """The batch at `indices` by one fancy index per tensor, or None if `dataset` can't do it."""
    if isinstance(dataset, TensorDataset):
        return dataset.batch(indices)
    if isinstance(dataset, Subset):
        inner = np.asarray(dataset.indices, dtype=np.int64)[indices]
        return _fetch_stacked(dataset.dataset, inner)
    return None


class DataLoader:
    """Iterate over `dataset` in batches (like `torch.utils.data.DataLoader`, single process).

    **Arguments:** `batch_size` (positive int); `shuffle` (a fresh order each epoch, drawn from
    `generator`, default retrograd's global one, when iteration starts: after
    `retrograd.manual_seed(s)` two runs see the same orders; a checkpoint keeps an own
    `generator` with `save_checkpoint(..., generators={"loader": generator})`); `drop_last`
    (skip a last, smaller batch); `collate_fn` (list of samples -> batch; default
    `default_collate`).
    **Yields:** batches; for a `TensorDataset` (or a `Subset` of one) with the default collate,
    a tuple of `Tensor`s `(B, ...)` cut with one fancy index each instead of sample by sample.
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        generator: np.random.Generator | None = None,
        collate_fn: Callable[[list[Any]], Any] | None = None,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise ArgumentTypeError(
                f"DataLoader: batch_size must be an int, got {type(batch_size).__name__}"
            )
        if batch_size <= 0:
            raise InvalidArgumentError(f"DataLoader: batch_size must be positive, got {batch_size}")
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise ArgumentTypeError(
                f"DataLoader: generator must be a numpy.random.Generator or None, "
                f"got {type(generator).__name__}"
            )
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = generator
        self.collate_fn = collate_fn

    def __len__(self) -> int:
        """Number of batches per epoch."""
        n = len(self.dataset)
        if self.drop_last:
            return n // self.batch_size
        return -(-n // self.batch_size)

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if self.shuffle:
            return resolve_generator(self.generator).permutation(n)
        return np.arange(n)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        stop = len(self) * self.batch_size if self.drop_last else len(order)
        for start in range(0, stop, self.batch_size):
            indices = order[start : start + self.batch_size]
            if self.collate_fn is None:
                stacked = _fetch_stacked(self.dataset, indices)
                if stacked is not None:
                    yield stacked
                    continue
            samples = [self.dataset[int(i)] for i in indices]
            yield (self.collate_fn or default_collate)(samples)
