"""Samplers: the order in which a `DataLoader` visits a data set's indices (as `torch.utils.data`).

The built-in random samplers draw from `generator` (a NumPy `Generator`), or from retrograd's
global generator when it is None, each time an epoch starts: after `retrograd.manual_seed(s)`
two runs see the same orders.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any, Generic, TypeVar

import numpy as np

from retrograd.errors import ArgumentTypeError, InvalidArgumentError
from retrograd.random import resolve_generator
from retrograd.tensor import Tensor

T_co = TypeVar("T_co", covariant=True)


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_generator(generator: Any, who: str) -> np.random.Generator | None:
    """`generator` when it is a NumPy `Generator` or None; an `ArgumentTypeError` otherwise."""
    if generator is not None and not isinstance(generator, np.random.Generator):
        raise ArgumentTypeError(
            f"{who}: generator must be a numpy.random.Generator or None, "
            f"got {type(generator).__name__}"
        )
    return generator


class Sampler(Generic[T_co]):
    """Base class of samplers: `iter(sampler)` gives the indices (or keys) of one epoch.

    Subclasses define `__iter__`, and `__len__` when the number of indices is known.
    `data_source` is accepted for old PyTorch code and ignored, as PyTorch does.
    """

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class _ArraySampler(Sampler[int]):
    """A sampler that draws a whole epoch as one integer array (the DataLoader slices it)."""

    def _draw(self) -> np.ndarray:
        raise NotImplementedError

    def __iter__(self) -> Iterator[int]:
        return iter(self._draw().tolist())


def epoch_indices(sampler: Iterable[Any]) -> np.ndarray | None:
    """The next epoch of `sampler` as one array when it can give one without a Python loop.

    Only for the built-in array samplers whose `__iter__` is not overridden; None otherwise.
    """
    if isinstance(sampler, _ArraySampler) and type(sampler).__iter__ is _ArraySampler.__iter__:
        return sampler._draw()
    return None


class SequentialSampler(_ArraySampler):
    """The indices `0, 1, ..., len(data_source) - 1`, in order."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def _draw(self) -> np.ndarray:
        return np.arange(len(self.data_source))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(_ArraySampler):
    """Random indices of `data_source`: a fresh permutation each epoch, or draws with replacement.

    Unlike PyTorch, an empty `data_source` gives an empty epoch instead of an error.

    Args:
        data_source: the data set (anything with a `len`) whose indices are drawn.
        replacement: draw independently with replacement. Default: False: permutations; when
            `num_samples` exceeds the length, whole permutations follow each other and the last
            one is cut.
        num_samples: indices per epoch. Default: `len(data_source)`.
        generator: a NumPy `Generator`. Default: retrograd's global one.
    """

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        if not isinstance(replacement, bool):
            raise ArgumentTypeError(
                f"RandomSampler: replacement should be a boolean value, "
                f"but got replacement={replacement}"
            )
        if num_samples is not None and (not _is_int(num_samples) or num_samples <= 0):
            raise InvalidArgumentError(
                f"RandomSampler: num_samples should be a positive integer value, "
                f"but got num_samples={num_samples}"
            )
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = None if num_samples is None else int(num_samples)
        self.generator = check_generator(generator, "RandomSampler")

    @property
    def num_samples(self) -> int:
        """Indices per epoch: `num_samples` when given, else the length of the data source."""
        if self._num_samples is None:
            return len(self.data_source)
        return self._num_samples

    def _draw(self) -> np.ndarray:
        n = len(self.data_source)
        if n == 0:
            return np.empty(0, dtype=np.int64)
        rng = resolve_generator(self.generator)
        if self.replacement:
            return rng.integers(0, n, size=self.num_samples, dtype=np.int64)
        rounds, rest = divmod(self.num_samples, n)
        if rounds == 1 and rest == 0:
            return rng.permutation(n)  # the common case: one draw, as the DataLoader always did
        parts = [rng.permutation(n) for _ in range(rounds)]
        if rest:
            parts.append(rng.permutation(n)[:rest])
        return np.concatenate(parts)

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given `indices` in a random order, drawn afresh each epoch (without replacement)."""

    def __init__(
        self, indices: Sequence[int], generator: np.random.Generator | None = None
    ) -> None:
        self.indices = indices
        self.generator = check_generator(generator, "SubsetRandomSampler")

    def __iter__(self) -> Iterator[int]:
        order = resolve_generator(self.generator).permutation(len(self.indices))
        for i in order.tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(_ArraySampler):
    """`num_samples` indices in `[0, len(weights))`, `i` drawn with probability ∝ `weights[i]`.

    Args:
        weights: 1-d, non-negative, not all zero; need not sum to 1.
        num_samples: indices per epoch.
        replacement: True: independent draws; False: each index at most once, the zero-weight
            ones only after all others, as `torch.multinomial`. Default: True.
        generator: a NumPy `Generator`. Default: retrograd's global one.
    """

    weights: Tensor

    def __init__(
        self,
        weights: Any,
        num_samples: int,
        replacement: bool = True,
        generator: np.random.Generator | None = None,
    ) -> None:
        who = "WeightedRandomSampler"
        if not _is_int(num_samples) or num_samples <= 0:
            raise InvalidArgumentError(
                f"{who}: num_samples should be a positive integer value, "
                f"but got num_samples={num_samples}"
            )
        if not isinstance(replacement, bool):
            raise InvalidArgumentError(
                f"{who}: replacement should be a boolean value, but got replacement={replacement}"
            )
        array = np.asarray(weights.array if isinstance(weights, Tensor) else weights, np.float64)
        if array.ndim != 1:
            raise InvalidArgumentError(
                f"{who}: weights should be a 1d sequence but given weights have shape "
                f"{tuple(array.shape)}"
            )
        if not np.isfinite(array).all() or (array < 0).any():
            raise InvalidArgumentError(f"{who}: weights must be finite and non-negative")
        nonzero = int(np.count_nonzero(array))
        if nonzero == 0:
            raise InvalidArgumentError(f"{who}: weights are all zero; nothing can be drawn")
        if not replacement and num_samples > len(array):
            raise InvalidArgumentError(
                f"{who}: cannot draw num_samples={num_samples} without replacement "
                f"from {len(array)} weights"
            )
        self.weights = Tensor(array)
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = check_generator(generator, who)

    def _draw(self) -> np.ndarray:
        weights = self.weights.array
        rng = resolve_generator(self.generator)
        p = weights / weights.sum()
        if self.replacement:
            return rng.choice(len(p), size=self.num_samples, replace=True, p=p)
        # as torch.multinomial: the non-zero weights first, then zero-weight indices if needed
        nonzero = int(np.count_nonzero(weights))
        drawn = rng.choice(len(p), size=min(self.num_samples, nonzero), replace=False, p=p)
        if self.num_samples <= nonzero:
            return drawn
        zeros = rng.permutation(np.flatnonzero(weights == 0))[: self.num_samples - nonzero]
        return np.concatenate([drawn, zeros])

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list[int]]):
    """Group the indices of `sampler` into lists of `batch_size` (the last one shorter unless
    `drop_last`)."""

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not _is_int(batch_size) or batch_size <= 0:
            raise InvalidArgumentError(
                f"BatchSampler: batch_size should be a positive integer value, "
                f"but got batch_size={batch_size}"
            )
        if not isinstance(drop_last, bool):
            raise InvalidArgumentError(
                f"BatchSampler: drop_last should be a boolean value, but got drop_last={drop_last}"
            )
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        if self.drop_last:
            return n // self.batch_size
        return -(-n // self.batch_size)
