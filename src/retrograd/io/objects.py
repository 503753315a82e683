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

from retrograd.backend.arrays import to_device
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


def map_target(map_location: Any) -> device | None:
    """Where `map_location`, as PyTorch takes it, sends the loaded tensors: None for the CPU
    (where a file's values are read). A device or its string is checked and used; a dict uses
    its entry for "cpu" (files hold host copies); a function is accepted and leaves the values
    on the CPU."""
    if map_location is None or callable(map_location) and not isinstance(map_location, device):
        return None
    if isinstance(map_location, dict):
        for target in map_location.values():
            check_device(target, "load(map_location=...)")
        map_location = map_location.get("cpu")
        if map_location is None:
            return None
    check_device(map_location, "load(map_location=...)")
    wanted = map_location if isinstance(map_location, device) else device(map_location)
    return None if wanted.type == "cpu" else wanted


def place(value: Any, target: device | None) -> Any:
    """`value`, as a file held it, with its tensors and modules moved to `target` (in place;
    None: left on the CPU)."""
    if target is None:
        return value
    if isinstance(value, Tensor):
        value.array = to_device(value.array, target)
    elif hasattr(value, "parameters") and hasattr(value, "to"):  # a Module
        value.to(target)
    elif isinstance(value, dict):
        for key, item in value.items():
            value[key] = place(item, target)
    elif isinstance(value, list):
        value[:] = [place(item, target) for item in value]
    elif isinstance(value, tuple):
        items = [place(item, target) for item in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    return value


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
