"""Turn what a user hands `fit`/`evaluate`/`predict` into a DataLoader, and check batches."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from retrograd.data import DataLoader, Dataset, Subset, TensorDataset, split_arrays
from retrograd.tensor import Tensor
from retrograd.train.errors import TrainingError, TrainingTypeError


def check_positive_int(who: str, name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise TrainingError(f"{who}: {name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def _is_array_like(value: Any) -> bool:
    return isinstance(value, (Tensor, np.ndarray, list))


def resolve_data(who: str, data: Any, x: Any, y: Any, *, targets: bool = True) -> Any:
    """One source of samples: a DataLoader, a Dataset, or an ``(x, y)`` pair of arrays.

    `data` may be a DataLoader, a Dataset or a tuple ``(x, y)``; otherwise `x` (and, when
    `targets`, `y`) give the arrays. Returns a DataLoader, a Dataset or an ``(x, y)`` tuple.
    """
    if data is not None:
        if x is not None or y is not None:
            raise TrainingError(f"{who}: give either data or x/y, not both")
        if isinstance(data, (DataLoader, Dataset)):
            return data
        if isinstance(data, tuple) and len(data) == 2:
            return resolve_data(who, None, data[0], data[1], targets=targets)
        raise TrainingTypeError(
            f"{who}: data must be a DataLoader, a Dataset or a tuple (x, y), got "
            f"{type(data).__name__}"
        )
    if x is None:
        raise TrainingError(f"{who}: no data; pass a DataLoader or Dataset, or x=... and y=...")
    if isinstance(x, (DataLoader, Dataset)):
        return resolve_data(who, x, None, y, targets=targets)
    if targets and y is None:
        raise TrainingError(f"{who}: x was given without y; the loss needs targets")
    for name, value in (("x", x), ("y", y)):
        if value is not None and not _is_array_like(value):
            raise TrainingTypeError(
                f"{who}: {name} must be a Tensor, a NumPy array or a list, got "
                f"{type(value).__name__}"
            )
    return (x, y)


def as_loader(
    source: Any,
    batch_size: int,
    shuffle: bool = False,
    generator: np.random.Generator | None = None,
) -> DataLoader:
    """A DataLoader over `source` (a DataLoader is returned as it is)."""
    if isinstance(source, DataLoader):
        return source
    if isinstance(source, Dataset):
        dataset = source
    else:
        x, y = source
        dataset = TensorDataset(x) if y is None else TensorDataset(x, y)
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=generator)


def split_validation(who: str, source: Any, validation_split: float) -> tuple[Any, Any]:
    """Hold out the last `validation_split` of the samples (Keras's rule: before shuffling)."""
    if isinstance(source, DataLoader):
        raise TrainingError(
            f"{who}: validation_split needs arrays or a Dataset, not a DataLoader (its "
            "samples cannot be split); pass validation_data instead"
        )
    if isinstance(source, Dataset):
        n = len(source)
        split_at = int(math.floor(n * (1.0 - validation_split)))
        if split_at in (0, n):
            raise TrainingError(
                f"{who}: {n} samples are too few for validation_split={validation_split}"
            )
        return Subset(source, range(split_at)), Subset(source, range(split_at, n))
    x, y = source
    x_train, x_val, y_train, y_val = split_arrays(x, y, validation_split=validation_split)
    return (x_train, y_train), (x_val, y_val)


def model_device(model: Any) -> Any:
    """The device of `model`'s first parameter: where its batches must go (None: the CPU, or no
    parameters)."""
    for param in model.parameters():
        return None if param.is_cpu else param.device
    return None


def _to(value: Any, device: Any) -> Any:
    return value.to(device) if device is not None and isinstance(value, Tensor) else value


def unpack_batch(who: str, batch: Any, device: Any = None) -> tuple[Any, Any]:
    """A batch as ``(inputs, targets)``, moved to `device` (a GPU model's; None: left where it
    is); targets are None for an input-only batch."""
    if isinstance(batch, Tensor):
        return _to(batch, device), None
    if isinstance(batch, (tuple, list)):
        if len(batch) == 1:
            return _to(batch[0], device), None
        if len(batch) == 2:
            return _to(batch[0], device), _to(batch[1], device)
        raise TrainingError(
            f"{who}: a batch must be (inputs, targets), but this one has {len(batch)} parts; "
            "write your own loop for other layouts"
        )
    raise TrainingTypeError(
        f"{who}: a batch must be a Tensor or a tuple (inputs, targets), got {type(batch).__name__}"
    )


def batch_size_of(inputs: Any) -> int:
    """The number of samples in a batch of inputs (first dimension)."""
    shape = getattr(inputs, "shape", None)
    if shape is None or len(shape) == 0:
        return 1
    return int(shape[0])
