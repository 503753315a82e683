"""`DataLoader`: batches from a data set in a sampler's order (PyTorch's arguments and rules)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from retrograd.data.collate import default_collate, default_convert
from retrograd.data.dataset import IterableDataset, Subset, TensorDataset
from retrograd.data.sampler import (
    BatchSampler,
    RandomSampler,
    SequentialSampler,
    check_generator,
    epoch_indices,
)
from retrograd.errors import ArgumentTypeError, InvalidArgumentError
from retrograd.tensor import Tensor

#: one batch's indices: a slice of a sampler's epoch array, or a list from a batch sampler
Indices = np.ndarray | Sequence[Any]


def _fetch_stacked(dataset: Any, indices: Indices) -> tuple[Tensor, ...] | None:
    """The batch at `indices` by one fancy index per tensor, or None if `dataset` can't do it.

    Only for `TensorDataset` and `Subset` (of one) whose `__getitem__` is not overridden: a
    subclass that changes its samples gets them fetched one by one.
    """
    if type(dataset).__getitem__ is TensorDataset.__getitem__:
        return dataset.batch(np.asarray(indices, dtype=np.int64))
    if type(dataset).__getitem__ is Subset.__getitem__:
        inner = dataset.indices
        if isinstance(inner, np.ndarray):
            picked = inner[np.asarray(indices, dtype=np.int64)]
        else:  # one lookup per sample, not a conversion of the whole index list per batch
            picked = np.array([inner[i] for i in np.asarray(indices).tolist()], dtype=np.int64)
        return _fetch_stacked(dataset.dataset, picked)
    return None


def _python_index(index: Any) -> Any:
    """A sampler's integer index (NumPy or 0-d Tensor, as `yield from randperm(n)` gives) as
    an int; other keys unchanged."""
    if isinstance(index, np.integer):
        return int(index)
    if isinstance(index, Tensor) and index.ndim == 0 and index.array.dtype.kind in "iu":
        return int(index.array)
    return index


def get_worker_info() -> None:
    """Information about the worker process running the caller; always None here.

    retrograd loads every batch in the process that iterates the `DataLoader` (see
    `DataLoader`'s `num_workers`), which is where PyTorch's function returns None too.
    """
    return None


class DataLoader:
    """Iterate over `dataset` in batches (like `torch.utils.data.DataLoader`).

    The arguments are PyTorch's, with its rules for combining them.

    Args:
        dataset: map-style (`len` and `ds[i]`: a `Dataset`, a list...) or an `IterableDataset`.
        batch_size: samples per batch; None yields the samples one by one, unbatched (passed
            through `collate_fn`, default `default_convert`). Default: 1.
        shuffle: a fresh random order each epoch (a `RandomSampler` over `generator`).
        sampler: any iterable of indices (a `Sampler`), e.g. `WeightedRandomSampler` or
            `DistributedSampler`; batches follow its order. Excludes `shuffle`.
        batch_sampler: an iterable of index lists, one per batch. Excludes `batch_size`,
            `shuffle`, `sampler` and `drop_last`.
        num_workers: checked as PyTorch checks it; the batches are loaded in the calling process
            (see below).
        collate_fn: list of samples -> batch. Default: `default_collate`.
        pin_memory: accepted, no effect (no device memory to pin).
        drop_last: skip a last, smaller batch.
        timeout: checked as PyTorch checks it (see `num_workers`).
        worker_init_fn: checked as PyTorch checks it, never called (see `num_workers`).
        multiprocessing_context: checked as PyTorch checks it (see `num_workers`).
        generator: a NumPy `Generator` for `shuffle`; default retrograd's global one, drawn
            from when an epoch starts, so after `retrograd.manual_seed(s)` two runs see the same
            orders. A checkpoint keeps an own generator with
            `save_checkpoint(..., generators={"loader": generator})`.
        prefetch_factor: checked as PyTorch checks it (see `num_workers`).
        persistent_workers: checked as PyTorch checks it (see `num_workers`).
        pin_memory_device: accepted, no effect (no device memory to pin).
        in_order: accepted, no effect (batches always come in order).

    `num_workers`, `prefetch_factor`, `persistent_workers`, `worker_init_fn`, `timeout` and
    `multiprocessing_context` are checked as PyTorch checks them, then the batches are loaded
    in the calling process, so they are the same batches in the same order as with
    `num_workers=0`, and a data set drawing random augmentations from the seeded generator
    stays reproducible. `worker_init_fn` is not called and `get_worker_info()` is None,
    as in PyTorch's main process.

    **Yields:** batches; for a `TensorDataset` (or a `Subset` of one) with the default collate,
    a tuple of `Tensor`s `(B, ...)` cut with one fancy index each instead of sample by sample.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Iterable[Any] | None = None,
        batch_sampler: Iterable[Sequence[Any]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[Any], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: np.random.Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if batch_size is not None:
            if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
                raise ArgumentTypeError(
                    f"DataLoader: batch_size must be an int, got {type(batch_size).__name__} "
                    "(None yields the samples unbatched)"
                )
            if batch_size <= 0:
                raise InvalidArgumentError(
                    f"DataLoader: batch_size must be positive, got {batch_size}"
                )
            batch_size = int(batch_size)
        check_generator(generator, "DataLoader")
        self._check_workers(num_workers, timeout, prefetch_factor, persistent_workers)
        if num_workers == 0 and multiprocessing_context is not None:
            raise InvalidArgumentError(
                "DataLoader: multiprocessing_context can only be used with multi-process "
                f"loading (num_workers > 0), but got num_workers={num_workers}"
            )

        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            for name, value in (
                ("shuffle", shuffle if shuffle else None),
                ("sampler", sampler),
                ("batch_sampler", batch_sampler),
            ):
                if value is not None:
                    raise InvalidArgumentError(
                        f"DataLoader with IterableDataset: expected unspecified {name} option, "
                        f"but got {name}={value}"
                    )
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise InvalidArgumentError(
                "DataLoader: sampler option is mutually exclusive with shuffle"
            )
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise InvalidArgumentError(
                    "DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                    "shuffle, sampler, and drop_last"
                )
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise InvalidArgumentError(
                "DataLoader: batch_size=None option disables auto-batching and is mutually "
                "exclusive with drop_last"
            )
        if sampler is None and not self._iterable:
            sampler = (
                RandomSampler(dataset, generator=generator)
                if shuffle
                else SequentialSampler(dataset)
            )
        if batch_size is not None and batch_sampler is None and sampler is not None:
            batch_sampler = BatchSampler(sampler, batch_size, bool(drop_last))

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = bool(drop_last)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.num_workers = int(num_workers)
        self.prefetch_factor = 2 if num_workers > 0 and prefetch_factor is None else prefetch_factor
        self.persistent_workers = bool(persistent_workers)
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.timeout = timeout
        self.pin_memory = bool(pin_memory)
        self.pin_memory_device = pin_memory_device
        self.in_order = bool(in_order)

    @staticmethod
    def _check_workers(
        num_workers: int, timeout: float, prefetch_factor: int | None, persistent_workers: bool
    ) -> None:
        """PyTorch's checks of the worker options, with its messages."""
        if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)):
            raise ArgumentTypeError(
                f"DataLoader: num_workers must be an int, got {type(num_workers).__name__}"
            )
        if num_workers < 0:
            raise InvalidArgumentError(
                "DataLoader: num_workers option should be non-negative; "
                "use num_workers=0 to disable multiprocessing."
            )
        if timeout < 0:
            raise InvalidArgumentError("DataLoader: timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise InvalidArgumentError(
                "DataLoader: prefetch_factor option could only be specified in multiprocessing."
                "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor "
                "to None."
            )
        if prefetch_factor is not None and prefetch_factor < 0:
            raise InvalidArgumentError("DataLoader: prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise InvalidArgumentError(
                "DataLoader: persistent_workers option needs num_workers > 0"
            )

    @property
    def _auto_collation(self) -> bool:
        """Whether samples are grouped into batches (False for `batch_size=None`)."""
        return self.batch_sampler is not None or (self._iterable and self.batch_size is not None)

    def __len__(self) -> int:
        """Batches per epoch (samples, for `batch_size=None`), as PyTorch counts them."""
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        index_sampler = self.batch_sampler if self.batch_sampler is not None else self.sampler
        return len(index_sampler)  # type: ignore[arg-type]

    def _index_batches(self) -> Iterator[Indices]:
        """The index lists of one epoch; a built-in sampler's epoch is drawn as one array."""
        batches = self.batch_sampler
        assert batches is not None
        if type(batches).__iter__ is BatchSampler.__iter__:
            assert isinstance(batches, BatchSampler)
            order = epoch_indices(batches.sampler)
            if order is not None:
                size = batches.batch_size
                stop = len(order) - len(order) % size if batches.drop_last else len(order)
                for start in range(0, stop, size):
                    yield order[start : start + size]
                return
        yield from batches

    def _fetch(self, indices: Indices) -> Any:
        if self.collate_fn is default_collate:
            stacked = _fetch_stacked(self.dataset, indices)
            if stacked is not None:
                return stacked
        if isinstance(indices, np.ndarray):
            indices = indices.tolist()
        return self.collate_fn([self.dataset[_python_index(i)] for i in indices])

    def _iter_stream(self) -> Iterator[Any]:
        stream = iter(self.dataset)
        if self.batch_size is None:
            for sample in stream:
                yield self.collate_fn(sample)
            return
        while True:
            batch = list(itertools.islice(stream, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield self.collate_fn(batch)

    def __iter__(self) -> Iterator[Any]:
        if self._iterable:
            yield from self._iter_stream()
        elif self.batch_sampler is None:  # batch_size=None: one sample at a time
            assert self.sampler is not None
            for index in self.sampler:
                yield self.collate_fn(self.dataset[_python_index(index)])
        else:
            for indices in self._index_batches():
                yield self._fetch(indices)
