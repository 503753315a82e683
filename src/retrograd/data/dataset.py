"""Data sets: the abstract `Dataset`, `TensorDataset`, `Subset`, `ConcatDataset`, `random_split`,
and the stream-style `IterableDataset` and `ChainDataset` (as `torch.utils.data`)."""

from __future__ import annotations

import bisect
import itertools
import math
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from retrograd.errors import ArgumentTypeError, IndexRangeError, InvalidArgumentError, ShapeError
from retrograd.random import resolve_generator
from retrograd.tensor import Tensor


class Dataset(ABC):
    """A map-style data set: `len(ds)` samples, `ds[i]` is sample `i` (like `torch.utils.data`)."""

    @abstractmethod
    def __getitem__(self, index: Any) -> Any: ...

    @abstractmethod
    def __len__(self) -> int: ...

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: subclasses define `__iter__` (like `torch.utils.data.IterableDataset`).

    A `DataLoader` batches the samples in the order the stream gives them; it takes no
    `shuffle` or `sampler`. `len()` works only where a subclass defines `__len__`.
    """

    @abstractmethod
    def __iter__(self) -> Iterator[Any]: ...

    def __getitem__(self, index: Any) -> Any:
        raise ArgumentTypeError(f"{type(self).__name__} is an IterableDataset: iterate it")

    def __len__(self) -> int:
        raise ArgumentTypeError(f"object of type '{type(self).__name__}' has no len()")

    def __add__(self, other: Dataset) -> ChainDataset:  # type: ignore[override]
        return ChainDataset([self, other])  # type: ignore[list-item]


class ChainDataset(IterableDataset):
    """The samples of several `IterableDataset`s, one stream after the other."""

    def __init__(self, datasets: Iterable[IterableDataset]) -> None:
        self.datasets = list(datasets)

    def __iter__(self) -> Iterator[Any]:
        for dataset in self.datasets:
            yield from dataset

    def __len__(self) -> int:
        return sum(len(dataset) for dataset in self.datasets)


class ConcatDataset(Dataset):
    """The samples of several map-style data sets, one after the other: `ds[i]` looks up which
    data set holds sample `i` (negative indices count from the end)."""

    datasets: list[Dataset]
    cumulative_sizes: list[int]

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise InvalidArgumentError("ConcatDataset: datasets should not be an empty iterable")
        for k, dataset in enumerate(self.datasets):
            if isinstance(dataset, IterableDataset):
                raise ArgumentTypeError(
                    f"ConcatDataset does not support IterableDataset (data set {k})"
                )
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: Any) -> Any:
        n = len(self)
        if not -n <= index < n:
            raise IndexRangeError(f"ConcatDataset: index {index} is out of range for {n} samples")
        if index < 0:
            index += n
        k = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[k - 1] if k > 0 else 0
        return self.datasets[k][index - start]


class TensorDataset(Dataset):
    """Samples are slices of equally long tensors along their first dimension.

    `ds[i]` returns a tuple with one `Tensor` per input, `tensors[k][i]` (detached).

    Args:
        *tensors: each a `Tensor` or array-like with shape `(N, ...)` (arrays keep their dtype;
            nested lists follow `Tensor`'s rules).
    """

    tensors: tuple[Tensor, ...]

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise InvalidArgumentError("TensorDataset needs at least one tensor")
        items = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
        for k, t in enumerate(items):
            if t.ndim == 0:
                raise ShapeError(f"TensorDataset: tensor {k} is 0-d; each needs a first dimension")
        sizes = [t.shape[0] for t in items]
        if len(set(sizes)) > 1:
            listed = ", ".join(f"{size} (tensor {k})" for k, size in enumerate(sizes))
            raise ShapeError(
                f"TensorDataset: tensors must have the same size in the first dimension, "
                f"got {listed}"
            )
        self.tensors = items

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(Tensor(t.array[index]) for t in self.tensors)

    def __len__(self) -> int:
        return int(self.tensors[0].shape[0])

    def batch(self, indices: np.ndarray) -> tuple[Tensor, ...]:
        """The samples at `indices` already stacked: one fancy index per tensor, no Python loop."""
        return tuple(Tensor(t.array[indices]) for t in self.tensors)


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order."""

    dataset: Dataset
    indices: Sequence[int]

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def _lengths_from_fractions(fractions: Sequence[float], n: int) -> list[int]:
    """torch's rule: floor each share, then hand the remainder out one by one from the start."""
    lengths = []
    for i, frac in enumerate(fractions):
        if not 0 <= frac <= 1:
            raise InvalidArgumentError(
                f"random_split: fraction at index {i} is not between 0 and 1: {frac}"
            )
        lengths.append(int(math.floor(n * frac)))
    for i in range(n - sum(lengths)):
        lengths[i % len(lengths)] += 1
    for i, length in enumerate(lengths):
        if length == 0:
            warnings.warn(
                f"random_split: length of split at index {i} is 0; it will be empty", stacklevel=3
            )
    return lengths


def random_split(
    dataset: Dataset,
    lengths: Sequence[int | float],
    generator: np.random.Generator | None = None,
) -> list[Subset]:
    """Split `dataset` into non-overlapping random `Subset`s of the given lengths.

    Args:
        dataset: the data set to split.
        lengths: ints summing to `len(dataset)` or fractions summing to 1 (like
            `torch.utils.data.random_split`).
        generator: a NumPy `Generator`. Default: None, retrograd's.
    """
    n = len(dataset)
    total = sum(lengths)
    if math.isclose(total, 1) and total <= 1:
        sizes = _lengths_from_fractions([float(f) for f in lengths], n)
    else:
        sizes = []
        for i, length in enumerate(lengths):
            if not float(length).is_integer() or length < 0:
                raise InvalidArgumentError(
                    f"random_split: lengths must be non-negative ints or fractions summing to 1, "
                    f"got {length!r} at index {i}"
                )
            sizes.append(int(length))
    if sum(sizes) != n:
        raise InvalidArgumentError(
            f"random_split: lengths {list(lengths)} sum to {sum(sizes)}, "
            f"but the dataset has {n} samples"
        )
    order = resolve_generator(generator).permutation(n).tolist()
    return [
        Subset(dataset, order[end - size : end])
        for end, size in zip(itertools.accumulate(sizes), sizes)
    ]
