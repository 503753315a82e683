"""`default_collate`: a list of samples -> one batch, stacking along a new first dimension."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from retrograd.errors import ArgumentTypeError, InvalidArgumentError, ShapeError
from retrograd.tensor import Tensor


def _stack(arrays: list[np.ndarray], where: str) -> Tensor:
    first = arrays[0].shape
    for i, array in enumerate(arrays):
        if array.shape != first:
            raise ShapeError(
                f"default_collate: sample {i} has shape {array.shape} at {where}, "
                f"sample 0 has {first}; samples of a batch must have equal shapes"
            )
    return Tensor(np.stack(arrays))


def _collate(batch: list[Any], where: str) -> Any:
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack([t.array for t in batch], where)
    if isinstance(elem, (np.ndarray, np.generic)):
        return _stack([np.asarray(a) for a in batch], where)
    if isinstance(elem, bool):
        return Tensor(np.array(batch, dtype=np.bool_))
    if isinstance(elem, int):
        return Tensor(np.array(batch, dtype=np.int64))
    if isinstance(elem, float):
        return Tensor(np.array(batch, dtype=np.float64))  # like torch: Python floats -> float64
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, Mapping):
        return {key: _collate([d[key] for d in batch], f"{where}[{key!r}]") for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(
            *(_collate(list(f), f"{where}.{n}") for n, f in zip(elem._fields, zip(*batch)))
        )
    if isinstance(elem, Sequence):
        sizes = {len(sample) for sample in batch}
        if len(sizes) > 1:
            raise ShapeError(
                f"default_collate: samples at {where} have different numbers of fields: "
                f"{sorted(sizes)}"
            )
        fields = [_collate(list(f), f"{where}[{i}]") for i, f in enumerate(zip(*batch))]
        return fields if isinstance(elem, list) else tuple(fields)
    raise ArgumentTypeError(
        f"default_collate: cannot batch samples of type {type(elem).__name__} at {where}; "
        "expected Tensors, arrays, numbers, strings, or tuples/lists/dicts of them"
    )


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch (like `torch.utils.data.default_collate`).

    Tensors and arrays -> `Tensor` of shape `(B, *sample_shape)` (dtype kept); Python ints ->
    int64, floats -> float64 and bools -> bool `Tensor`s of shape `(B,)`; strings -> a list;
    tuples (tuples of fields, not torch's lists), lists, dicts and namedtuples are collated
    field by field.
    """
    if len(batch) == 0:
        raise InvalidArgumentError("default_collate: the batch is empty")
    return _collate(list(batch), "sample")


def default_convert(data: Any) -> Any:
    """Turn NumPy arrays inside one sample into `Tensor`s (like `torch.utils.data.default_convert`).

    The `collate_fn` of a `DataLoader` with `batch_size=None`: samples are not batched. Arrays
    and NumPy scalars -> `Tensor`; dicts, namedtuples, tuples and lists are converted field by
    field (tuples stay tuples); anything else (Python numbers, strings, Tensors) is kept.
    """
    if isinstance(data, (np.ndarray, np.generic)) and data.dtype.kind not in "SUO":
        return Tensor(np.asarray(data))
    if isinstance(data, Mapping):
        return {key: default_convert(value) for key, value in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return type(data)(*(default_convert(value) for value in data))
    if isinstance(data, (tuple, list)):
        converted = [default_convert(value) for value in data]
        return tuple(converted) if isinstance(data, tuple) else converted
    return data
