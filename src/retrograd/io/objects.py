"""`save(obj, path)` / `load(path)` for what PyTorch scripts save besides whole models: tensors,
state dicts, optimizer states and nested dicts, lists and tuples of them with numbers and
strings — as a safetensors file (the arrays) plus a JSON structure in its metadata. Never a
pickle: a file cannot run code when it is loaded.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import numpy as np

from retrograd.backend.device import check_device, device
from retrograd.io.errors import ModelFileError
from retrograd.io.fileformat import FORMAT, header_metadata, json_entry
from retrograd.io.header import SafetensorsFile
from retrograd.io.safetensors_file import write_arrays
from retrograd.io.tree import decode, encode
from retrograd.tensor import Tensor


def save_object(
    obj: Any,
    path: str | os.PathLike[str],
    *,
    overwrite: bool = True,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> None:
    """Write `obj` (tensors, arrays, numbers, strings, None, and dicts, lists and tuples of
    them) to `path`, atomically. Tensors come back as Tensors and NumPy arrays as arrays."""
    plain: set[int] = set()
    _collect_arrays(obj, plain)
    tensors: dict[str, np.ndarray] = {}
    structure = encode(obj, "obj", tensors)
    arrays_kept = sorted(key for key, array in tensors.items() if id(array) in plain)
    metadata = header_metadata("object", object=structure, arrays=arrays_kept)
    write_arrays(path, tensors, metadata, overwrite=overwrite, inputs=inputs)


def _collect_arrays(value: Any, found: set[int]) -> None:
    if isinstance(value, np.ndarray):
        found.add(id(value))
    elif isinstance(value, dict):
        for item in value.values():
            _collect_arrays(item, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect_arrays(item, found)


def check_map_location(map_location: Any) -> None:
    """`map_location` as PyTorch takes it (a device, its string, a dict or a function): the
    target must be the CPU; a function is accepted (every tensor is on the CPU already)."""
    if map_location is None or callable(map_location) and not isinstance(map_location, device):
        return
    if isinstance(map_location, dict):
        for target in map_location.values():
            check_device(target, "load(map_location=...)")
        return
    check_device(map_location, "load(map_location=...)")


def load_object(opened: SafetensorsFile, source: str) -> Any:
    """What `save_object` wrote, from an opened file (header already read)."""
    header = opened.header.metadata
    arrays = opened.arrays()
    kept = json_entry(header, "arrays", source) or []
    if not isinstance(kept, list) or not all(isinstance(key, str) for key in kept):
        raise ModelFileError(f"{source}: metadata entry 'arrays' is not a list of names")
    structure = decode(json_entry(header, "object", source), arrays, source)
    as_tensors = {id(array) for key, array in arrays.items() if key not in set(kept)}
    return _tensors_back(structure, as_tensors)


def load_plain_weights(opened: SafetensorsFile) -> OrderedDict[str, Tensor]:
    """A safetensors file of weights alone (`save_state_dict`, `safetensors.torch`) as a state
    dict of Tensors, in the file's order."""
    return OrderedDict((key, Tensor(array)) for key, array in opened.arrays().items())


def _tensors_back(value: Any, as_tensors: set[int]) -> Any:
    if isinstance(value, np.ndarray):
        return Tensor(value) if id(value) in as_tensors else value
    if isinstance(value, dict):
        return {key: _tensors_back(item, as_tensors) for key, item in value.items()}
    if isinstance(value, list):
        return [_tensors_back(item, as_tensors) for item in value]
    if isinstance(value, tuple):
        return tuple(_tensors_back(item, as_tensors) for item in value)
    return value


def is_retrograd(header: dict[str, str]) -> bool:
    return header.get("format") == FORMAT
