"""Arrays to and from safetensors files, through the `safetensors` package; headers are checked
by `header.read_header` before the package sees a file, and writes are atomic."""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np
from safetensors import numpy as safetensors_numpy

from retrograd.io.atomic import atomic_write
from retrograd.io.errors import ModelFileError
from retrograd.io.header import DTYPES, read_header

_STORABLE = {dtype: name for name, dtype in DTYPES.items()}


def write_arrays(
    path: str | os.PathLike[str],
    arrays: Mapping[str, np.ndarray],
    metadata: Mapping[str, str],
) -> None:
    """Write `arrays` (name -> array) and string `metadata` as one safetensors file, atomically."""
    contiguous = {}
    for name, array in arrays.items():
        if not isinstance(name, str):
            raise ModelFileError(f"tensor names must be strings, got {name!r}")
        # native byte order, C order; np.asarray keeps 0-d arrays 0-d (ascontiguousarray does not)
        array = np.asarray(array, dtype=array.dtype.newbyteorder("="), order="C")
        if array.dtype not in _STORABLE:
            raise ModelFileError(
                f"{os.fspath(path)}: tensor {name!r} has dtype {array.dtype}, which safetensors "
                f"files cannot hold (storable: {', '.join(str(d) for d in _STORABLE)})"
            )
        contiguous[name] = array
    data = safetensors_numpy.save(contiguous, metadata=dict(metadata))
    atomic_write(path, data)


def read_arrays(path: str | os.PathLike[str]) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The arrays (in file order, each a fresh writable copy) and metadata of a safetensors file.

    **Raises** ModelFileError for anything but a well-formed safetensors file.
    """
    header = read_header(path)
    try:
        loaded = safetensors_numpy.load_file(path)
    except Exception as error:  # the package's own checks, as a second line of defence
        raise ModelFileError(f"{os.fspath(path)}: safetensors could not read it: {error}") from None
    arrays = {}
    for entry in header.entries:
        array = loaded.get(entry.name)
        if array is None or array.shape != entry.shape or array.dtype != DTYPES[entry.dtype]:
            raise ModelFileError(f"{os.fspath(path)}: the file changed while it was read")
        arrays[entry.name] = np.array(array, copy=True)  # not a view of a memory-mapped file
    return arrays, header.metadata
